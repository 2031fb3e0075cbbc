"""Masking credentials in anything agentsh shows or stores: fact payloads, findings, `check` output, stop
messages, `explain`. Conservative: it masks more than it must. Tokens are never meant to leave memory."""
import re

# Cheap substring test first: compiling the patterns below costs ~5 ms, and every agent command's audit record passes
# through redact(). Each pattern needs one of these substrings (case-insensitive) to match at all.
_HINTS = ("bearer", "basic", "token", "digest", "sk_", "rk_", "pk_", "gh", "github_pat_", "glpat-", "xox", "akia",
          "eyj", "npm_", "dop_v1_", "hf_", "bot", "passw", "secret", "api", "key", "credential", "@")


def might_hold_secret(text: str) -> bool:
    low = text.lower()
    return any(h in low for h in _HINTS)

_SECRET_NAME = (r"[\w.-]{0,40}(?:passw(?:or)?d|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
                r"|credential)"
                r"[\w.-]{0,40}")
# compiled on first use (module __getattr__), not at import: the shell's fast path imports this module
_SOURCES = {
    "_SENSITIVE_HEADER": (r"auth|token|key|secret|cookie|session|passw|signature|credential", re.I),
    "_TOKEN_RE": (
        r"(?i:\b(?:bearer|basic|token|digest)\s+)(?P<tok>[^\s\"',;\\]{4,})"
        r"|\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{2,}"
        r"|\bgh[pousr]_[0-9A-Za-z]{10,}|\bgithub_pat_\w{10,}|\bglpat-[\w-]{10,}|\bxox[abprs]-[\w-]{10,}"
        r"|\bAKIA[0-9A-Z]{16}\b|\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*|\bnpm_[0-9A-Za-z]{20,}|\bdop_v1_[0-9a-f]{20,}"
        r"|\bhf_[0-9A-Za-z]{20,}|\bbot\d{5,}:[\w-]{20,}", 0),
    "_JSON_SECRET": (r"(?i)(\\?\"" + _SECRET_NAME + r"\\?\"\s*:\s*)(\\?\")(?:[^\"\\]|\\[^\"])*\\?\"", 0),
    "_GRAPHQL_SECRET": (r"(?i)(\b" + _SECRET_NAME + r"\s*:\s*)(\\?\")(?:[^\"\\]|\\[^\"])*\\?\"", 0),
    "_FORM_SECRET": (r"(?i)(\b" + _SECRET_NAME + r"=)[^&\s\"']+", 0),
    "_USERINFO": (r"(\b[a-z][a-z0-9+.-]*://[^/\s:@\"']*:)[^@\s\"'/]+@", re.I),
}


def __getattr__(name):
    if name in _SOURCES:
        pattern, flags = _SOURCES[name]
        compiled = re.compile(pattern, flags)
        globals()[name] = compiled
        return compiled
    raise AttributeError(name)


def redact(text: str) -> str:
    """Mask credentials in text shown to people (fact payloads). Conservative: masks more than it must."""
    if not text or not might_hold_secret(text):
        return text
    g = __getattr__
    text = g("_TOKEN_RE").sub(lambda m: m.group(0)[:m.start("tok") - m.start(0)] + "***" if m.group("tok")
                         else "***", text)
    text = g("_JSON_SECRET").sub(lambda m: m.group(1) + m.group(2) + "***" + m.group(2), text)
    text = g("_GRAPHQL_SECRET").sub(lambda m: m.group(1) + m.group(2) + "***" + m.group(2), text)
    text = g("_FORM_SECRET").sub(r"\1***", text)
    return g("_USERINFO").sub(r"\1***@", text)



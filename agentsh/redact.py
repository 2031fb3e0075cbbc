"""Masking credentials in anything agentsh shows or stores: fact payloads, findings, `check` output, stop
messages, `explain`. Conservative: it masks more than it must. Tokens are never meant to leave memory."""
import re

_SENSITIVE_HEADER = re.compile(r"auth|token|key|secret|cookie|session|passw|signature|credential", re.I)
_TOKEN_RE = re.compile(
    r"(?i:\b(?:bearer|basic|token|digest)\s+)(?P<tok>[^\s\"',;\\]{4,})"
    r"|\b(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{2,}"
    r"|\bgh[pousr]_[0-9A-Za-z]{10,}|\bgithub_pat_\w{10,}|\bglpat-[\w-]{10,}|\bxox[abprs]-[\w-]{10,}"
    r"|\bAKIA[0-9A-Z]{16}\b|\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*|\bnpm_[0-9A-Za-z]{20,}|\bdop_v1_[0-9a-f]{20,}"
    r"|\bhf_[0-9A-Za-z]{20,}|\bbot\d{5,}:[\w-]{20,}")
_SECRET_NAME = (r"[\w.-]{0,40}(?:passw(?:or)?d|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
                r"|credential)"
                r"[\w.-]{0,40}")
_JSON_SECRET = re.compile(r"(?i)(\\?\"" + _SECRET_NAME + r"\\?\"\s*:\s*)(\\?\")(?:[^\"\\]|\\[^\"])*\\?\"")
_GRAPHQL_SECRET = re.compile(r"(?i)(\b" + _SECRET_NAME + r"\s*:\s*)(\\?\")(?:[^\"\\]|\\[^\"])*\\?\"")
_FORM_SECRET = re.compile(r"(?i)(\b" + _SECRET_NAME + r"=)[^&\s\"']+")
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@\"']*:)[^@\s\"'/]+@", re.I)


def redact(text: str) -> str:
    """Mask credentials in text shown to people (fact payloads). Conservative: masks more than it must."""
    if not text:
        return text
    text = _TOKEN_RE.sub(lambda m: m.group(0)[:m.start("tok") - m.start(0)] + "***" if m.group("tok")
                         else "***", text)
    text = _JSON_SECRET.sub(lambda m: m.group(1) + m.group(2) + "***" + m.group(2), text)
    text = _GRAPHQL_SECRET.sub(lambda m: m.group(1) + m.group(2) + "***" + m.group(2), text)
    text = _FORM_SECRET.sub(r"\1***", text)
    return _USERINFO.sub(r"\1***@", text)



"""Agents' scaffolding around the command they run, recognised so that messages and the audit log name the payload.

This is presentation only: the analyzer always vets the whole text bash will run (the snapshot being sourced, the
`eval` argument, the trap wrapper). Recognising the wrapper lets agentsh say `blocked: rm -rf ~` instead of quoting
Claude Code's 300-character wrapper, and lets the audit log say which harness sent it.
"""
import re

_CLAUDE = _CLAUDE_SNAPSHOT = _GEMINI = _GEMINI_PREFIX = None

# Claude Code: source <snapshot> … && eval '<CMD>' [< /dev/null] && pwd -P >| /tmp/claude-XXXX-cwd
# Only Claude's fixed pieces may stand between the snapshot and the eval: anything else there would run without being
# named in messages, the approval queue or the audit log, so such a command is shown whole.
__CLAUDE_SRC = (r"\A(?:source|\.) \S*shell-snapshots/\S+ 2>/dev/null \|\| true"
                r"(?: && (?:shopt -u extglob|setopt NO_EXTENDED_GLOB) 2>/dev/null \|\| true)?"
                r"(?: && \{ \\builtin unalias -- '[\w-]+'; \\builtin unset -f -- '[\w-]+'; \} >/dev/null 2>&1 "
                r"\|\| true)?"
                r" && eval '((?:[^']|'\"'\"')*)'(?: < /dev/null)? && pwd -P >\| \S+\s*\Z", re.S)
__CLAUDE_SNAPSHOT_SRC = (r"\A\s*SNAPSHOT_FILE=\S*shell-snapshots/", 0)
# Gemini CLI: shopt -u …; _bgpids_file=…\n(\n trap 'jobs -p > "$_bgpids_file"' EXIT\n<CMD>\n)\n__code=$?\nexit $__code
__GEMINI_SRC = (r"\A(?:shopt -u [a-z ]+;\s*)?_bgpids_file=\S+\s*\(\s*trap 'jobs -p > \"\$_bgpids_file\"' EXIT\n"
                r"(.*)\n\)\s*__code=\$\?\s*exit \$__code\s*\Z", re.S)
__GEMINI_PREFIX_SRC = (r"\Ashopt -u promptvars nullglob extglob nocaseglob dotglob;\s*(.*)\Z", re.S)


def _compile():
    global _CLAUDE, _CLAUDE_SNAPSHOT, _GEMINI, _GEMINI_PREFIX
    if _CLAUDE is None:
        _CLAUDE = re.compile(*__CLAUDE_SRC)
        _CLAUDE_SNAPSHOT = re.compile(*__CLAUDE_SNAPSHOT_SRC)
        _GEMINI = re.compile(*__GEMINI_SRC)
        _GEMINI_PREFIX = re.compile(*__GEMINI_PREFIX_SRC)


# Codex: bash -c '. "$1" && shift && exec "$@"' ARG0 <snapshot> CMD…
_CODEX_RUNNER = ('. "$1" && shift && exec "$@"', 'source "$1" && shift && exec "$@"')


def payload_of(command: str, positional=()) -> tuple:
    """(what the agent asked to run, harness name or None)."""
    if "shell-snapshots/" not in command and "_bgpids_file" not in command and \
            not command.startswith("shopt -u promptvars") and command.strip() not in _CODEX_RUNNER:
        return command, None        # the common case, without compiling the patterns below
    _compile()
    m = _CLAUDE.match(command)
    if m:
        return m.group(1).replace("'\"'\"'", "'"), "claude-code"
    if _CLAUDE_SNAPSHOT.match(command):
        return "(Claude Code shell snapshot)", "claude-code-snapshot"
    m = _GEMINI.match(command)
    if m:
        return m.group(1), "gemini"
    if command.strip() in _CODEX_RUNNER and len(positional) >= 2:
        import shlex
        return " ".join(shlex.quote(a) for a in positional[2:]) or "(snapshot only)", "codex"
    m = _GEMINI_PREFIX.match(command)
    if m:
        return m.group(1), "gemini"
    return command, None

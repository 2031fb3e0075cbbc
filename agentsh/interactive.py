"""Interactive mode: the real bash with agentsh's guard rcfile (agentsh/guard.bash), and the per-line vetting entry
point the guard calls (`agentsh __vet-line`). Why an rcfile and not a front end: see the top of guard.bash."""
import os
import re
import sys

from agentsh.shell import STOP_STATUS, mark_governed, real_bash, restore_process_state

GUARD_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "guard.bash")


def guarded_argv(argv, args) -> tuple:
    """(argv for the real bash, user rc file or "none", login): agentsh's guard replaces --rcfile/--init-file and
    ~/.bashrc (it sources them itself after vetting), and login is emulated (bash ignores --rcfile when login).
    Long options are recognised with one or two dashes, as bash does (agentsh.bashargs)."""
    from agentsh.bashargs import LONG_OPTIONS, LONG_WITH_VALUE
    longs, shorts = [], []
    i, n = 0, len(argv)
    while i < n and argv[i].startswith("-") and argv[i] not in ("-", "--"):
        name = argv[i][2:] if argv[i].startswith("--") else argv[i][1:]
        if name not in LONG_OPTIONS:
            break
        if name in LONG_WITH_VALUE:
            i += 2
            continue
        if name not in ("norc", "login"):
            longs.append("--" + name)
        i += 1
    while i < n:
        t = argv[i]
        if len(t) > 1 and t[0] in "-+" and not t.startswith("--"):
            letters = t[1:].replace("l", "")
            takes = sum(1 for ch in t[1:] if ch in "oO")
            if letters:
                shorts.append(t[0] + letters)
            shorts.extend(argv[i + 1:i + 1 + takes])
            i += 1 + takes
            continue
        break
    rest = argv[i:]
    if args.norc:
        rc = "none"
    elif args.rcfile:
        rc = args.rcfile
    else:
        rc = os.path.join(os.environ.get("HOME") or os.path.expanduser("~"), ".bashrc")
    return ["--rcfile", GUARD_FILE] + longs + shorts + ["-i"] + rest, rc, args.login and not args.noprofile


def run_interactive(argv, args) -> int:
    try:
        bash = real_bash()
    except FileNotFoundError as e:
        sys.stderr.write("agentsh: %s\n" % e)
        return STOP_STATUS
    new_argv, rc, login = guarded_argv(argv, args)
    me = os.path.realpath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if not me or not os.access(me, os.X_OK):
        sys.stderr.write("agentsh: cannot find its own executable to vet lines with; refusing an unguarded shell\n")
        return STOP_STATUS
    os.environ["__AGENTSH_BIN"] = me
    os.environ["__AGENTSH_RC"] = rc
    if login:
        os.environ["__AGENTSH_LOGIN"] = "1"
    from agentsh.audit import append, make_record, AuditError
    try:
        append(make_record("session-start", "bash " + " ".join(argv), os.getcwd(), os.environ, mode="interactive"),
               os.environ)
    except (AuditError, OSError) as e:
        sys.stderr.write("agentsh: warning: %s\n" % e)
    sys.stderr.flush()
    mark_governed()
    restore_process_state()
    os.execv(bash, ["bash"] + new_argv)
    return STOP_STATUS


# Lines that would switch the guard off inside a guarded session. Stopped before they run.
_TAMPER = (
    (re.compile(r"\btrap\b[^\n]*\bDEBUG\b"), "changes the DEBUG trap agentsh's guard runs in"),
    (re.compile(r"\b(extdebug|functrace)\b"), "changes the shell option agentsh's guard relies on"),
    (re.compile(r"\bset\s+[^\n;|&]*\+o\s*history\b|\bset\s+\+o\b\s*$|\bshopt\s+-u\s+-o\s+history\b"),
     "switches off the history agentsh's guard reads"),
    (re.compile(r"\bhistory\s+-[a-z]*[cdrns]"), "rewrites the history agentsh's guard reads"),
    (re.compile(r"\benable\b\s+-[a-z]*[nfd]"), "disables or replaces shell builtins agentsh's guard uses"),
    (re.compile(r"__agentsh|__AGENTSH"), "touches agentsh's guard"),
    (re.compile(r"(?:^|[\s;&|({])(?:function\s+)?(?:builtin|command|trap|history|shopt|set|enable|eval|source|printf|"
                r"declare|readonly|unset|local|return)\s*\(\s*\)"), "redefines a builtin agentsh's guard uses"),
    (re.compile(r"(?:^|[\s;&|({])function\s+/"), "defines a function named like a path"),
)


def tamper_reason(line: str):
    for pattern, reason in _TAMPER:
        if pattern.search(line):
            return reason
    return None


def vet_line(argv) -> int:
    """`agentsh __vet-line [--startup] -- LINE`: 0 to run the line, STOP_STATUS to skip it (the guard's DEBUG trap)."""
    startup = "--startup" in argv[:2]
    line = argv[-1] if argv else ""
    from agentsh.gate import admit
    mode = "startup" if startup else "interactive"
    if not startup:
        reason = tamper_reason(line)
        if reason:
            from agentsh import audit
            try:
                audit.append(audit.make_record("block", line, os.getcwd(), os.environ, mode=mode,
                                               extra={"rule": "agentsh.guard-tamper", "reason": reason}), os.environ)
            except (audit.AuditError, OSError):
                pass
            sys.stderr.write("agentsh: blocked: %s\n  [catastrophic] agentsh.guard-tamper: this line %s.\n"
                             "  agentsh's guard cannot be switched off from inside the session it guards.\n"
                             % (line.replace("\n", "\\n")[:300], reason))
            return STOP_STATUS
    outcome = admit(line, line, mode=mode, extra_check=None if startup else guard_tamper_finding)
    return 0 if outcome.admitted else STOP_STATUS


_GUARD_SHOPTS = {"extdebug", "functrace", "history", "cmdhist", "lithist"}


def tamper_in_commands(commands):
    """The analyzed commands of a line (after eval, builtin, variables and quoting are resolved): does one of them
    switch the guard off? A run-time word in those positions counts as one."""
    for cmd in commands:
        name = cmd.name
        words = [a.text for a in cmd.args]
        dyn = any(a.dynamic for a in cmd.args)
        if name == "trap" and (dyn or any(w in ("DEBUG", "RETURN") or w.upper() in ("DEBUG", "SIGDEBUG")
                                          for w in words)):
            return "changes the DEBUG trap agentsh's guard runs in"
        if name == "shopt" and (dyn or any(w in _GUARD_SHOPTS for w in words)) and \
                any(w.startswith("-") and "u" in w for w in words):
            return "switches off a shell option agentsh's guard relies on"
        if name == "set" and (dyn or any(w.startswith("+") and ("o" in w or "T" in w) for w in words)):
            return "switches off a shell option agentsh's guard relies on"
        if name == "history" and (dyn or any(w.startswith("-") and any(c in w for c in "cdrns") for w in words)):
            return "rewrites the history agentsh's guard reads"
        if name == "enable" and (dyn or any(w.startswith("-") and any(c in w for c in "nfd") for w in words)):
            return "disables or replaces shell builtins agentsh's guard uses"
        if name in ("unset", "readonly", "declare", "typeset", "export", "local", "read", "printf", "mapfile",
                    "readarray") and any("AGENTSH" in w or w.startswith("HIST") for w in words):
            return "changes variables agentsh's guard uses"
        if name == "fc":
            return "re-runs or edits history lines, which would run without being vetted as typed"
        if name == "bind" and (dyn or any(w.startswith("-") and "x" in w for w in words)):
            return "binds a key to shell code that would run without being vetted"
        if name in ("complete", "compgen") and (dyn or any(w.startswith("-") and ("C" in w or "F" in w)
                                                           for w in words)):
            return "installs completion code that would run without being vetted"
    return None


def guard_tamper_finding(decision):
    from agentsh.model import Finding
    reason = tamper_in_commands(decision.commands)
    if reason is None:
        return None
    return Finding("agentsh.guard-tamper", "catastrophic", "The line %s" % reason,
                   "agentsh's interactive guard is a DEBUG trap that reads each line from the history; a line that "
                   "removes the trap, its shell options or the history would let every later line run unvetted.",
                   "Leave the guard alone; start a new agentsh shell if the session is broken.", decision.command)

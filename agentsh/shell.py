"""The bash-compatible front end: vet the command, then hand it to the real bash with exec.

This is the minimal `-c` path the analyzer issue needs (and the one start-up is measured on). Full bash
compatibility (stdin script mode, interactive mode, agents' scaffolding, audit log) is the shell issue's work;
until then every mode this file does not vet is refused, never run unvetted.
"""
import os
import sys

STOP_STATUS = 126   # bash's "cannot execute"; agentsh.render documents it (imported only when stopping)

_BASH_CANDIDATES = ("/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash", "/opt/homebrew/bin/bash")
_VALUE_OPTIONS = ("-o", "+o", "-O", "+O", "--rcfile", "--init-file")


def real_bash() -> str:
    me = os.path.realpath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    for c in _BASH_CANDIDATES:
        if os.access(c, os.X_OK) and os.path.realpath(c) != me:
            return c
    raise FileNotFoundError("no bash found in " + ", ".join(_BASH_CANDIDATES))


def find_command_string(argv):
    """Index of the -c command string in bash's argv, or None. Options may come before or after -c."""
    has_c = False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--" or a == "-":
            i += 1
            break
        if a in _VALUE_OPTIONS:
            i += 2
            continue
        if a.startswith("--"):
            i += 1
            continue
        if (a.startswith("-") or a.startswith("+")) and len(a) > 1:
            if a[0] == "-" and "c" in a[1:]:
                has_c = True
            i += 1 + sum(1 for ch in a[1:] if ch in "oO")
            continue
        break
    if has_c and i < len(argv):
        return i
    return None


def startup_files(options, environ) -> str:
    """What bash sources before the -c command, as shell text to vet with it: `--rcfile F` / `--init-file F`
    or ~/.bashrc when interactive (-i), $BASH_ENV when not."""
    import shlex
    interactive = any(o.startswith("-") and not o.startswith("--") and "i" in o[1:] for o in options)
    rc = None
    for i, o in enumerate(options):
        if o in ("--rcfile", "--init-file") and i + 1 < len(options):
            rc = options[i + 1]
    if interactive:
        if rc:
            return "source %s 2>/dev/null; " % shlex.quote(rc)
        if "--norc" not in options:
            return "[ -f ~/.bashrc ] && source ~/.bashrc; "
        return ""
    if environ.get("BASH_ENV"):
        return "source %s; " % shlex.quote(environ["BASH_ENV"])
    return ""


def run_shell(argv) -> int:
    if argv and argv[0] in ("--version", "--help"):
        from agentsh import __version__
        sys.stderr.write("agentsh %s: a guard for AI agents' shell commands (bash-compatible -c)\n" % __version__)
        os.execv(real_bash(), ["bash", argv[0]])
    idx = find_command_string(argv)
    if idx is None:
        sys.stderr.write("agentsh: only `agentsh -c COMMAND` is supported as a shell so far; script, stdin and "
                         "interactive modes are refused rather than run unvetted.\n")
        return STOP_STATUS
    command = argv[idx]
    vetted = startup_files(argv[:idx], os.environ) + command
    try:
        from agentsh.analyze import analyze, make_context
        decision = analyze(vetted, make_context())
        decision.command = command
    except Exception as e:   # rules failed to load, or worse: fail closed, loudly
        sys.stderr.write("agentsh: blocked: cannot vet the command: %s\n" % e)
        return STOP_STATUS
    if decision.decision != "allow":
        from agentsh.render import stop_message
        sys.stderr.write(stop_message(decision))
        return STOP_STATUS
    bash = real_bash()
    sys.stdout.flush()
    os.execv(bash, ["bash"] + list(argv))
    return STOP_STATUS  # not reached

"""The bash-compatible front end: vet, record, then hand the command to the real bash.

Modes, chosen exactly as bash chooses them:
- `-c CMD [ARG0 ARG…]` and `SCRIPT [ARG…]`: vetted as the command line `bash ARGV…` (so start-up files, positional
  parameters and the script's text are all seen by the analyzer), then `exec` of the real bash with the same argv:
  same pid, process group, signals, stdin, stdout and exit status.
- stdin is not a terminal (`agentsh`, `agentsh -s ARG…` fed by a pipe): each complete command is vetted as soon as it
  has arrived and written to one persistent real bash, so cwd, variables and functions persist as in one bash.
- interactive (`-i`, or stdin and stderr are terminals): the real bash runs with agentsh's rcfile (agentsh/guard.bash),
  which vets every line typed at the prompt before any of it runs. See guard.bash for why this mechanism.

Nothing is ever written to stdout: agents parse it. A stopped command exits with STOP_STATUS (126).
"""
import os
import sys

STOP_STATUS = 126   # bash's "cannot execute"; documented in the README

_BASH_CANDIDATES = ("/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash", "/opt/homebrew/bin/bash")


def parse_args(argv):
    """bash's command line, read as bash reads it (agentsh.bashargs), plus the mode agentsh runs in."""
    from agentsh.bashargs import parse
    a = parse(argv)
    if a.info:
        a.mode = "info"
    elif a.error:
        a.mode = "error"           # bash itself reports it and runs nothing
    elif a.command:
        a.mode = "command"
    elif a.operands_at < len(argv) and not a.read_stdin:
        a.mode = "script"
    elif a.interactive or (_isatty(0) and _isatty(2)):
        a.mode = "interactive"
    else:
        a.mode = "stdin"
    return a


def _isatty(fd) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def real_bash() -> str:
    """The real bash, by absolute path: `[shell] bash` in config.toml, else the first bash that is not agentsh
    itself (agentsh may be installed under the name `bash`)."""
    me = os.path.realpath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    configured = _configured_bash()
    if configured:
        if os.path.isabs(configured) and os.access(configured, os.X_OK) and os.path.realpath(configured) != me:
            return configured
        raise FileNotFoundError("the configured bash %r is not an executable absolute path other than agentsh"
                                % configured)
    for c in _BASH_CANDIDATES:
        if os.access(c, os.X_OK) and os.path.realpath(c) != me:
            return c
    raise FileNotFoundError("no bash found in " + ", ".join(_BASH_CANDIDATES))


def _configured_bash():
    from agentsh.context import user_config_section
    return user_config_section(os.environ, "shell").get("bash")


def _exec_bash(argv):
    try:
        bash = real_bash()
    except FileNotFoundError as e:
        sys.stderr.write("agentsh: %s\n" % e)
        return STOP_STATUS
    sys.stderr.flush()
    mark_governed()
    restore_process_state()
    os.execv(bash, ["bash"] + list(argv))
    return STOP_STATUS   # not reached


def restore_process_state():
    """Undo what the Python runtime changed, so the bash agentsh execs starts as the caller's bash would: SIGPIPE and
    SIGXFSZ back to their defaults (Python ignores them; `yes | head` must end quietly), and no LC_CTYPE that
    Python's locale coercion (PEP 538) added."""
    try:
        import _signal as signal      # the C module: `signal` wraps it in enums (0.5 ms on every agent command)
    except ImportError:
        import signal
    for name in ("SIGPIPE", "SIGXFSZ"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    if "LC_CTYPE" in os.environ:
        try:
            with open("/proc/self/environ", "rb") as f:
                original = f.read().split(b"\0")
        except OSError:
            return
        if not any(e.startswith(b"LC_CTYPE=") for e in original):
            del os.environ["LC_CTYPE"]


def mark_governed():
    """Everything started from here on descends from an agentsh-governed shell: `agentsh approve` refuses to run
    there (checked in the process's own environment and in its ancestors' /proc environ)."""
    os.environ["__AGENTSH_GOVERNED"] = str(os.getpid())


def vetted_text(argv, environ) -> str:
    """The command line agentsh analyzes for `bash ARGV`: the analyzer reads -c text with its positional
    parameters, script files, and the start-up files bash sources ($BASH_ENV, ~/.bashrc with -i, profiles with -l).
    The plain `-c CMD` every agent sends is the command itself (same verdict, less work)."""
    if len(argv) == 2 and argv[0] == "-c" and not environ.get("BASH_ENV"):
        return argv[1]
    import shlex
    prefix = "BASH_ENV=%s " % shlex.quote(environ["BASH_ENV"]) if environ.get("BASH_ENV") else ""
    return prefix + "bash " + " ".join(shlex.quote(a) for a in argv)


def run_shell(argv) -> int:
    args = parse_args(argv)
    if args.mode in ("info", "error"):
        return _exec_bash(argv)     # `--version`, `--help`, or an invalid option: bash answers, nothing runs
    if args.mode in ("command", "script"):
        from agentsh.gate import admit
        from agentsh.harness import payload_of
        if args.mode == "command":
            command = argv[args.operands_at] if args.operands_at < len(argv) else ""
            display, harness = payload_of(command, argv[args.operands_at + 1:])
        else:
            display, harness = "bash " + " ".join(argv[args.operands_at:]), None
        outcome = admit(vetted_text(argv, os.environ), display, mode=args.mode,
                        extra={"harness": harness} if harness else None)
        if not outcome.admitted:
            return STOP_STATUS
        return _exec_bash(argv)
    if args.mode == "stdin":
        from agentsh.stdin_mode import run_stdin
        return run_stdin(argv, args)
    from agentsh.interactive import run_interactive
    return run_interactive(argv, args)

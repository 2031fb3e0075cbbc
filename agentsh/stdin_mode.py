"""Stdin script mode: `agentsh` / `agentsh -s ARG…` with commands arriving on a pipe.

A persistent pipe never sends EOF (API bash tools keep one bash open and write commands into it), so reading all of
stdin first would hang. Instead agentsh starts one real bash with the same arguments, reading from a pipe agentsh
owns, and forwards each complete command as soon as it has arrived and been vetted. State (cwd, variables,
functions, options) lives in that one bash, exactly as if the agent had piped into bash directly.

Completeness is bash's own judgement: `bash -n` on the pending text; "unexpected end of file", an unterminated
here-document or a trailing backslash mean "wait for more lines". Each command is vetted in the state the earlier
commands of the session left (the analyzer replays them as a prelude: `cd /`, then `rm -rf *` is seen for what it
is), and only its own findings count. A stopped command is replaced by `(exit 126)`, so the
session goes on with `$?` = 126, as if the command had failed.

Known difference from bash: a command that reads stdin (`read x`, `cat`) gets the following lines only after they
were vetted as commands themselves, as bash would have read them as input instead.
"""
import os
import signal
import sys

from agentsh.shell import STOP_STATUS, mark_governed, real_bash, restore_process_state

MAX_HISTORY_BYTES = 32768     # earlier commands kept as context for vetting the next one
_STOPPED = "(exit %d)\n" % STOP_STATUS


def is_complete(text: str, bash: str) -> bool:
    """Would bash run `text` now, or wait for more input?"""
    stripped = text.rstrip("\n")
    if not stripped.strip():
        return True
    trailing = len(stripped) - len(stripped.rstrip("\\"))
    if trailing % 2 == 1:
        return False                      # line continuation
    import subprocess
    try:
        r = subprocess.run([bash, "-n"], input=text.encode("utf-8", "surrogateescape"), capture_output=True,
                           timeout=5, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C"})
    except (OSError, subprocess.TimeoutExpired):
        return True                       # let the analyzer judge it (a parse it cannot finish is at least confirm)
    err = r.stderr.decode("utf-8", "replace")
    if "unexpected end of file" in err or "here-document at line" in err:
        return False
    return True


class Session:
    """The vetting side of one stdin session: the commands that already ran, as context for the next one."""

    def __init__(self, environ, cwd):
        self.environ = environ
        self.cwd = cwd
        self.history = []           # commands forwarded to bash, in order

    def vet(self, chunk: str):
        from agentsh.gate import admit
        prelude = "".join(self.history) or None
        return admit(chunk, chunk.rstrip("\n"), self.environ, self.cwd, mode="stdin", prelude=prelude)

    def ran(self, chunk: str):
        self.history.append(chunk if chunk.endswith("\n") else chunk + "\n")
        while sum(len(h) for h in self.history) > MAX_HISTORY_BYTES and len(self.history) > 1:
            # the oldest context goes; what it set (variables, cwd) becomes unknown: stricter, never looser
            self.history.pop(0)


def run_stdin(argv, args) -> int:
    try:
        bash = real_bash()
    except FileNotFoundError as e:
        sys.stderr.write("agentsh: %s\n" % e)
        return STOP_STATUS
    read_fd, write_fd = os.pipe()
    mark_governed()
    pid = os.fork()
    if pid == 0:      # the child becomes the persistent bash, reading what agentsh forwards
        try:
            os.dup2(read_fd, 0)
            os.close(read_fd)
            os.close(write_fd)
            restore_process_state()
            os.execv(bash, ["bash"] + list(argv))
        finally:
            os._exit(STOP_STATUS)
    os.close(read_fd)
    _forward_signals(pid)
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = os.environ.get("PWD") or "/"
    session = Session(dict(os.environ), cwd)
    pending = ""
    alive = True
    for line in _lines(0, pid):
        pending += line
        if not is_complete(pending, bash):
            continue
        chunk, pending = pending, ""
        if not chunk.strip() or chunk.lstrip().startswith("#") and "\n" not in chunk.rstrip("\n"):
            alive = _send(write_fd, chunk)
        else:
            outcome = session.vet(chunk)
            if outcome.admitted:
                session.ran(chunk)
                alive = _send(write_fd, chunk if chunk.endswith("\n") else chunk + "\n")
            else:
                alive = _send(write_fd, _STOPPED)
        if not alive:
            break
    if pending.strip() and alive:
        # input ended inside an unfinished command: bash would report the syntax error; let it, without running
        # anything agentsh did not vet
        outcome = session.vet(pending)
        _send(write_fd, pending if outcome.admitted else _STOPPED)
    try:
        os.close(write_fd)
    except OSError:
        pass
    return _wait(pid)


def _lines(fd, child):
    """Lines from fd as they arrive (no read-ahead that would wait for more input). Stops when the child bash
    exits (`exit 4` on a pipe that stays open must end the session now, not at the next line)."""
    import select
    try:
        watch = os.pidfd_open(child)
    except (AttributeError, OSError):
        watch = None
    buf = b""
    try:
        while True:
            ready = select.select([fd] + ([watch] if watch is not None else []), [], [], None if watch else 0.5)[0]
            if watch is not None and watch in ready or watch is None and not ready and _exited(child):
                return
            if fd not in ready:
                continue
            try:
                data = os.read(fd, 65536)
            except InterruptedError:
                continue
            except OSError:
                data = b""
            if not data:
                if buf:
                    yield buf.decode("utf-8", "surrogateescape")
                return
            buf += data
            while True:
                nl = buf.find(b"\n")
                if nl < 0:
                    break
                yield buf[:nl + 1].decode("utf-8", "surrogateescape")
                buf = buf[nl + 1:]
    finally:
        if watch is not None:
            os.close(watch)


def _exited(pid) -> bool:
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return f.read().split(b") ")[-1][:1] == b"Z"
    except OSError:
        return True


def _send(fd, text) -> bool:
    data = text.encode("utf-8", "surrogateescape")
    try:
        while data:
            n = os.write(fd, data)
            data = data[n:]
        return True
    except BrokenPipeError:
        return False            # bash exited (`exit`, set -e): stop reading, report its status


def _forward_signals(pid):
    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except OSError:
            pass
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(s, forward)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)


def _wait(pid) -> int:
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            return STOP_STATUS
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)

"""The pipeline: analyze(command, context) -> Decision. Parse, expand, unwrap (recursively), rules, policy.

Three front ends share it: the shell (`agentsh -c`), the hooks and `agentsh check`. It never raises for bad
input: an internal error or an exceeded deadline becomes a `block` that says so (fail closed).
"""
from __future__ import annotations

import os
import re
import time

from agentsh.expand import (Expander, initial_state, is_harness_snapshot, join_path, merge, printed_text,
                            set_positional)
from agentsh.model import Arg, Context, Decision, Fact, StdinSource
from agentsh.parse import parse
from agentsh.paths import find_project_root, mentions_protected
from agentsh.policy import decide, fail_closed_findings
from agentsh import payloads
from agentsh.payloads import ANALYZERS
from agentsh.unwrap import Inner, Note, Script, ScriptFile, unwrap

MAX_DEPTH = 8              # nested shells (bash -c 'bash -c …', eval, ssh …) followed before failing closed
DEADLINE_SECONDS = 1.5     # per command; a pathological input is blocked rather than waited for
MAX_PARSED_BYTES = 4 << 20  # shell text parsed per analysis, nested levels included
MAX_SCRIPT_BYTES = 1 << 20   # a script file larger than this is not read: at least confirm
MAX_COMMANDS = 20000       # resolved commands per analysis (all depths)
WRITE_OPS = frozenset({">", ">>", ">|", "&>", "&>>", ">&", "<>"})
SAFE_WRITE_TARGETS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/fd/1", "/dev/fd/2"})


# Commands that cannot create a file by themselves (their inner commands, if any, are analyzed on their own).
CREATES_NO_FILES = frozenset({"[", "[[", "test", "true", "false", ":", "shopt", "set", "export", "alias",
                              "unalias", "umask", "ulimit", "return", "command", "type", "hash", "bash", "sh",
                              "builtin", "unset", "local", "declare", "typeset", "readonly", "dircolors", "tput",
                              "stty", "id", "uname", "complete", "bind", "trap", "pwd", "cat", "echo", "printf",
                              "eval", "source", ".", "lesspipe"})


# Setting, exporting or removing agentsh's own variables (AGENTSH_*, __AGENTSH_*): a fact for rules/agentsh.toml.
_AGENTSH_OVERRIDE_SRC = (r"(?:^|[\s;&|(`'\"])(?:__)?AGENTSH_\w*\+?=|\bunset\s+(?:-v\s+)?(?:\w+\s+)*(?:__)?AGENTSH_"
                         r"|(?:^|\s)-u\s*(?:__)?AGENTSH_|--unset[= ](?:__)?AGENTSH_"
                         # a declaration builtin naming one in the same simple command, however its words are
                         # interleaved with redirections or quotes (`unset 2>/dev/null '__AGENTSH_GOVERNED'`)
                         r"|\b(?:unset|export|declare|typeset|readonly|local)\b(?:[<>]&|[^;&|\n])*AGENTSH_")


def _sets_agentsh_variable(text: str) -> bool:
    return "AGENTSH_" in text and re.search(_AGENTSH_OVERRIDE_SRC, text) is not None


# Commands that only read their arguments: naming agentsh's files with them is fine.
READS_ONLY = frozenset({"cat", "less", "more", "head", "tail", "grep", "egrep", "fgrep", "rg", "ag", "ls", "ll",
                        "stat", "file", "wc", "diff", "cmp", "jq", "yq", "md5sum", "sha1sum", "sha256sum", "sha512sum",
                        "realpath", "readlink", "dirname", "basename", "test", "[", "[[", "echo", "printf", "du",
                        "tree", "bat", "nl", "od", "xxd", "hexdump", "strings", "sort", "uniq", "cut", "column",
                        "cd", "pushd", "agentsh", "source", ".", "type", "which", "command", "builtin", "exec", "find",
                        "sudo", "env", "nohup", "time", "timeout", "nice", "bash", "sh", "zsh", "dash"})


COPIERS = frozenset({"cp", "rsync", "scp", "install", "ln", "mv"})
_VARIABLE_BUILTINS = frozenset({"unset", "export", "declare", "typeset", "local", "readonly", "printf", "read",
                                "mapfile", "readarray"})


class DeadlineExceeded(Exception):
    pass


class Analysis:
    """Collects every command and fact of one command line, following nested shells."""

    def __init__(self, context: Context, deadline: float):
        self.context = context
        self.deadline = deadline
        self.commands: list = []
        self.facts: list = []
        self.trace: list = []
        self._ticks = 0
        self.parsed_bytes = 0
        self.quiet_definitions = 0
        self.replaying = False     # running the stdin-mode prelude: commands that already ran
        self.sourced: dict = {}    # id(source command) -> the state after the sourced file ran
        self.written: dict = {}    # absolute path -> content (None: unknown) of files written earlier in the line

    # ---- the sink interface used by expand.Expander ------------------------------------------------------------
    def tick(self):
        self._ticks += 1
        if self._ticks & 63 == 0 and time.monotonic() > self.deadline:
            raise DeadlineExceeded()

    def run_text(self, text: str, state, path=(), via=(), depth=0, stdin=None, file_lines=False):
        if time.monotonic() > self.deadline:
            raise DeadlineExceeded()
        self.parsed_bytes += len(text)
        if self.parsed_bytes > MAX_PARSED_BYTES:
            self.fact("shell:too-complex", text[:80], "more than %d bytes of nested shell text" % MAX_PARSED_BYTES,
                      via=via)
            return
        if depth > MAX_DEPTH:
            self.fact("shell:depth-limit", text[:80], "nested shells deeper than %d levels" % MAX_DEPTH, via=via)
            return
        if "approvals.db" in text:
            self.fact("agentsh:state-db", "approvals.db", "names agentsh's approvals database", via=via)
        if _sets_agentsh_variable(text):
            self.fact("agentsh:env-override", "AGENTSH_*", "sets or removes an agentsh variable", via=via)
        result = parse(text)
        if result.errors:
            self.fact("shell:parse-error", result.errors[0], "bash syntax agentsh could not fully parse: %r"
                      % result.errors[0][:60], via=via)
        for reason in result.too_complex[:1]:
            self.fact("shell:too-complex", reason, "command too complex to analyze completely (%s)" % reason, via=via)
        expander = Expander(self, self.context.home, path, depth, via)
        if file_lines and via:
            expander.source_bytes = text.encode("utf-8", "surrogatepass")   # findings name file:line
        ok, fail = expander.run(result.root, state, stdin=stdin)
        for text in result.hidden:
            self.run_text(text, state.copy(), path + ("after heredoc",), via, depth)
        return merge(ok, fail)

    def command(self, cmd, state):
        if len(self.commands) >= MAX_COMMANDS:
            if not any(f.kind == "shell:too-complex" for f in self.facts):
                self.fact("shell:too-complex", "commands", "more than %d commands" % MAX_COMMANDS)
            return
        self.tick()
        if self.quiet_definitions and any(p.startswith("function ") for p in cmd.path):
            return
        if len(cmd.via) > 4 * MAX_DEPTH:
            self.fact("shell:too-complex", cmd.display()[:80], "more than %d wrappers around one command"
                      % (4 * MAX_DEPTH), via=cmd.via)
            return
        self.commands.append(cmd)
        self.note_written(cmd)
        self.protected_args(cmd)
        self.agentsh_itself(cmd)
        # (tree-sitter reads the `0` of `exec 0<file` as a word)
        if cmd.name == "exec" and [a.text for a in cmd.args] in ([], ["0"]) and any(
                op in ("<", "<&", "<>") and fd in (None, "", "0", 0) for op, fd, _t, _b in cmd.redirects):
            # a shell reading its script from stdin (`bash -s`, a pipe, agentsh's stdin mode) continues with the
            # file's commands, which agentsh never sees
            self.fact("shell:stdin-script", "exec <", "exec redirects the shell's input: what it reads next is "
                      "run unseen", via=cmd.via)
        for op, fd, target, _body in cmd.redirects:
            self.redirect((op, fd, target, _body), cmd.cwd, cmd.path, cmd.via, cmd)
        if cmd.argv0.dynamic:
            self.fact("shell:dynamic-command", cmd.argv0.text,
                      "the command name %r is only known at run time" % cmd.argv0.text, via=cmd.via)
            return
        if cmd.name in ANALYZERS:
            payloads.analyze(cmd, self)
        for step in unwrap(cmd):
            if isinstance(step, Inner):
                self.trace.append((cmd.display(), step.step, step.command.display()))
                self.command(step.command, state)
            elif isinstance(step, Script):
                self.trace.append((cmd.display(), step.step, step.text[:200]))
                if step.remote:
                    nested = initial_state({"HOME": self.context.home}, None)
                elif state is None:
                    nested = initial_state(self.context.environ, cmd.cwd)
                else:
                    nested = state.copy()
                    nested.cwd = cmd.cwd
                if step.positional is not None:
                    set_positional(nested, step.positional)
                # the nested command reads what the outer one reads (`cat dump.sql | docker exec -i db psql`),
                # unless the outer stdin is the script itself (`bash <<EOF`)
                stdin = step.stdin
                if stdin is None and cmd.stdin is not None and not (cmd.stdin.kind == "text"
                                                                    and cmd.stdin.text == step.text):
                    stdin = cmd.stdin
                    if stdin.kind == "file":
                        # the outer shell opens the file here, whatever host the inner command runs on
                        text, reason = self.read_file(cmd, stdin.text)
                        stdin = StdinSource("text", text, stdin.origin) if text is not None else \
                            StdinSource("unknown", None, "%s (%s)" % (stdin.origin, reason))
                self.run_text(step.text, nested, cmd.path + (step.step,), cmd.via + (step.step,), cmd.depth + 1,
                              stdin)
            elif isinstance(step, Note):
                self.trace.append((cmd.display(), step.kind, step.detail))
                self.fact("shell:" + step.kind, step.target, step.detail, via=cmd.via)
            elif isinstance(step, ScriptFile):
                path = step.path
                for alt in step.alternatives:
                    if self.read_file(cmd, path)[1] != "no such file":
                        break
                    path = alt
                label = "%s (%s)" % (step.step, path) if step.alternatives else step.step
                self.script_file(cmd, path, label, step.optional, state if cmd.name in ("source", ".") else None)
        if "/" in cmd.argv0.text and cmd.name not in ANALYZERS:
            from agentsh.payloads import scripts
            scripts.path_script(cmd, payloads.PayloadContext(self, cmd))

    def protected_args(self, cmd):
        """Any argument of a command that may write (`dd of=`, `curl -o`, `git checkout --`, `tar -C`, `cp -t`,
        `python -m sqlite3 FILE`) naming agentsh's own files or an agent's hook settings: a fact the self-protection
        rules judge (at least confirm). Commands that only read are left alone: reading them is fine."""
        if cmd.name in READS_ONLY or (cmd.name == "sed" and not any(a.text.startswith(("-i", "--in-place"))
                                                                     for a in cmd.args)):
            return
        args = cmd.args
        if cmd.name in COPIERS:
            # a copy reads its sources: only where it writes counts (the last operand, or -t/--target-directory)
            args = [a for i, a in enumerate(args) if i > 0 and args[i - 1].text in ("-t", "--target-directory")
                    or a.text.startswith(("--target-directory=", "-t/", "-t~", "-t."))]
            if cmd.args and not cmd.args[-1].text.startswith("-"):
                args.append(cmd.args[-1])
            args = [Arg(text=a.text[2:]) if a.text.startswith("-t") and len(a.text) > 2 and a.text[2] != "-"
                    else a for a in args]
        for a in args:
            if a.dynamic or not mentions_protected(a.text) and not (cmd.cwd and mentions_protected(cmd.cwd)):
                continue
            text = a.text
            kind = "agentsh:protected-write" if cmd.name in COPIERS else "agentsh:protected-arg"
            if text.startswith("-") or "=" in text:
                if cmd.name == "dd" and text.startswith("of="):
                    kind = "agentsh:protected-write"      # dd's output file
                text = text.split("=", 1)[1] if "=" in text else ""
                if not text:
                    continue
            self.facts.append(Fact(kind, text, "%s names %s" % (cmd.name, text),
                                   target_arg=Arg(text=text, glob=a.glob), cwd=cmd.cwd, via=cmd.via, origin=cmd))

    def agentsh_itself(self, cmd):
        """agentsh's own variables changed by a command (`unset '__AGENTSH_GOVERNED'`, `export -n`, `printf -v`,
        `read`, `env -u`, agentsh run under `env -i`), and agentsh run as a Python module (`python3 -m agentsh
        approve`): facts for rules/agentsh.toml."""
        name = cmd.name
        words = [a.text for a in cmd.args]
        if name in _VARIABLE_BUILTINS and any("AGENTSH_" in w for w in words):
            self.fact("agentsh:env-override", "AGENTSH_*", "%s changes an agentsh variable" % name, via=cmd.via)
        elif name == "env" and (any("AGENTSH_" in w for w in words) or
                                any(w in ("-i", "--ignore-environment", "-") for w in words) and
                                any(os.path.basename(w) == "agentsh" for w in words)):
            self.fact("agentsh:env-override", "AGENTSH_*", "env runs agentsh without its variables", via=cmd.via)
        if name.startswith("python") and "agentsh" in words:
            for i, w in enumerate(words[:-1]):
                if w == "-m" and words[i + 1] == "agentsh":
                    sub = words[i + 2] if i + 2 < len(words) else ""
                    self.fact("agentsh:module", sub, "python -m agentsh %s" % sub, via=cmd.via)
                    break

    def script_file(self, cmd, path, step, optional=False, caller_state=None):
        """Analyze a script file a command runs. A file written earlier in this same line is judged by what
        was written into it (`cat > x.sh <<EOF … EOF; bash x.sh`), since it does not exist yet. An optional
        file (a shell's start-up file) that does not exist is skipped, as the shell skips it."""
        text, reason = self.read_file(cmd, path)
        if text is None and reason == "no such file" and (optional or self.first_in_line(cmd)):
            return   # the shell skips a missing start-up file; a missing script fails before running anything
        if text is None:
            self.fact("shell:unreadable-script", path, "cannot vet script %s: %s" % (path, reason), via=cmd.via)
            return
        self.trace.append((cmd.display(), step, text[:200]))
        if caller_state is not None:
            # `source FILE` runs in the caller's shell: it sees the caller's variables, and what it sets (cd,
            # variables, functions) is the caller's state afterwards (read by the expander's `source` effect)
            nested = caller_state.copy()
            nested.cwd = cmd.cwd
            # An agent harness's snapshot holds every function of the user's shell; they run only when the command
            # calls them (judged at the call, with its arguments), so their definitions are not judged here.
            quiet = cmd.args and is_harness_snapshot(cmd.args[0])
            self.quiet_definitions += bool(quiet)
            try:
                after = self.run_text(text, nested, cmd.path + (step,), cmd.via + (step,), cmd.depth + 1,
                                      file_lines=True)
            finally:
                self.quiet_definitions -= bool(quiet)
            if after is not None:
                self.sourced[id(cmd)] = after
            return
        nested = initial_state(self.context.environ, cmd.cwd)
        self.run_text(text, nested, cmd.path + (step,), cmd.via + (step,), cmd.depth + 1, file_lines=True)

    def first_in_line(self, cmd) -> bool:
        """True when nothing analyzed so far could have created a file `cmd` is about to read: every earlier
        command is `cmd` itself, one of its wrappers (same source text), or a builtin that creates no files
        (`[ -f x ] && . x`), and no redirect wrote a file outside /dev."""
        return all(c.source == cmd.source or (c.name in CREATES_NO_FILES and not c.redirects
                                              and "pipeline" not in c.path)
                   for c in self.commands) and all(p.startswith("/dev/") for p in self.written)

    def read_file(self, cmd, path):
        """(text, None) or (None, reason), preferring content written earlier in this line."""
        if path == "~" or path.startswith("~/"):
            path = self.context.home + path[1:]
        full = join_path(cmd.cwd, path)
        if full is None:
            return None, "its location depends on a directory agentsh cannot resolve"
        if full in self.written:
            text = self.written[full]
            return (text, None) if text is not None else (None, "written earlier in this command with content "
                                                                "agentsh cannot see")
        if full.startswith(("/dev/fd/", "/proc/self/fd/")) or full == "/dev/stdin":
            return None, "it is read from a file descriptor"
        try:
            with open(full, "rb") as f:
                data = f.read(MAX_SCRIPT_BYTES + 1)
        except FileNotFoundError:
            return None, "no such file"
        except (OSError, ValueError, UnicodeError) as e:   # ValueError: a NUL in the path
            return None, getattr(e, "strerror", None) or str(e)
        if len(data) > MAX_SCRIPT_BYTES:
            return None, "larger than %d bytes" % MAX_SCRIPT_BYTES
        return data.decode("utf-8", "replace"), None

    def note_written(self, cmd):
        """Remember files this command writes, with their content when the text shows it."""
        for op, _fd, target, _body in cmd.redirects:
            if op not in (">", ">|", ">>", "&>") or target is None or target.dynamic:
                continue
            full = join_path(cmd.cwd, target.text)
            if full is None:
                continue
            content = None
            if cmd.name == "cat" and not cmd.args and cmd.stdin is not None and cmd.stdin.kind == "text":
                content = cmd.stdin.text
            elif cmd.name in ("echo", "printf"):
                content = printed_text(cmd.name, cmd.args)
            if op == ">>" and full in self.written:
                prev = self.written[full]
                content = None if prev is None or content is None else prev + content
            self.written[full] = content
        if cmd.name == "tee":
            for a in cmd.args:
                if not a.text.startswith("-") and not a.dynamic:
                    full = join_path(cmd.cwd, a.text)
                    if full is not None:
                        src = cmd.stdin
                        self.written[full] = src.text if src is not None and src.kind == "text" else None

    def nested(self, text, state, path, via, depth, stdin):
        self.run_text(text, state, path, via, depth + 1, stdin)

    def redirect(self, r, cwd, path, via, origin=None):
        op, fd, target, _body = r
        if op not in WRITE_OPS or target is None:
            return
        if op == ">&" and (target.text.isdigit() or target.text == "-"):
            return
        if not target.dynamic and target.text in SAFE_WRITE_TARGETS:
            return
        kind = "redirect:append" if op in (">>", "&>>") else "redirect:write"
        self.facts.append(Fact(kind, target.text,
                               "%s %s" % (op, target.text), target_arg=target, cwd=cwd, via=via, origin=origin))

    def function(self, name, body, path, via):
        if _calls_itself_in_background(name, body):
            self.fact("shell:fork-bomb", name, "function %r starts copies of itself in the background" % name,
                      via=via)

    def fact(self, kind, target, detail, via=()):
        self.facts.append(Fact(kind, target, detail, via=via))

    # ---- the interface payload analyzers use (through payloads.PayloadContext) ----------------------------------
    def payload_fact(self, cmd, kind, target, detail, payload):
        # target_arg lets fact rules use path classes on payload targets (a path a script deletes)
        arg = Arg(target, dynamic=target.startswith("<") or "$" in target)
        self.facts.append(Fact(kind, target, detail, via=cmd.via, cwd=cmd.cwd, payload=payload[:2000],
                               target_arg=arg, origin=cmd))

    def payload_shell(self, cmd, text, step):
        self.trace.append((cmd.display(), step, text[:200]))
        nested = initial_state(self.context.environ, cmd.cwd)
        self.run_text(text, nested, cmd.path + (step,), cmd.via + (step,), cmd.depth + 1)


def _calls_itself_in_background(name, body) -> bool:
    """`:(){ :|:& };:` and friends: a function whose body pipes or backgrounds a call to itself."""
    from agentsh.model import Block, CmdNode, Pipeline, Seq
    found = False

    def walk(node, in_pipe_or_bg):
        nonlocal found
        if found or node is None:
            return
        if isinstance(node, CmdNode):
            w = node.inv.words
            if in_pipe_or_bg and w and w[0].source == name:
                found = True
            return
        if isinstance(node, Pipeline):
            for s in node.stages:
                walk(s, True)
        elif isinstance(node, Block):
            walk(node.body, in_pipe_or_bg or node.kind == "background")
        elif isinstance(node, Seq):
            for s in node.items:
                walk(s, in_pipe_or_bg)
        elif hasattr(node, "left"):
            walk(node.left, in_pipe_or_bg)
            walk(node.right, in_pipe_or_bg)
    walk(body, False)
    return found


# ---- the public entry point ---------------------------------------------------------------------------------------
def _human_terminal() -> bool:
    """Is a terminal attached (stdin or stderr)? Agents run commands without one."""
    try:
        return os.isatty(0) or os.isatty(2)
    except OSError:
        return False


def make_context(environ=None, cwd=None, environment=None, with_agent=False) -> Context:
    """The context of this process. environment=None resolves it per command; a name forces it (`--env`).
    Raises ValueError for an unreadable user config (callers fail closed)."""
    from agentsh.context import detect_agent, load_settings
    env = dict(os.environ if environ is None else environ)
    if cwd is None:
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = env.get("PWD") or "/"
    home = env.get("HOME") or os.path.expanduser("~")
    root = find_project_root(cwd, home)
    # the agent (process ancestry) is not needed to decide: explain, context and the audit log ask for it
    return Context(cwd=cwd, home=home, environ=env, environment=environment, project_root=root,
                   settings=load_settings(env, root), agent=detect_agent(env, ancestry=with_agent),
                   tty=_human_terminal())


ISOLATE_ABOVE_BYTES = 8192   # larger inputs are analyzed in a child process under a hard deadline


def analyze(command: str, context: Context, compiled: dict | None = None, deadline_seconds=DEADLINE_SECONDS) -> Decision:
    """The decision for one command line. Never raises: errors and timeouts become `block`."""
    if len(command) + len(context.prelude or "") > ISOLATE_ABOVE_BYTES and hasattr(os, "fork"):
        return _analyze_isolated(command, context, compiled, deadline_seconds)
    return _analyze_guarded(command, context, compiled, deadline_seconds)


def _analyze_guarded(command, context, compiled, deadline_seconds) -> Decision:
    try:
        return _analyze(command, context, compiled, deadline_seconds)
    except DeadlineExceeded:
        return _failure(command, context, "analysis exceeded its %.1f s deadline" % deadline_seconds,
                        "agentsh.deadline")
    except RecursionError:
        return _failure(command, context, "command nested too deeply to analyze", "agentsh.too-deep")
    except Exception as e:  # fail closed on any internal error, and say so
        return _failure(command, context, "internal error: %s: %s" % (type(e).__name__, e), "agentsh.internal-error")


def _analyze_isolated(command, context, compiled, deadline_seconds) -> Decision:
    """tree-sitter's error recovery can go quadratic on hostile input (100,000 unmatched `)` take a minute), and
    a C parser cannot be interrupted from Python. So a large input is analyzed in a forked child; when the
    child misses the deadline it is killed and the command is blocked."""
    import pickle
    import select
    import signal
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:   # child: analyze, send the decision, exit without cleanup
        try:
            os.close(r)
            d = _analyze_guarded(command, context, compiled, deadline_seconds)
            d.commands, d.facts, d.trace = d.commands[:2000], d.facts[:2000], d.trace[:200]
            data = pickle.dumps(d)
            with os.fdopen(w, "wb") as f:
                f.write(data)
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    end = time.monotonic() + deadline_seconds + 0.25
    try:
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                return _failure(command, context, "analysis exceeded its %.1f s deadline" % deadline_seconds,
                                "agentsh.deadline")
            chunk = os.read(r, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    try:
        return pickle.loads(b"".join(chunks))
    except Exception:
        return _failure(command, context, "the analysis process failed", "agentsh.internal-error")


def _failure(command, context, message, rule_id) -> Decision:
    from agentsh.model import Finding
    f = Finding(rule_id, "catastrophic", "agentsh could not analyze this command: " + message,
                "agentsh fails closed: a command it cannot vet does not run",
                "simplify the command (split it into smaller steps) or report the problem", "")
    return Decision(command, "block", context.environment or "unknown", [f], error=message)


def _analyze(command, context, compiled, deadline_seconds) -> Decision:
    from agentsh import rules as rules_mod
    ruleset = rules_mod.load(context.environ) if compiled is None else rules_mod.as_ruleset(compiled)
    if "\x00" in command:
        command = command.replace("\x00", " ")
    analysis = Analysis(context, time.monotonic() + deadline_seconds)
    state = initial_state(context.environ, context.cwd)
    if context.prelude:
        # commands that already ran in this shell session (stdin mode): they set the cwd, variables, functions
        # and aliases the new command runs with, but their own findings were judged when they ran
        analysis.replaying = True
        after = analysis.run_text(context.prelude, state)
        analysis.replaying = False
        state = after if after is not None else state
        analysis.commands, analysis.facts, analysis.trace, analysis.written = [], [], [], {}
        analysis.parsed_bytes = 0
    analysis.run_text(command, state)

    def project_root_for(cwd):
        # The project is where the session runs; a `cd` elsewhere does not make that place the project.
        return context.project_root

    matcher = rules_mod.Matcher(ruleset, context.home, project_root_for, context.environ.get("TMPDIR"))
    where_it_lands = _Placement(context, analysis.commands)
    findings = []
    seen = set()

    def add(found, origin):
        for f in found:
            key = (f.rule, f.where)
            if key not in seen:
                seen.add(key)
                findings.append(where_it_lands.place(f, origin))

    for cmd in analysis.commands:
        analysis.tick()
        add(matcher.match_command(cmd), cmd)
    for fact in analysis.facts:
        add(matcher.match_fact(fact), fact.origin)
    for f in fail_closed_findings(findings, analysis.facts):
        findings.append(where_it_lands.place(f, None))
    findings.extend(where_it_lands.context_findings(findings))
    decision = decide(findings, analysis.facts)
    return Decision(command, decision, where_it_lands.line_environment(), findings, commands=analysis.commands,
                    facts=analysis.facts, trace=analysis.trace, contexts=where_it_lands.contexts(),
                    agent=context.agent, tty=context.tty)


class _Placement:
    """Puts each finding where its command lands: environment, credential mismatch, provenance."""

    def __init__(self, context, commands):
        from agentsh.context import CommandContext, Resolver
        self.commands = commands
        self.fixed = CommandContext(context.environment) if context.environment else None
        self.resolver = None if self.fixed else Resolver(context, commands)
        self._line = None
        self._by_origin = {}

    def of(self, cmd):
        if self.fixed is not None:
            return self.fixed
        if cmd is None:
            return self.line()
        return self.resolver.resolve(cmd)

    def line(self):
        """For findings about the line as a whole: the most severe context of its commands."""
        if self._line is None:
            from agentsh.context import RANK, CommandContext
            best = CommandContext("local")
            for cmd in self.commands[:200]:
                c = self.resolver.resolve(cmd)
                if RANK[c.environment] > RANK[best.environment] or (c.mismatch and not best.mismatch):
                    best = c
            self._line = best
        return self._line

    def place(self, finding, origin):
        from agentsh.model import SEVERITIES, SEVERITY_RANK
        c = self.of(origin)
        finding.environment = "mismatch" if c.mismatch else c.environment
        if c.raise_by and not finding.rule.startswith(("agentsh.", "context.")):
            finding.severity = SEVERITIES[min(SEVERITY_RANK[finding.severity] + c.raise_by, len(SEVERITIES) - 1)]
            finding.raised = True
        self._by_origin.setdefault(id(c), (c, []))[1].append(finding)
        return finding

    def context_findings(self, findings) -> list:
        """The mismatch and provenance findings, for commands that have findings of their own: a read-only
        command with a production token stays allowed."""
        from agentsh.model import SEVERITY_RANK, Finding
        out = []
        for c, found in self._by_origin.values():
            if not found:
                continue
            top = max(found, key=lambda f: SEVERITY_RANK[f.severity]).severity
            if c.mismatch:
                out.append(Finding("context.credential-mismatch", top, "Credential mismatch: " + c.mismatch,
                                   "A credential for one environment used from another is how a staging task "
                                   "deletes production (PocketOS, April 2026).",
                                   "Use the credential registered for this environment, or have a human run it.",
                                   "", (), "mismatch"))
            if c.raise_by:
                out.append(Finding("context.credential-provenance", "write", "; ".join(c.notes),
                                   "A token pasted into a command or dug out of a file is usually one the task was "
                                   "not given: findings of this command are raised one level.",
                                   "Use the credential through its registered variable (e.g. $RAILWAY_TOKEN).",
                                   "", (), "mismatch" if c.mismatch else c.environment))
        return out

    def line_environment(self) -> str:
        if self.fixed is not None:
            return self.fixed.environment
        return self.line().environment

    def contexts(self) -> list:
        if self.fixed is not None:
            return []
        return [(cmd.display(), self.resolver.resolve(cmd)) for cmd in self.commands[:200]]


__all__ = ["analyze", "make_context", "Analysis", "Arg", "join_path"]

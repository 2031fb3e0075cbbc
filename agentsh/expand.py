"""Stage 2: walk the syntax tree in execution order, resolving words with what the line itself establishes.

Bash semantics that matter for a guard, and only those:
- variables assigned earlier in the line (`x=rm; $x -rf ~`), with field splitting of unquoted expansions;
- the working directory (`cd build && rm -rf *`), including that a failed `cd` followed by `;` leaves the old
  cwd: every statement yields two states, "it succeeded" and "it failed", and `&&`, `||`, `;` pick or merge them;
- subshells, pipeline stages and substitutions run in a copy of the state, so their assignments do not leak;
- branches and loops merge: a variable that differs between paths becomes unknown (dynamic), never guessed;
- aliases and functions defined earlier in the line.

Every simple command reached (including those inside $(…), <(…), function bodies and heredoc expansions) is
handed to the unwrap stage through `sink.command(...)`. Nothing here decides anything.
"""
from __future__ import annotations

import os.path

from agentsh.model import (
    AndOr, Arg, Assign, Block, Case, CmdNode, Command, FuncDef, IfNode, Loop, Pipeline, Redirected, Seq,
    StdinSource, Word,
)

DYN = None  # a variable whose value is unknown
MAX_CALL_DEPTH = 4   # nested calls of functions defined in the line that are followed
MAX_LOOP_VALUES = 16  # a `for` loop over at most this many literal words is judged once per word
_ARGS_SEP = "\x1f"   # separates the words of "$@" inside a function body

FETCHERS = frozenset({"curl", "wget", "fetch", "http", "https", "xh", "aria2c", "nc", "ncat", "socat"})
DECODERS = {
    "base64": ("-d", "--decode", "-D"), "base32": ("-d", "--decode"), "xxd": ("-r", "-revert"),
    "openssl": ("-d", "enc", "base64"), "gunzip": (), "zcat": (), "bzcat": (), "xzcat": (), "uudecode": (),
    "rev": (), "tr": (), "gzip": ("-d", "--decompress"), "bzip2": ("-d",), "xz": ("-d",), "zstd": ("-d",),
}


class State:
    __slots__ = ("vars", "cwd", "aliases", "functions", "exported")

    def __init__(self, vars, cwd, aliases=None, functions=None, exported=None):
        self.vars = vars
        self.cwd = cwd
        self.aliases = aliases if aliases is not None else {}
        self.functions = functions if functions is not None else {}
        self.exported = exported if exported is not None else frozenset()   # exported earlier in the line

    def copy(self) -> "State":
        return State(dict(self.vars), self.cwd, dict(self.aliases), dict(self.functions), self.exported)

    def lookup(self, name: str):
        """Value of $name: the line's own assignments first, then the environment agentsh runs in."""
        if name in self.vars:
            return self.vars[name]
        if name == "PWD":
            return self.cwd
        return DYN


def merge(*states: State) -> State:
    """The state after one of several paths ran: what all paths agree on stays, the rest becomes unknown."""
    first = states[0]
    if all(s is first for s in states):
        return first
    out = first.copy()
    for s in states[1:]:
        if s is first:
            continue
        for k in set(out.vars) | set(s.vars):
            if out.vars.get(k, "\0unset") != s.vars.get(k, "\0unset"):
                out.vars[k] = DYN
        if out.cwd != s.cwd:
            out.cwd = None
        out.exported = out.exported | s.exported
        for k in set(out.aliases) | set(s.aliases):
            if out.aliases.get(k) != s.aliases.get(k):
                out.aliases[k] = out.aliases.get(k) or s.aliases.get(k)
        out.functions.update(s.functions)
    return out


_HARNESS_SNAPSHOT_DIRS = ("/.claude/shell-snapshots/", "/.codex/shell_snapshots/")


def is_harness_snapshot(arg: Arg) -> bool:
    """`source ~/.claude/shell-snapshots/snapshot-bash-….sh`: the file an agent harness sources first."""
    t = arg.text
    return not arg.dynamic and t.endswith(".sh") and any(d in t for d in _HARNESS_SNAPSHOT_DIRS) and ".." not in t


PROMPT_HOOKS = frozenset({"PROMPT_COMMAND", "PS0", "PS1", "PS2", "PS3", "PS4"})


def _prompt_substitutions(text: str) -> list:
    """The `$(…)` and backtick commands inside a prompt string (bash runs them at each prompt)."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("$(", i) and not text.startswith("$((", i):
            depth, j = 1, i + 2
            while j < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            out.append(text[i + 2:j - 1])
            i = j
        elif text[i] == "`":
            j = text.find("`", i + 1)
            if j < 0:
                break
            out.append(text[i + 1:j])
            i = j + 1
        else:
            i += 1
    return out


def set_positional(state: State, words, with_zero=True):
    """Make words the positional parameters: $0 (with_zero), $1, …, $#, "$@" (bash -c TEXT ARG0 ARG1…)."""
    words = list(words)
    for k in [k for k in state.vars if k.isdigit() and (k != "0" or with_zero)]:
        del state.vars[k]
    if with_zero:
        if words:
            state.vars["0"] = DYN if words[0].dynamic else words[0].text
            words = words[1:]
        else:
            state.vars["0"] = "bash"
    for i, a in enumerate(words[:9], 1):
        state.vars[str(i)] = DYN if a.dynamic else a.text
    state.vars["#"] = str(len(words))
    state.vars["@"] = state.vars["*"] = DYN if any(a.dynamic for a in words) else _ARGS_SEP.join(a.text for a in words)


def _positional_words(state: State):
    """The current positional parameters as Args, or None when any is unknown."""
    allv = state.vars.get("@", DYN)
    if "@" not in state.vars or allv is DYN:
        return None
    return [Arg(text=t) for t in allv.split(_ARGS_SEP)] if allv else []


def initial_state(environ: dict, cwd: str | None) -> State:
    vars = dict(environ)
    # `$$` is a process id, never 0 or -1 (`kill -TERM $$` is not `kill -1`); in `agentsh -c` it is exactly this
    # process's pid, since agentsh execs bash in place
    vars["$"] = str(os.getpid())
    return State(vars, cwd)


class Expander:
    """Walks a parsed line. `sink` receives each resolved command: sink.command(cmd) -> None."""

    quiet = False
    source_bytes = None   # the script file's text, when commands come from a file

    def __init__(self, sink, home: str, path=(), depth=0, via=()):
        self.sink = sink
        self.home = home
        self.path = path
        self.depth = depth
        self.via = via

    # ---- statements: each returns (state if it succeeded, state if it failed) ----------------------------------
    def run(self, node, state: State, path=None, stdin=None):
        path = self.path if path is None else path
        self.sink.tick()
        if node is None:
            return state, state
        t = type(node)
        if t is Seq:
            ok = fail = state
            for item in node.items:
                st = merge(ok, fail) if (ok is not fail) else ok
                ok, fail = self.run(item, st, path, stdin)
            return ok, fail
        if t is CmdNode:
            return self.command(node.inv, state, path, stdin)
        if t is AndOr:
            lok, lfail = self.run(node.left, state, path)
            if node.op == "&&":
                rok, rfail = self.run(node.right, lok, path + ("&&",))
                return rok, merge(lfail, rfail)
            rok, rfail = self.run(node.right, lfail, path + ("||",))
            return merge(lok, rok), rfail
        if t is Pipeline:
            producer = None
            for i, stage in enumerate(node.stages):
                self.run(stage, state.copy(), path + ("pipeline",), stdin=producer)
                producer = self.producer(stage, state)
            return state, state
        if t is Block:
            kind = node.kind
            if kind in ("subshell", "background", "$()", "<()"):
                self.run(node.body, state.copy(), path + (kind,))
                return state, state
            if kind == "not":
                ok, fail = self.run(node.body, state, path + ("!",))
                return fail, ok
            if kind == "error":
                ok, fail = self.run(node.body, state, path + ("parse-error",))
                return merge(ok, fail), merge(ok, fail)
            return self.run(node.body, state, path + (kind,))
        if t is Redirected:
            ok, fail = self.run(node.body, state, path)
            for r in node.redirects:
                self.sink.redirect(self.resolve_redirect(r, state), state.cwd, path, self.via)
            return ok, fail
        if t is IfNode:
            outcomes = []
            cur = state
            for cond, body in node.branches:
                if cond is None:
                    bok, bfail = self.run(body, cur, path + ("if",))
                    outcomes.append(merge(bok, bfail))
                    continue
                cok, cfail = self.run(cond, cur, path + ("if",))
                bok, bfail = self.run(body, cok, path + ("if",))
                outcomes.append(merge(bok, bfail))
                cur = cfail
            if not node.has_else:
                outcomes.append(cur)
            m = merge(*outcomes)
            return m, m
        if t is Case:
            if node.subject is not None:
                self.resolve_word(node.subject, state, path + ("case",))
            outcomes = [state]
            for item in node.items:
                ok, fail = self.run(item, state, path + ("case",))
                outcomes.append(merge(ok, fail))
            m = merge(*outcomes)
            return m, m
        if t is Loop:
            values = []
            for w in node.words:
                values.extend(self.resolve_word(w, state, path + (node.kind,)))
            literal = node.var and node.words and len(values) <= MAX_LOOP_VALUES and \
                not any(v.dynamic or v.glob for v in values)
            if literal:
                # `for d in dist build; do rm -rf "$d"; done`: judge the body once per value
                outcomes = [state]
                for v in values:
                    inner = state.copy()
                    inner.vars[node.var] = v.text
                    bok, bfail = self.run(node.body, inner, path + (node.kind,))
                    outcomes += [bok, bfail]
                m = merge(*outcomes)
                return m, m
            inner = state.copy()
            if node.var:
                inner.vars[node.var] = DYN
            cok, cfail = self.run(node.cond, inner, path + (node.kind,))
            bok, bfail = self.run(node.body, cok, path + (node.kind,))
            m = merge(state, bok, bfail, cfail)
            return m, m
        if t is FuncDef:
            body_state = state.copy()
            for k in list(body_state.vars):
                if k.isdigit() or k in ("@", "*", "#"):
                    body_state.vars[k] = DYN
            ok, fail = self.run(node.body, body_state, path + ("function " + node.name,))
            out = merge(state, merge(ok, fail))
            out = out if out is not state else state.copy()
            out.functions[node.name] = node.body
            self.sink.function(node.name, node.body, path, self.via)
            return out, out
        if t is Assign:
            return self.assign(node, state, path)
        return state, state

    def assign(self, node: Assign, state: State, path):
        out = state.copy()
        for name, word, _append in node.pairs:
            if name in PROMPT_HOOKS:
                # code bash runs at every prompt of an interactive shell: judged now, like a trap's action
                value = self.resolve_word(word, state, path, split=False)
                value = value[0] if value else Arg("")
                if value.dynamic and name == "PROMPT_COMMAND":
                    self.sink.fact("shell:dynamic-script", name, "%s is set to text built at run time" % name,
                                   via=self.via)
                    continue
                # a prompt string's own `$(…)` (written in the text) run at each prompt and are judged here; what
                # an assignment-time substitution produced is output, not code agentsh sees
                code = value.text if name == "PROMPT_COMMAND" else "\n".join(_prompt_substitutions(value.text))
                if code.strip():
                    self.sink.nested(code, state, path + (name,), self.via + (name,), self.depth, None)
        if node.kind != "plain" and any("AGENTSH_" in n for n in [p[0] for p in node.pairs] + list(node.names)):
            # `unset '__AGENTSH_GOVERNED'`, `export -n …`, `declare +x …`: agentsh's own variables (rules/agentsh.toml)
            self.sink.fact("agentsh:env-override", "AGENTSH_*", "%s changes an agentsh variable" % node.kind,
                           via=self.via)
        for name, word, append in node.pairs:
            args = self.resolve_word(word, state, path, split=False)
            value = args[0] if args else Arg("")
            if value.dynamic:
                out.vars[name] = DYN
            elif append:
                prev = out.lookup(name)
                out.vars[name] = DYN if prev is DYN else prev + value.text
            else:
                out.vars[name] = value.text
        if any(f.startswith("-") and set(f[1:]) & set("lunia") for f in node.flags):
            # -l/-u change case, -n makes a reference, -i evaluates arithmetic, -a/-A arrays: the value bash
            # stores is not the text written, so it becomes unknown
            for name in [n for n, _w, _a in node.pairs] + list(node.names):
                out.vars[name] = DYN
        if node.kind == "export" or (node.kind in ("declare", "typeset", "local") and "-x" in node.flags):
            # `export X=1; cmd` hands X to cmd just like `X=1 cmd`
            out.exported = out.exported | {name for name, _w, _a in node.pairs} | set(node.names)
        if node.kind == "unset":
            for n in node.names:
                out.vars.pop(n, None)
                out.vars[n] = ""
        elif node.kind in ("local", "declare", "typeset") and not node.pairs:
            for n in node.names:
                if n not in out.vars:
                    out.vars[n] = ""
        return out, out

    # ---- simple commands ------------------------------------------------------------------------------------
    def command(self, inv, state: State, path, stdin=None):
        assignments = {}
        for name in state.exported:
            v = state.vars.get(name, DYN)
            assignments[name] = v
        for name, word, _append in inv.assignments:
            args = self.resolve_word(word, state, path, split=False)
            a = args[0] if args else Arg("")
            assignments[name] = None if a.dynamic else a.text
        argv = []
        for w in inv.words:
            argv.extend(self.resolve_word(w, state, path))
        redirects = [self.resolve_redirect(r, state, path) for r in inv.redirects]
        if not argv:
            # `FOO=1` alone with redirects only, or a word that expanded to nothing
            if not inv.words:
                out = state.copy()
                out.vars.update({k: (v if v is not None else DYN) for k, v in assignments.items()})
                for r in redirects:
                    self.sink.redirect(r, state.cwd, path, self.via)
                return out, out
            argv = [Arg("", dynamic=True)]
        if stdin is None:
            stdin = self.stdin_from_redirects(redirects, inv)
        argv0 = argv[0]
        name = "" if argv0.dynamic else os.path.basename(argv0.text) if "/" in argv0.text else argv0.text
        # An alias defined earlier may replace the command word, but non-interactive bash expands aliases only
        # with `shopt -s expand_aliases` and only from the next line: judge both readings.
        if not argv0.dynamic and not argv0.quoted and name in state.aliases and "alias " + name not in self.via:
            text = state.aliases[name] + " " + " ".join(_quote(a.text) for a in argv[1:])
            self.sink.nested(text, state, path + ("alias " + name,), self.via + ("alias " + name,),
                             self.depth, stdin)
        via = self.via
        if self.source_bytes is not None and via:
            # a command read from a script file: say which line (`via bash deploy.sh:12`)
            via = via[:-1] + ("%s:%d" % (via[-1], self.source_bytes.count(b"\n", 0, inv.span[0]) + 1),)
        cmd = Command(name=name, args=argv[1:], argv0=argv0, assignments=assignments, cwd=state.cwd,
                      redirects=redirects, stdin=stdin, via=via, path=path, depth=self.depth,
                      source=inv.source)
        self.sink.command(cmd, state)
        body = state.functions.get(name) if not argv0.dynamic else None
        if body is not None and path.count("call") < MAX_CALL_DEPTH:
            # a function call runs its body here: with these arguments as $1…, this cwd and these variables
            call = state.copy()
            set_positional(call, argv[1:], with_zero=False)
            ok, fail = self.run(body, call, path + ("call", "call " + name), stdin)
            return ok, fail
        return self.effects(cmd, state)

    def effects(self, cmd: Command, state: State):
        """State changes a command makes in the current shell: cd, alias, export/read of variables."""
        name = cmd.name
        if name in ("cd", "pushd"):
            target = next((a for a in cmd.args if not a.text.startswith("-") or a.text == "-"), None)
            ok = state.copy()
            cdpath = state.lookup("CDPATH") if "CDPATH" in state.vars else ""
            if "CDPATH" in cmd.assignments:
                cdpath = cmd.assignments["CDPATH"]
            if target is None:
                home = state.lookup("HOME")
                ok.cwd = home if home else None
            elif target.dynamic or target.text == "-" or target.glob:
                ok.cwd = None
            elif cdpath != "" and not target.text.startswith(("/", "./", "../")) and target.text not in (".", ".."):
                ok.cwd = None   # CDPATH may send a relative cd anywhere
            else:
                ok.cwd = join_path(state.cwd, target.text)
            if getattr(self.sink, "replaying", False) and ok.cwd and os.path.isdir(ok.cwd):
                return ok, ok   # a command that already ran (stdin-mode prelude): cd into an existing dir worked
            return ok, state
        if name == "shift":
            ok = state.copy()
            words = _positional_words(state)
            n = cmd.args[0].text if cmd.args else "1"
            if words is None or not n.isdigit() or (cmd.args and cmd.args[0].dynamic):
                for k in [k for k in ok.vars if k.isdigit() and k != "0"] + ["@", "*", "#"]:
                    ok.vars[k] = DYN
            elif int(n) <= len(words):
                set_positional(ok, words[int(n):], with_zero=False)
                return ok, ok      # shift fails only when n > $#, which is known here
            else:
                return state, state
            return ok, state
        if name == "popd":
            ok = state.copy()
            ok.cwd = None
            return ok, state
        if name == "alias":
            ok = state.copy()
            for a in cmd.args:
                if "=" in a.text and not a.dynamic:
                    k, v = a.text.split("=", 1)
                    ok.aliases[k] = v
            return ok, ok
        if name in ("read", "mapfile", "readarray", "getopts", "printf") and cmd.args:
            ok = state.copy()
            names = [a.text for a in cmd.args if not a.text.startswith("-") and a.text.isidentifier()]
            if name == "printf":
                names = [cmd.args[i + 1].text for i, a in enumerate(cmd.args[:-1]) if a.text == "-v"]
            for n in names:
                ok.vars[n] = DYN
            return ok, ok
        if name in ("source", ".") and cmd.args and is_harness_snapshot(cmd.args[0]):
            # An agent harness's environment snapshot (Claude Code, Codex): vetted as a script like any other
            # sourced file, and taken to define functions, aliases and PATH only (no cd, no positional change).
            after = getattr(self.sink, "sourced", {}).get(id(cmd))
            ok = state.copy()
            ok.vars["PATH"] = DYN
            if after is not None:       # its aliases and functions are the caller's from now on
                ok.aliases.update(after.aliases)
                ok.functions.update(after.functions)
                return ok, ok           # it was read: sourcing it does not fail to apply them
            return ok, state
        after = getattr(self.sink, "sourced", {}).get(id(cmd)) if name in ("source", ".") else None
        if after is not None:
            # the file was read and analyzed: its effects apply whatever status its last command returns
            return after.copy(), after.copy()
        if name in ("source", "."):
            ok = state.copy()
            ok.vars = {k: DYN for k in ok.vars}
            ok.cwd = None
            return ok, ok
        return state, state

    def stdin_from_redirects(self, redirects, inv):
        for op, _fd, arg, body in redirects:
            if op == "<<<":
                if arg is None or arg.dynamic:
                    return StdinSource("unknown", None, "here-string")
                return StdinSource("text", arg.text + "\n", "here-string")
            if op.startswith("<<"):
                if body is None:
                    return StdinSource("unknown", None, "heredoc")
                if body.dynamic:
                    return StdinSource("text", body.text, "heredoc (with expansions)")
                return StdinSource("text", body.text, "heredoc")
            if op == "<" and arg is not None:
                if arg.dynamic:
                    return StdinSource("unknown", None, "< " + arg.text)
                return StdinSource("file", arg.text, "< " + arg.text)
        return None

    def producer(self, node, state: State) -> StdinSource:
        """What a pipeline stage writes to its stdout, as far as the text tells."""
        if isinstance(node, Pipeline) and node.stages:
            return self.producer(node.stages[-1], state)
        if isinstance(node, Redirected):
            return self.producer(node.body, state)
        if not isinstance(node, CmdNode):
            return StdinSource("unknown", None, "compound command")
        inv = node.inv
        sink = _NullSink()
        quiet = Expander(sink, self.home, self.path, self.depth, self.via)
        quiet.quiet = True   # the real pass already ran this stage's substitutions
        argv = []
        for w in inv.words:
            argv.extend(quiet.resolve_word(w, state, ()))
        if not argv or argv[0].dynamic:
            return StdinSource("unknown", None, inv.source)
        name = os.path.basename(argv[0].text)
        args = argv[1:]
        wrappers = {"sudo", "env", "command", "nohup", "time", "timeout", "nice", "stdbuf"}
        while name in wrappers and args:
            # skip simple wrapper prefixes to find the real producer (`sudo curl … | sh`)
            rest = [a for a in args if not a.text.startswith("-") and "=" not in a.text]
            if not rest:
                break
            idx = args.index(rest[0])
            if name == "timeout" and len(rest) > 1:
                idx = args.index(rest[1])
            name, args = os.path.basename(args[idx].text), args[idx + 1:]
        if name in FETCHERS:
            return StdinSource("fetched", None, inv.source)
        if name in DECODERS:
            needs = DECODERS[name]
            if not needs or any(a.text in needs or (a.text.startswith("-") and not a.text.startswith("--")
                                                    and "d" in a.text) for a in args):
                return StdinSource("decoded", None, inv.source)
        if name in ("echo", "printf"):
            text = printed_text(name, args)
            if text is None:
                return StdinSource("unknown", None, inv.source)
            return StdinSource("text", text, inv.source)
        if name == "cat":
            files = [a for a in args if not a.text.startswith("-")]
            redir = quiet.stdin_from_redirects([quiet.resolve_redirect(r, state, ()) for r in inv.redirects], inv)
            if not files and redir is not None:
                return redir
            if len(files) == 1 and not files[0].dynamic:
                return StdinSource("file", files[0].text, inv.source)
        return StdinSource("unknown", None, inv.source)

    # ---- words ----------------------------------------------------------------------------------------------
    def resolve_redirect(self, r, state: State, path=()):
        arg = None
        if r.target is not None:
            args = self.resolve_word(r.target, state, path, split=False)
            arg = args[0] if args else Arg("", dynamic=True)
            if not arg.dynamic:
                arg = Arg(expand_tilde(arg.text, self.home), arg.dynamic, arg.glob, arg.quoted)
        body = None
        if r.body_word is not None and r.op != "<<<":
            got = self.resolve_word(r.body_word, state, path, split=False)
            body = got[0] if got else Arg("")
        elif r.body is not None:
            body = Arg(r.body)
        return (r.op, r.fd, arg, body)

    def resolve_word(self, word: Word, state: State, path, split=True) -> list:
        """Expand one word into zero or more arguments, like bash would, or mark it dynamic."""
        fields: list = [[[], False, False, False]]   # [text pieces, dynamic, glob, quoted]
        expanded_var = False
        for i, p in enumerate(word.parts):
            k = p.kind
            cur = fields[-1]
            if p.quoted:
                cur[3] = True
            if k == "lit":
                v = p.value
                if i == 0 and not p.quoted and (v == "~" or v.startswith("~/")):
                    home = state.lookup("HOME")
                    if home is DYN:
                        cur[1] = True
                        home = "~"
                    v = home + v[1:]
                cur[0].append(v)
                if p.glob:
                    cur[2] = True
            elif k == "var":
                value = state.lookup(p.value)
                if value is DYN and p.default is not None:
                    value = p.default
                elif value == "" and p.default is not None:
                    value = p.default
                if value is DYN:
                    cur[0].append("$" + p.value if p.value.isidentifier() or p.value.isdigit()
                                  else "${" + p.value + "}")
                    cur[1] = True
                    continue
                expanded_var = True
                if p.value in ("@", "*") and _ARGS_SEP in value or p.value in ("@", "*") and value and \
                        len(word.parts) == 1:
                    # "$@" in a function body: one word per argument (bash keeps them apart)
                    words_ = value.split(_ARGS_SEP)
                    if p.value == "*" and p.quoted:
                        words_ = [" ".join(words_)]
                    cur[0].append(words_[0])
                    for w_ in words_[1:]:
                        fields.append([[w_], False, False, True])
                    continue
                ifs = state.vars.get("IFS", " \t\n")
                if p.quoted or not split:
                    cur[0].append(value)
                elif ifs is DYN or (ifs != " \t\n" and any(ch in value for ch in ifs)):
                    # IFS changed in the line: bash splits this value on other characters; do not guess
                    cur[0].append(value)
                    cur[1] = True
                else:
                    # unquoted expansion: bash splits it on whitespace and globs the pieces
                    pieces = value.split()
                    if not pieces:
                        continue
                    if value[:1].isspace() and cur[0]:
                        fields.append([[], False, False, False])
                    for j, piece in enumerate(pieces):
                        if j > 0:
                            fields.append([[], False, False, False])
                        fields[-1][0].append(piece)
                        if any(ch in piece for ch in "*?["):
                            fields[-1][2] = True
                    if value[-1:].isspace():
                        fields.append([[], False, False, False])
            else:  # sub, procsub, dyn
                if p.body is not None and not self.quiet:
                    label = {"sub": "$()", "procsub": "<()"}.get(k, "$(())")
                    sub = Expander(self.sink, self.home, path + (label,), self.depth, self.via)
                    sub.run(p.body, state.copy(), path + (label,))
                cur[0].append(p.value)
                cur[1] = True
        out = []
        for pieces, dynamic, glob, quoted in fields:
            if not pieces and not quoted and not dynamic:
                continue
            text = "".join(pieces)
            if split and not quoted and not dynamic and "{" in text and ("," in text or ".." in text):
                expanded = expand_braces(text)
                if expanded is None:
                    out.append(Arg(text, True, glob, quoted, expanded_var))
                    continue
                if len(expanded) > 1:
                    home = state.lookup("HOME")
                    for t in expanded:   # brace expansion comes before tilde expansion in bash
                        if (t == "~" or t.startswith("~/")) and home is not DYN:
                            t = home + t[1:]
                        out.append(Arg(t, False, glob or _has_glob(t), False))
                    continue
            out.append(Arg(text, dynamic, glob, quoted, expanded_var))
        if not out and not split:
            out.append(Arg("", expanded=expanded_var))
        return out


class _NullSink:
    def tick(self):
        pass

    def command(self, *a):
        pass

    def redirect(self, *a):
        pass

    def nested(self, *a):
        pass

    def function(self, *a):
        pass



MAX_BRACE_WORDS = 256


def brace_count(text: str) -> int:
    """A quick lower bound of how many words `text` expands to: the product of its comma alternatives."""
    total, depth, alts = 1, 0, 1
    for c in text:
        if c == "{":
            depth += 1
            if depth == 1:
                alts = 1
        elif c == "}" and depth:
            depth -= 1
            if depth == 0:
                total *= alts
                if total > MAX_BRACE_WORDS:
                    return total
        elif c == "," and depth == 1:
            alts += 1
    return total


def expand_braces(text: str) -> list:
    """Bash brace expansion of an unquoted word: `/{etc,usr}` -> /etc /usr, `{1..3}` -> 1 2 3.

    Bounded: a word that would expand to more than MAX_BRACE_WORDS words is returned as None (the caller
    marks it dynamic: agentsh will not guess which of them matter).
    """
    if brace_count(text) > MAX_BRACE_WORDS:
        return None
    start = text.find("{")
    while start >= 0:
        depth, i = 0, start
        parts, last = [], start + 1
        while i < len(text):
            c = text[i]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            elif c == "," and depth == 1:
                parts.append(text[last:i])
                last = i + 1
            i += 1
        if i >= len(text):
            return [text]
        inner = text[start + 1:i]
        prefix, suffix = text[:start], text[i + 1:]
        if parts:
            parts.append(text[last:i])
            alts = parts
        elif ".." in inner:
            lo, _, hi = inner.partition("..")
            hi = hi.split("..")[0]
            if lo.lstrip("-").isdigit() and hi.lstrip("-").isdigit() and abs(int(hi) - int(lo)) < MAX_BRACE_WORDS:
                step = 1 if int(hi) >= int(lo) else -1
                alts = [str(n) for n in range(int(lo), int(hi) + step, step)]
            elif len(lo) == 1 and len(hi) == 1:
                step = 1 if hi >= lo else -1
                alts = [chr(n) for n in range(ord(lo), ord(hi) + step, step)]
            else:
                start = text.find("{", start + 1)
                continue
        else:
            start = text.find("{", start + 1)
            continue
        out = []
        tails = expand_braces(suffix)
        if tails is None:
            return None
        for alt in alts:
            for tail in tails:
                out.append(prefix + alt + tail)
                if len(out) > MAX_BRACE_WORDS:
                    return None
        return out
    return [text]


from agentsh.parse import _has_glob  # noqa: E402  (one definition of "unquoted glob characters")


def expand_tilde(text: str, home: str) -> str:
    if text == "~" or text.startswith("~/"):
        return home + text[1:]
    return text


def join_path(cwd: str | None, path: str) -> str | None:
    """Absolute, normalised form of `path` seen from `cwd`; None when it depends on an unknown cwd."""
    if path.startswith("/"):
        return os.path.normpath(path) if path != "//" else "/"
    if cwd is None:
        return None
    return os.path.normpath(os.path.join(cwd, path))


def _quote(s: str) -> str:
    if s and all(c.isalnum() or c in "-_./=:@%+," for c in s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"


def printed_text(name: str, args) -> str | None:
    """What `echo …` or `printf FORMAT ARGS…` writes, or None when it depends on something unknown.
    Covers echo's -n/-e/-E and printf's %s %b %d %i %u %c %% conversions and backslash escapes."""
    from agentsh.parse import decode_ansi_c
    if any(a.dynamic for a in args):
        return None
    words = [a.text for a in args]
    if name == "echo":
        newline, escapes = True, False
        while words and len(words[0]) > 1 and words[0][0] == "-" and set(words[0][1:]) <= set("neE"):
            flags = words.pop(0)[1:]
            newline = newline and "n" not in flags
            escapes = ("e" in flags) or (escapes and "E" not in flags)
        text = " ".join(words)
        if escapes:
            text = decode_ansi_c(_octal_escapes(text))
        return text + ("\n" if newline else "")
    if words and words[0] == "--":
        words = words[1:]
    if not words:
        return ""
    if words[0] == "-v":
        return None
    fmt, values = decode_ansi_c(words[0]), words[1:]
    out = []
    while True:
        i, used = 0, 0
        while i < len(fmt):
            c = fmt[i]
            if c != "%":
                out.append(c)
                i += 1
                continue
            j = i + 1
            while j < len(fmt) and fmt[j] in "-+ #0123456789.":
                j += 1
            if j >= len(fmt):
                return None
            conv = fmt[j]
            if conv == "%":
                out.append("%")
            elif conv in "sbdiuc":
                v = values[used] if used < len(values) else ""
                used += 1
                if conv == "b":
                    v = decode_ansi_c(_octal_escapes(v))
                elif conv == "c":
                    v = v[:1]
                elif conv in "diu":
                    if v and not v.lstrip("-+").isdigit():
                        return None
                    v = str(int(v)) if v else "0"
                out.append(v)
            else:
                return None   # a conversion agentsh does not reproduce
            i = j + 1
        if used == 0 or used >= len(values):
            break
        values = values[used:]   # printf reuses the format for the remaining arguments
        if len(out) > 1 << 20:
            return None
    return "".join(out)


def _octal_escapes(text: str) -> str:
    """echo -e and %b write octal escapes as \\0NNN; the $'…' decoder reads \\NNN."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("\\0", i):
            j = i + 2
            while j < len(text) and j < i + 5 and text[j] in "01234567":
                j += 1
            out.append("\\" + (text[i + 2:j] or "0").zfill(3))
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)

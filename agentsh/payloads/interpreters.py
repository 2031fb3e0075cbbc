"""Payload analyzer: code run by an interpreter (python, node, deno, bun, ruby, perl, php).

An agent that is refused `rm -rf ~` may write `python3 -c "import shutil; shutil.rmtree(...)"` instead, or pipe a
heredoc into `python3 -`, or write `cleanup.py` and run it. This module reads that code and reports what it does
as facts (`code:delete-tree`, `code:delete-file`, `code:dynamic-exec`, `code:unparsed`, `code:inplace-edit`), and
hands the commands, SQL and HTTP requests it finds to the shell, SQL and HTTP analyzers (`ctx.shell`, `ctx.sql`,
`ctx.http`), so `os.system("rm -rf ~")` is judged exactly like `rm -rf ~`.

Where the code comes from: `-c`/`-e`/`-r` arguments, a script file (read with ctx.read_file), or stdin (a heredoc,
a here-string, `echo … | python3`, `< file`). Stdin that was downloaded or decoded is reported like `curl | sh`;
stdin or an argument agentsh cannot see is `unseen`; a missing script is `unreadable`. All of them confirm.

Python is parsed with the standard library `ast` (never executed). Imports are followed (`import shutil as s`,
`from os import system`), and a name bound exactly once in the module to a literal is a constant
(`p = "/"; shutil.rmtree(p)`); `os.path.expanduser`, `os.path.join`, `Path(…) / "x"`, `Path.home()`,
`os.environ["HOME"]`, f-strings and `+` of known parts are evaluated. Anything else is dynamic. Code that does not
parse is `code:unparsed` (high): fail closed.

The other languages get a small tokenizer (`_Lexer`) that knows each language's strings, comments and regex
literals, and a scanner over its tokens that recognises calls by name (`fs.rmSync(…)`, `FileUtils.rm_rf …`,
`system(…)`, backticks, `qx{}`, `%x()`, `shell_exec(…)`, …) and reads literal arguments: strings, concatenations of
strings, arrays of strings, `{key: value}` options, and a few spellings of the home directory.

Limits (each one errs toward a confirmation, not toward silence, except where noted):
- Constant tracking is per module and flow-insensitive; values that flow through functions, loops, containers or
  other modules are dynamic (a deletion of a dynamic path is high; a command built at run time is high).
- Python modules the code imports from the project are not followed; `python -m MODULE` is not read (except
  `venv --clear`, `timeit` and the profilers/debuggers that run a script).
- The non-Python scanners see calls only under the names listed in this module. A call through an alias
  (`const run = cp.execSync; run(…)`), `getattr`-style reflection, or a language feature the tokenizer misreads
  (Perl formats, Ruby heredocs, nested JS template literals) can hide a call: this is the one place where the
  scanner fails open, and why a dynamic `eval`/`exec` is reported as `code:dynamic-exec`.
- `~` written literally as a path (`shutil.rmtree("~")`) is treated as the home directory although Python, Node,
  Ruby and Perl would not expand it: an agent writing it means the home directory.
- Deletions below obvious build and cache directories in the working directory (`build`, `dist`, `node_modules`,
  `__pycache__`, …) and below the temp directory (`tempfile.mkdtemp()`, `TemporaryDirectory()`) are not reported.
- A command started in another directory (`subprocess.run(…, cwd="/")`, `execSync(…, {cwd})`, Ruby `chdir:`) is
  analyzed as `cd DIR && COMMAND`; an unknown directory makes its relative paths unknown.
- A tokenizer error (unterminated string, …) in code that names nothing able to delete or run anything is let
  through (the interpreter would refuse it too); otherwise it is `code:unparsed`.
- Facts and delegated commands are reported once per command line, however often the code repeats them.
"""
from __future__ import annotations

import os
import re

MAX_CODE_BYTES = 1 << 20
MAX_NESTING = 4            # eval("…") inside eval("…") … followed before failing closed
DYN = "<dynamic>"
SQL_DYN = "__agentsh_dynamic__"   # stands for an unknown value inside an SQL template (an identifier to sqlglot)

BUILD_DIRS = frozenset({
    "build", "dist", "out", "target", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache",
    ".ruff_cache", ".tox", ".nox", ".cache", ".parcel-cache", ".next", ".nuxt", ".turbo", ".svelte-kit",
    "coverage", "htmlcov", ".coverage", ".eggs", ".gradle", ".angular", ".vite", ".webpack",
})
VENV_NAMES = frozenset({".venv", "venv", "env", ".env", "virtualenv"})
JS_EXTS = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")

_SQL_START = re.compile(
    r"^\s*(?:(?:--[^\n]*(?:\n|$)|/\*.*?\*/)\s*)*\(?\s*(?:select|insert|update|delete|drop|truncate|alter|create|with|"
    r"replace|merge|grant|revoke|pragma|vacuum|begin|commit|rollback|show|describe|explain|attach|detach|rename|"
    r"copy|upsert|comment|analyze|reindex|cluster|refresh|savepoint|release|lock|set|use|call)\b", re.I | re.S)


def looks_like_sql(text: str) -> bool:
    return bool(text) and bool(_SQL_START.match(text))


# ---- shared helpers ---------------------------------------------------------------------------------------------
def _home(ctx) -> str:
    """The home directory of the command being analyzed (the analysis context's, not this process's)."""
    context = getattr(getattr(ctx, "_analysis", None), "context", None)
    home = getattr(context, "home", None)
    return home or os.path.expanduser("~")


def _expand_home(ctx, text: str) -> str:
    if text == "~" or text.startswith("~/"):
        return _home(ctx).rstrip("/") + text[1:] if text != "~" else _home(ctx)
    return text


def _norm_target(ctx, text) -> str:
    """An absolute, normalised path when it can be known; DYN when the value is unknown."""
    if text is None or text == "" or DYN in text:
        return DYN
    text = _expand_home(ctx, text)
    if text.startswith("/"):
        p = os.path.normpath(text)
        return "/" + p.lstrip("/") if p.startswith("//") else p
    cwd = ctx.cmd.cwd
    if cwd:
        return os.path.normpath(os.path.join(cwd, text))
    return os.path.normpath(text)


def _is_scratch(ctx, path: str, extra=frozenset()) -> bool:
    """Below a temp dir, or below an obvious build/cache directory of the working directory: not worth a fact."""
    if path == DYN:
        return False
    environ = getattr(getattr(getattr(ctx, "_analysis", None), "context", None), "environ", None) or {}
    for tmp in ("/tmp", "/var/tmp", environ.get("TMPDIR") or "/tmp"):
        tmp = tmp.rstrip("/")
        if tmp and path.startswith(tmp + "/"):
            return True
    cwd = (ctx.cmd.cwd or "").rstrip("/")
    if path.startswith("/"):
        if not cwd or not path.startswith(cwd + "/"):
            return False
        rel = path[len(cwd) + 1:]
    else:
        rel = path
    parts = rel.split("/")
    if ".." in parts or any(c in rel for c in "*?["):
        return False
    names = BUILD_DIRS | extra
    return any(p in names or p.endswith(".egg-info") for p in parts)


def _delete(ctx, kind, raw, origin, what, payload="", extra_scratch=frozenset()):
    target = _norm_target(ctx, raw)
    from agentsh.paths import is_agentsh_path
    if _is_scratch(ctx, target, extra_scratch) and not (target != DYN and is_agentsh_path(target, ctx.home)):
        return      # scratch space, unless it is where agentsh's own files live (HOME under /tmp in containers)
    noun = "directory tree" if kind == "code:delete-tree" else "file"
    shown = target if target != DYN else "a path known only at run time"
    ctx.fact(kind, target, "%s: %s deletes the %s %s" % (origin, what, noun, shown), payload)


def _dynamic_exec(ctx, origin, what, expr, payload=""):
    ctx.fact("code:dynamic-exec", (expr or DYN)[:120],
             "%s: %s runs a command or code built at run time (%s)" % (origin, what, (expr or "?")[:80]), payload)


def _unparsed(ctx, origin, reason, payload=""):
    ctx.fact("code:unparsed", origin, "%s: code agentsh cannot analyze (%s)" % (origin, reason), payload)


def _cwd_prefix(given: bool, value) -> str:
    """Shell text that moves to the directory a command is started in (`subprocess.run(…, cwd=…)`,
    `execSync(…, {cwd: …})`), so relative paths in it resolve there. An unknown directory is an unset variable:
    the shell analysis then treats relative paths as unknown."""
    if not given:
        return ""
    if value is None or DYN in value:
        return 'cd "$AGENTSH_UNKNOWN_CWD" && '
    return "cd %s && " % _shell_join([value])


def _ticker(ctx):
    """The pipeline's deadline check (it raises DeadlineExceeded once the command's time is up), or a no-op."""
    return getattr(getattr(ctx, "_analysis", None), "tick", None) or (lambda: None)


def _shell_join(argv) -> str:
    import shlex
    return " ".join(shlex.quote(a) for a in argv)


class _Ctx:
    """The PayloadContext as this module sees it. An error raised inside the shell, SQL or HTTP analyzer is that
    analyzer's and propagates to the pipeline (which blocks and says so); only this module's own failures are
    turned into facts by _guarded."""

    def __init__(self, ctx):
        self._ctx = ctx
        self._seen = set()

    def __getattr__(self, name):
        return getattr(self._ctx, name)

    def fact(self, kind, target="", detail="", payload=""):
        # a script that deletes in a loop reports the same fact once
        if (kind, target, detail) not in self._seen:
            self._seen.add((kind, target, detail))
            self._ctx.fact(kind, target, detail, payload)

    def _delegate(self, method, *args):
        key = (method,) + tuple(a if isinstance(a, (str, type(None))) else repr(a) for a in args)
        if key in self._seen:
            return None
        self._seen.add(key)
        try:
            return getattr(self._ctx, method)(*args)
        except Exception as e:
            e._agentsh_delegated = True
            raise

    def shell(self, text, step):
        return self._delegate("shell", text, step)

    def sql(self, text, origin):
        return self._delegate("sql", text, origin)

    def http(self, method, url, body, headers=(), origin=""):
        return self._delegate("http", method, url, body, headers, origin)


def _guarded(fn):
    """Analyzers never raise: a failure of this module is reported as unparsed code (high), not as an allow."""
    def run(cmd, ctx):
        try:
            fn(cmd, _Ctx(ctx))
        except Exception as e:  # noqa: BLE001 - fail closed, but let the pipeline's deadline through
            if type(e).__name__ == "DeadlineExceeded" or getattr(e, "_agentsh_delegated", False):
                raise
            reason = "nested too deeply" if isinstance(e, RecursionError) else "internal error %s: %s" % (
                type(e).__name__, e)
            _unparsed(ctx, cmd.name, reason)
    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def _code_arg(ctx, arg, label, analyze):
    """A code argument (`-c CODE`, `-e CODE`): analyze it, or say it cannot be seen."""
    if arg is None:
        return
    if arg.dynamic:
        ctx.unseen(arg.text[:80], "%s runs code built at run time" % label)
        return
    if len(arg.text) > MAX_CODE_BYTES:
        ctx.unreadable(label, "the code is larger than %d bytes" % MAX_CODE_BYTES)
        return
    analyze(ctx, arg.text, label)


def _code_file(ctx, arg, label, analyze):
    """A script file the interpreter runs."""
    if arg.dynamic:
        if arg.text.startswith(("<(", "/dev/fd/")):
            ctx.fact("shell:procsub-exec", arg.text[:80], "%s runs the output of a process substitution" % label)
        else:
            ctx.unseen(arg.text[:80], "%s runs a script whose path is built at run time" % label)
        return
    text, reason = ctx.read_file(arg.text)
    if text is None:
        if reason == "no such file" and ctx.first_in_line():
            return   # the interpreter stops at "can't open file": nothing runs
        ctx.unreadable(arg.text, "cannot vet %s script %s: %s" % (label, arg.text, reason))
        return
    analyze(ctx, text, "%s %s" % (label, arg.text))


def _code_stdin(cmd, ctx, label, analyze):
    """The interpreter reads its program from stdin (no script argument, or `-`)."""
    src = cmd.stdin
    if src is None:
        ctx.fact("shell:interactive-shell", label, "an interactive %s session is not vetted line by line" % label)
        return
    if src.kind == "text":
        text = src.text or ""
        if len(text) > MAX_CODE_BYTES:
            ctx.unreadable(label, "the code on stdin is larger than %d bytes" % MAX_CODE_BYTES)
            return
        analyze(ctx, text, "%s stdin (%s)" % (label, src.origin[:40]))
    elif src.kind == "file":
        text, reason = ctx.read_file(src.text)
        if text is None:
            ctx.unreadable(src.text, "cannot vet %s input %s: %s" % (label, src.text, reason))
            return
        analyze(ctx, text, "%s < %s" % (label, src.text))
    elif src.kind == "fetched":
        ctx.fact("shell:fetch-exec", src.origin, "%s runs code downloaded from the network, unseen" % label)
    elif src.kind == "decoded":
        ctx.fact("shell:decode-exec", src.origin, "%s runs decoded or decompressed code, unseen" % label)
    else:
        ctx.unseen(src.origin or label, "%s runs whatever code arrives on its input" % label)


# =================================================================================================================
# Python
# =================================================================================================================
PY_VALUE_OPTS = frozenset({"--check-hash-based-pycs"})
PY_INFO_OPTS = frozenset({"--version", "--help", "--help-env", "--help-xoptions", "--help-all"})


@_guarded
def python(cmd, ctx):
    """python/python3/python2: -c CODE, -m MODULE, SCRIPT, or code on stdin."""
    args, label, i = cmd.args, cmd.name, 0
    while i < len(args):
        a = args[i]
        t = a.text
        if a.dynamic:
            break   # judged as the script operand: unseen, or a process substitution
        if t in PY_INFO_OPTS:
            return
        if t == "--":
            i += 1
            break
        if t == "-":
            _code_stdin(cmd, ctx, label, analyze_python)
            return
        if t.startswith("--"):
            i += 2 if t in PY_VALUE_OPTS else 1
            continue
        if not t.startswith("-") or len(t) < 2:
            break
        step = 1
        for j, ch in enumerate(t[1:]):
            rest = t[j + 2:]
            if ch in "VhH?":
                return
            if ch in "cmWX":
                value = args[i + 1] if not rest and i + 1 < len(args) else (None if not rest else _Arg(rest))
                step = 1 if rest else 2
                if ch == "c":
                    _code_arg(ctx, value, label + " -c", analyze_python)
                    return
                if ch == "m":
                    _python_module(ctx, value, args[i + step:], label)
                    return
                break
        i += step
    if i < len(args):
        _code_file(ctx, args[i], label, analyze_python)
    else:
        _code_stdin(cmd, ctx, label, analyze_python)


class _Arg:
    """An option value cut out of a bundled flag (`-cCODE`): a literal, like model.Arg."""
    __slots__ = ("text", "dynamic")

    def __init__(self, text):
        self.text = text
        self.dynamic = False


def _python_module(ctx, mod, rest, label):
    """`python -m MODULE …`: most modules are tools that run nothing given; a few run code or delete a tree."""
    if mod is None:
        return
    if mod.dynamic:
        ctx.unseen(mod.text[:80], "%s -m runs a module named at run time" % label)
        return
    name = mod.text
    origin = "%s -m %s" % (label, name)
    if name == "venv":
        # `--clear` deletes the contents of each target directory before creating the environment.
        if any(a.text == "--clear" for a in rest):
            for a in rest:
                if not a.text.startswith("-"):
                    _delete(ctx, "code:delete-tree", None if a.dynamic else a.text, origin, "--clear",
                            extra_scratch=VENV_NAMES)
        return
    if name == "timeit":
        code, i = [], 0
        while i < len(rest):
            t = rest[i].text
            if t in ("-n", "-r", "-u", "--number", "--repeat", "--unit"):
                i += 2
                continue
            if t in ("-s", "--setup"):
                if i + 1 < len(rest):
                    code.append(rest[i + 1])
                i += 2
                continue
            if not t.startswith("-") or rest[i].dynamic:
                code.append(rest[i])
            i += 1
        for a in code:
            _code_arg(ctx, a, origin, analyze_python)
        return
    if name in ("cProfile", "profile", "pdb", "trace"):
        values = {"cProfile": ("-o", "-s"), "profile": ("-o", "-s"), "pdb": ("-c", "--command"),
                  "trace": ("-f", "--file", "-C", "--coverdir", "--ignore-module", "--ignore-dir")}[name]
        i = 0
        while i < len(rest):
            t = rest[i].text
            if t == "-m":
                return
            if t in values:
                i += 2
                continue
            if t.startswith("-") and not rest[i].dynamic:
                i += 1
                continue
            _code_file(ctx, rest[i], origin, analyze_python)
            return


_STRING_LITERAL = re.compile(r"""(['"`])((?:(?!\1)[^\\\n]|\\.){1,400}?)\1""")


# Calls and modes that change files, in any of the interpreted languages: with a protected path in the same code,
# the code is taken to change it.
_WRITE_CALL = re.compile(r"\b(?:write\w*|rename\w*|replace|remove\w*|unlink\w*|rmtree|rmdir\w*|rm(?:Sync)?|chmod\w*|"
                         r"chown\w*|move|truncate\w*|appendFile\w*|copy\w*|symlink\w*|link|touch|mkdir\w*|"
                         r"File\.delete|File\.write|File\.open|IO\.write|unlink_p|put_contents)\b"
                         r"|open\([^)]*['\"](?:[wax]\+?b?|r\+b?|[wa]b\+?)['\"]|flags:\s*['\"][wa]")


def protected_literals(ctx, code: str, origin: str):
    """String literals in code that name agentsh's own files or an agent's hook settings: code can open, write,
    rename or chmod them in more ways than the delete detectors know, so each is a fact for the self-protection
    rules (reading them from code is rare enough to ask)."""
    from agentsh.paths import mentions_protected
    if "approvals.db" in code:
        ctx.fact("agentsh:state-db", "approvals.db", "%s: names agentsh's approvals database" % origin, code)
    if not mentions_protected(code):
        return
    writes = _WRITE_CALL.search(code) is not None
    for m in _STRING_LITERAL.finditer(code):
        text = m.group(2)
        if mentions_protected(text) and "/" in text and " " not in text:
            if text.startswith("~/"):
                text = ctx.home + text[1:]
            kind = "agentsh:protected-write" if writes else "agentsh:protected-arg"
            ctx.fact(kind, text, "%s: %s %s" % (origin, "writes, moves or deletes" if writes else "names", text),
                     code)


def analyze_python(ctx, code: str, origin: str, depth: int = 0):
    """Analyze Python source (also used by other analyzers, e.g. for a Makefile recipe's inline Python)."""
    protected_literals(ctx, code, origin)
    _Py(ctx, origin, depth).run(code)


# qualified call names (after import aliases are resolved)
_PY_TREE = frozenset({"shutil.rmtree", "distutils.dir_util.remove_tree", "setuptools._distutils.dir_util.remove_tree"})
_PY_FILE = frozenset({"os.remove", "os.unlink", "os.rmdir", "os.removedirs"})
_PY_SHELL = frozenset({"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
                       "commands.getoutput", "commands.getstatusoutput", "asyncio.create_subprocess_shell",
                       "pexpect.run", "pexpect.spawn", "popen2.popen2", "popen2.popen3", "platform.popen"})
_PY_ARGV = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                      "subprocess.Popen", "pty.spawn"})
_PY_EXEC = {  # name -> (index of the program, "l" (varargs) or "v" (a list), drops a trailing env)
    "os.execl": (0, "l", False), "os.execle": (0, "l", True), "os.execlp": (0, "l", False),
    "os.execlpe": (0, "l", True), "os.execv": (0, "v", False), "os.execve": (0, "v", True),
    "os.execvp": (0, "v", False), "os.execvpe": (0, "v", True),
    "os.spawnl": (1, "l", False), "os.spawnle": (1, "l", True), "os.spawnlp": (1, "l", False),
    "os.spawnlpe": (1, "l", True), "os.spawnv": (1, "v", False), "os.spawnve": (1, "v", True),
    "os.spawnvp": (1, "v", False), "os.spawnvpe": (1, "v", True),
    "os.posix_spawn": (0, "v", False), "os.posix_spawnp": (0, "v", False),
}
_PY_SQL_METHODS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "execute_sql", "raw",
                             "executescript"})
_PY_HTTP_LIBS = ("requests", "httpx", "urllib3", "aiohttp", "http.client")
_HTTP_WRITE = {"delete": "DELETE", "post": "POST", "put": "PUT", "patch": "PATCH"}
_MODULE_ALIASES = {"posix": "os", "nt": "os", "posixpath": "os.path", "ntpath": "os.path", "_posixsubprocess": "os"}


class _Py:
    def __init__(self, ctx, origin, depth):
        self.ctx = ctx
        self.origin = origin
        self.depth = depth
        self.code = ""
        self.lines = None
        self.bindings = {}

    def run(self, code):
        import ast
        self.ast = ast
        self.code = code
        try:
            tree = ast.parse(code)
        except SyntaxError as e:
            tree = _parse_python2(ast, code) if "print" in (e.msg or "") else None
            if tree is None:
                _unparsed(self.ctx, self.origin, "Python syntax error: %s (line %s)" % (e.msg, e.lineno), code)
                return
        except (ValueError, MemoryError, RecursionError) as e:
            _unparsed(self.ctx, self.origin, "Python that does not parse: %s" % type(e).__name__, code)
            return
        nodes = list(ast.walk(tree))
        tick = _ticker(self.ctx)
        self._collect(nodes)
        call = ast.Call
        for node in nodes:
            if type(node) is call:
                tick()
                self._call(node)

    # ---- names: imports and single assignments ------------------------------------------------------------
    def _bind(self, name, value):
        self.bindings.setdefault(name, []).append(value)

    def _collect(self, nodes):
        ast = self.ast
        skip = (ast.expr_context, ast.Constant, ast.Call, ast.Attribute, ast.Expr, ast.operator, ast.keyword)
        for node in nodes:
            if isinstance(node, skip):
                continue
            if isinstance(node, ast.Name):
                continue
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self._bind(a.asname, ("import", _canon_module(a.name)))
                    else:
                        top = a.name.split(".")[0]
                        self._bind(top, ("import", _canon_module(top)))
            elif isinstance(node, ast.ImportFrom):
                mod = _canon_module(node.module or "")
                for a in node.names:
                    if a.name == "*":
                        for known in _PY_TREE | _PY_FILE | _PY_SHELL | _PY_ARGV | set(_PY_EXEC):
                            if known.rsplit(".", 1)[0] == mod:
                                self._bind(known.rsplit(".", 1)[1], ("import", known))
                    else:
                        self._bind(a.asname or a.name, ("import", mod + "." + a.name if mod else a.name))
            elif isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        self._bind(t.id, node.value)
                    else:
                        self._bind_all(t)
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)):
                if isinstance(node.target, ast.Name) and node.value is not None:
                    self._bind(node.target.id, node.value)
                else:
                    self._bind_all(node.target)
            elif isinstance(node, ast.AugAssign):
                self._bind_all(node.target)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                self._bind_all(node.target)
            elif isinstance(node, ast.withitem):
                if isinstance(node.optional_vars, ast.Name):
                    self._bind(node.optional_vars.id, node.context_expr)
                elif node.optional_vars is not None:
                    self._bind_all(node.optional_vars)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self._bind(node.name, None)
            elif isinstance(node, ast.arg):
                self._bind(node.arg, None)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self._bind(node.name, None)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                for n in node.names:
                    self._bind(n, None)

    def _bind_all(self, target):
        for n in self.ast.walk(target):
            if isinstance(n, self.ast.Name):
                self._bind(n.id, None)

    def _binding(self, name):
        """The one value bound to `name`, an ("import", qualname) marker, None (unknown) or "free" (never bound)."""
        got = self.bindings.get(name)
        if got is None:
            return "free"
        first = got[0]
        if len(got) == 1 or all(isinstance(g, tuple) and g == first for g in got):
            return first
        return None

    def qual(self, node, depth=0):
        """Dotted name of what an expression refers to (`sp.run` -> `subprocess.run`), or None."""
        ast = self.ast
        if depth > 20:
            return None
        if isinstance(node, ast.Name):
            b = self._binding(node.id)
            if b == "free":
                return node.id
            if isinstance(b, tuple):
                return b[1]
            if isinstance(b, (ast.Call, ast.Attribute, ast.Name)):
                return self.qual(b, depth + 1)
            return None
        if isinstance(node, ast.Attribute):
            base = self.qual(node.value, depth + 1)
            return base + "." + node.attr if base else None
        if isinstance(node, ast.Call):
            f = self.qual(node.func, depth + 1)
            if f in ("__import__", "importlib.import_module") and node.args:
                m = self.text(node.args[0])
                return _canon_module(m) if m else None
            if f == "getattr" and len(node.args) >= 2:
                base, attr = self.qual(node.args[0], depth + 1), self.text(node.args[1])
                return base + "." + attr if base and attr else None
            return f + "()" if f else None
        return None

    # ---- values ---------------------------------------------------------------------------------------------
    def text(self, node, dyn=None, depth=0):
        """The string an expression evaluates to; unknown parts give None, or `dyn` when a template is wanted."""
        ast = self.ast
        if node is None or depth > 30:
            return dyn
        r = lambda n: self.text(n, dyn, depth + 1)  # noqa: E731
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, str):
                return v
            if isinstance(v, bytes):
                return v.decode("latin-1")
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return str(v)
            return dyn
        if isinstance(node, ast.Name):
            b = self._binding(node.id)
            if isinstance(b, ast.AST):
                return r(b)
            return dyn
        if isinstance(node, ast.JoinedStr):
            parts = []
            for p in node.values:
                if isinstance(p, ast.FormattedValue):
                    v = r(p.value) if p.format_spec is None else dyn
                else:
                    v = r(p)
                if v is None:
                    return None
                parts.append(v)
            return "".join(parts)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, (ast.Add, ast.Div)):
                a, b = r(node.left), r(node.right)
                if a is None or b is None:
                    return None
                return a + b if isinstance(node.op, ast.Add) else os.path.join(a, b)
            if isinstance(node.op, ast.Mod):
                fmt = r(node.left)
                items = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
                vals = [r(e) for e in items]
                if fmt is None or None in vals:
                    return None
                try:
                    return fmt % tuple(vals)
                except (TypeError, ValueError, KeyError):
                    return dyn
            return dyn
        if isinstance(node, ast.Subscript):
            if self.qual(node.value) == "os.environ" and self.text(node.slice) == "HOME":
                return _home(self.ctx)
            return dyn
        if isinstance(node, ast.Attribute):
            q = self.qual(node)
            if q in ("os.sep", "os.path.sep"):
                return "/"
            if q and q.endswith(").name") and q[:-len(".name")] in _PY_TEMP_CALLS:
                return _TEMP_PLACEHOLDER
            return dyn
        if isinstance(node, ast.Call):
            return self._call_text(node, r, dyn)
        return dyn

    def _call_text(self, node, r, dyn):
        ast = self.ast
        q = self.qual(node.func) or ""
        args = node.args
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if any(isinstance(a, ast.Starred) for a in args):
            return dyn
        if q in ("os.path.expanduser",) and args:
            v = r(args[0])
            return _expand_home(self.ctx, v) if v is not None else None
        if q in ("os.path.join",) or _is_path_ctor(q):
            vals = [r(a) for a in args]
            if None in vals:
                return None
            return os.path.join(*vals) if vals else "."
        if q in ("os.path.abspath", "os.path.normpath", "os.path.realpath", "os.fspath", "str") and args:
            return r(args[0])
        if q.endswith(("Path.home", "os.path.home")) or q == "pathlib.Path.home":
            return _home(self.ctx)
        if q in ("os.getcwd", "pathlib.Path.cwd", "Path.cwd"):
            return "."
        if q in ("tempfile.mkdtemp", "tempfile.mktemp", "tempfile.TemporaryDirectory") and not any(
                k.arg == "dir" for k in node.keywords) and len(args) < 3:
            return _TEMP_PLACEHOLDER   # a fresh directory under the temp dir (unless dir= says otherwise)
        if q == "tempfile.gettempdir":
            return "/tmp"
        if q in ("os.getenv", "os.environ.get") and args:
            return _home(self.ctx) if self.text(args[0]) == "HOME" else dyn
        if attr in ("expanduser", "resolve", "absolute") and isinstance(node.func, ast.Attribute):
            v = r(node.func.value)
            return _expand_home(self.ctx, v) if v is not None and attr == "expanduser" else v
        if attr == "joinpath" and isinstance(node.func, ast.Attribute):
            vals = [r(node.func.value)] + [r(a) for a in args]
            return None if None in vals else os.path.join(*vals)
        if attr == "join" and isinstance(node.func, ast.Attribute) and len(args) == 1:
            sep = self.text(node.func.value)
            if sep is not None and isinstance(args[0], (ast.List, ast.Tuple)):
                vals = [r(e) for e in args[0].elts]
                return None if None in vals else sep.join(vals)
        if attr == "format" and isinstance(node.func, ast.Attribute):
            fmt = self.text(node.func.value)
            vals = [r(a) for a in args]
            kw = {k.arg: r(k.value) for k in node.keywords if k.arg}
            if fmt is None or None in vals or None in kw.values():
                return None if dyn is None else dyn
            try:
                return fmt.format(*vals, **kw)
            except (IndexError, KeyError, ValueError):
                return dyn
        return dyn

    def literal(self, node, depth=0):
        """A JSON-able value for a literal expression; unknown leaves become DYN."""
        ast = self.ast
        if depth > 30:
            return DYN
        if isinstance(node, ast.Dict):
            out = {}
            for k, v in zip(node.keys, node.values):
                key = self.text(k) if k is not None else None
                if key is not None:
                    out[key] = self.literal(v, depth + 1)
            return out
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.literal(e, depth + 1) for e in node.elts]
        if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, (bool, int, float))):
            return node.value
        if isinstance(node, ast.Name):
            b = self._binding(node.id)
            if isinstance(b, ast.AST):
                return self.literal(b, depth + 1)
        return self.text(node, DYN)

    def argv(self, node):
        """A list/tuple of strings, each known, or None."""
        ast = self.ast
        if isinstance(node, ast.Name):
            b = self._binding(node.id)
            node = b if isinstance(b, ast.AST) else node
        if not isinstance(node, (ast.List, ast.Tuple)):
            return None
        vals = [self.text(e) for e in node.elts]
        return None if (None in vals or not vals) else vals

    def segment(self, node, limit=300):
        """The source text of a node, for display (ast.get_source_segment re-splits the whole source per call)."""
        if self.lines is None:
            self.lines = self.code.splitlines(True)
        try:
            first, last = node.lineno - 1, node.end_lineno - 1
            if first == last:
                text = self.lines[first].encode()[node.col_offset:node.end_col_offset].decode("utf-8", "replace")
            else:
                text = self.lines[first].encode()[node.col_offset:].decode("utf-8", "replace") + "".join(
                    self.lines[first + 1:min(last, first + 20)])
            return text[:limit]
        except (AttributeError, IndexError, TypeError):
            return ""

    # ---- calls ----------------------------------------------------------------------------------------------
    def _call(self, node):
        ast = self.ast
        q = self.qual(node.func) or ""
        for prefix, canon in _MODULE_ALIASES.items():
            if q.startswith(prefix + "."):
                q = canon + q[len(prefix):]
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else (
            node.func.id if isinstance(node.func, ast.Name) else "")
        src = self.segment(node)
        if q in _PY_TREE:
            self._delete("code:delete-tree", self._arg(node, 0, "path"), q, src)
        elif q in _PY_FILE:
            self._delete("code:delete-file", self._arg(node, 0, "path"), q, src)
        elif attr in ("unlink", "rmdir") and isinstance(node.func, ast.Attribute) and not node.args:
            # pathlib: Path(…).unlink(), p.rmdir()
            self._delete("code:delete-file", node.func.value, "Path." + attr, src)
        elif q in _PY_SHELL:
            self._shell_text(self._arg(node, 0, "cmd" if q == "os.system" else "command"), q, src)
        elif q in _PY_ARGV or q == "asyncio.create_subprocess_exec":
            self._subprocess(node, q, src)
        elif q in _PY_EXEC:
            self._exec(node, q, src)
        elif q in ("exec", "eval") and self._binding(q) == "free":
            self._eval(node, q, src)
        elif q.startswith("sqlalchemy") and q.endswith(".text"):
            self._sql(self._arg(node, 0, "text"))
        elif attr in _PY_SQL_METHODS and isinstance(node.func, ast.Attribute):
            self._sql(self._arg(node, 0, "sql") or self._arg(node, 0, "statement") or self._arg(node, 0, "query"))
        if isinstance(node.func, ast.Attribute):
            self._http(node, q, attr, src)
        elif q == "urllib.request.Request":
            self._http(node, q, attr, src)

    def _arg(self, node, index, keyword):
        if len(node.args) > index and not isinstance(node.args[index], self.ast.Starred):
            return node.args[index]
        for k in node.keywords:
            if k.arg == keyword:
                return k.value
        return None

    def candidates(self, node, convert):
        """The values a name may hold when it is assigned several literals (`p = "build"` … `p = "/"`), else
        [convert(node)]; None when any of them is unknown."""
        got = self.bindings.get(node.id) if isinstance(node, self.ast.Name) else None
        if got and len(got) > 1 and all(isinstance(g, self.ast.AST) for g in got):
            vals = [convert(g) for g in got]
            return None if None in vals else vals
        v = convert(node)
        return None if v is None else [v]

    def _delete(self, kind, arg, what, src):
        if arg is None:
            return
        for value in self.candidates(arg, self.text) or [None]:
            _delete(self.ctx, kind, value, self.origin, what, src)

    def _command_text(self, node):
        text = self.text(node)
        if text is None:
            argv = self.argv(node)
            if argv is not None:
                text = _shell_join(argv)
        return text

    def _shell_text(self, arg, what, src):
        if arg is None:
            return
        texts = self.candidates(arg, self._command_text)
        if texts is None:
            _dynamic_exec(self.ctx, self.origin, what, self.segment(arg), src)
            return
        for text in texts:
            self.ctx.shell(text, "python " + what)

    def _subprocess(self, node, q, src):
        ast = self.ast
        if q == "asyncio.create_subprocess_exec":
            vals = [self.text(a) for a in node.args]
            if not vals or None in vals:
                _dynamic_exec(self.ctx, self.origin, q, src[:120], src)
            else:
                self.ctx.shell(_shell_join(vals), "python subprocess")
            return
        arg = self._arg(node, 0, "args")
        if arg is None:
            return
        shell = any(k.arg == "shell" and not (isinstance(k.value, ast.Constant) and not k.value.value)
                    for k in node.keywords)

        def command(n):
            text = self.text(n)
            if text is None:
                argv = self.argv(n)
                if argv is not None:
                    # with shell=True the first item is the shell command, the rest its $0, $1 …
                    text = argv[0] if shell else _shell_join(argv)
            return text
        texts = self.candidates(arg, command)
        if texts is None:
            _dynamic_exec(self.ctx, self.origin, q, self.segment(arg), src)
            return
        cwd = next((k.value for k in node.keywords if k.arg == "cwd"), None)
        prefix = _cwd_prefix(cwd is not None, self.text(cwd) if cwd is not None else None)
        for text in texts:
            self.ctx.shell(prefix + text, "python subprocess")

    def _exec(self, node, q, src):
        prog_i, style, env = _PY_EXEC[q]
        args = node.args
        if any(isinstance(a, self.ast.Starred) for a in args) or len(args) <= prog_i:
            _dynamic_exec(self.ctx, self.origin, q, src[:120], src)
            return
        prog = self.text(args[prog_i])
        if style == "l":
            rest = args[prog_i + 1:len(args) - (1 if env else 0)]
            argv = [self.text(a) for a in rest]
            argv = None if None in argv else argv
        else:
            argv = self.argv(args[prog_i + 1]) if len(args) > prog_i + 1 else None
        if prog is None or argv is None:
            _dynamic_exec(self.ctx, self.origin, q, src[:120], src)
            return
        self.ctx.shell(_shell_join([prog] + argv[1:]), "python " + q)

    def _eval(self, node, q, src):
        if not node.args:
            return
        code = self.text(node.args[0])
        if code is None:
            _dynamic_exec(self.ctx, self.origin, q, self.segment(node.args[0]), src)
            return
        if self.depth >= MAX_NESTING:
            _unparsed(self.ctx, self.origin, "%s nested more than %d levels" % (q, MAX_NESTING), code)
            return
        _Py(self.ctx, "%s %s()" % (self.origin, q), self.depth + 1).run(code)

    def _sql(self, arg):
        if arg is None:
            return
        text = self.text(arg, SQL_DYN)
        if text and looks_like_sql(text):
            self.ctx.sql(text, "python")

    def _http(self, node, q, attr, src):
        ast = self.ast
        method = url_node = None
        receiver = ""
        if isinstance(node.func, ast.Attribute):
            receiver = self.qual(node.func.value) or ""
        lib = q.startswith(_PY_HTTP_LIBS) or receiver.startswith(_PY_HTTP_LIBS)
        if attr in _HTTP_WRITE and isinstance(node.func, ast.Attribute):
            method, url_node = _HTTP_WRITE[attr], self._arg(node, 0, "url")
        elif attr == "request" and isinstance(node.func, ast.Attribute):
            m = self.text(self._arg(node, 0, "method"))
            if m and m.upper() in ("DELETE", "POST", "PUT", "PATCH"):
                method, url_node = m.upper(), self._arg(node, 1, "url")
        elif q == "urllib.request.Request":
            m = next((self.text(k.value) for k in node.keywords if k.arg == "method"), None)
            if m and m.upper() in ("DELETE", "POST", "PUT", "PATCH"):
                method, url_node, lib = m.upper(), self._arg(node, 0, "url"), True
        if method is None:
            return
        url = self.text(url_node, DYN) if url_node is not None else DYN
        if not lib and not (url or "").startswith(("http://", "https://")):
            return   # a .delete()/.post() that is not an HTTP client (a dict, an ORM session, a queue)
        body = None
        for k in node.keywords:
            if k.arg == "json":
                import json
                body = json.dumps(self.literal(k.value))
            elif k.arg in ("data", "content", "body") and body is None:
                v = self.literal(k.value)
                if isinstance(v, str):
                    body = v
                else:
                    import json
                    body = json.dumps(v)
        self.ctx.http(method, url or DYN, body, (), "python")


_PY2_PRINT = re.compile(r"(^|[;:])([ \t]*)print\b(?![ \t]*[(=.])[ \t]*([^;\n]*?)[ \t]*,?[ \t]*(?=;|$)", re.M)


def _parse_python2(ast, code):
    """Python 2 code (`python2 -c 'print "hi"'`): rewrite print statements into calls and try once more."""
    fixed = _PY2_PRINT.sub(lambda m: "%s%sprint(%s)" % (m.group(1), m.group(2), m.group(3)), code)
    try:
        return ast.parse(fixed)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


_PY_TEMP_CALLS = frozenset({"tempfile.TemporaryDirectory()", "tempfile.NamedTemporaryFile()",
                            "tempfile.mkdtemp()"})
_TEMP_PLACEHOLDER = "/tmp/agentsh-tempfile"


def _canon_module(name):
    top, _, rest = name.partition(".")
    top = _MODULE_ALIASES.get(top, top)
    return top + ("." + rest if rest else "")


def _is_path_ctor(q):
    return q in ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath", "Path",
                 "PurePath", "PosixPath")


# =================================================================================================================
# The other languages: a tokenizer and a call scanner
# =================================================================================================================
class _Tok:
    __slots__ = ("kind", "text", "value", "lit", "line")

    def __init__(self, kind, text, value=None, lit=True, line=0):
        self.kind = kind      # id | str | cmd (a shell-command literal: backticks, qx, %x) | list | num | op | regex
        self.text = text      # the token as written (ids and ops), for matching
        self.value = value    # decoded string (str/cmd) or list of strings (list)
        self.lit = lit        # False when a string interpolates run-time values
        self.line = line

    def __repr__(self):
        return "%s(%r)" % (self.kind, self.value if self.kind in ("str", "cmd", "list") else self.text)


class LexError(Exception):
    pass


_OPS = ("...", "->", "::", "=>", "=~", "!~", "?.", "**", "==", "!=", "<=", ">=", "&&", "||", "..", "<<", ">>")
_REGEX_AFTER_WORDS = frozenset({"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw",
                                "case", "do", "else", "if", "unless", "and", "or", "not", "split", "grep", "map",
                                "when", "while", "until", "x", "lt", "gt", "le", "ge", "eq", "ne", "cmp", "yield",
                                "await", "elsif", "join", "push", "unshift"})
_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}


class _Lexer:
    """Tokens of JavaScript/TypeScript, Ruby, Perl or PHP code, with string contents decoded and comments dropped."""

    def __init__(self, lang, src):
        self.lang = lang
        self.s = src
        self.i = 0
        self.line = 1
        self.toks = []

    def run(self):
        s, n, lang = self.s, len(self.s), self.lang
        while self.i < n:
            c = s[self.i]
            if c == "\n":
                self.line += 1
                self.i += 1
                if lang == "ruby" and s.startswith("=begin", self.i):
                    end = s.find("\n=end", self.i)
                    self._skip_to(n if end < 0 else end + 5)
                elif lang == "perl" and s.startswith("=", self.i) and s[self.i + 1:self.i + 2].isalpha():
                    end = s.find("\n=cut", self.i)
                    self._skip_to(n if end < 0 else end + 5)
                continue
            if c in " \t\r\f\v":
                self.i += 1
                continue
            if lang == "perl" and (s.startswith("__END__", self.i) or s.startswith("__DATA__", self.i)):
                break
            if lang == "php" and s.startswith("?>", self.i):
                # back to inline HTML until the next <?php
                nxt = s.find("<?", self.i + 2)
                self._skip_to(n if nxt < 0 else nxt)
                self._tag()
                self._emit("op", ";")
                continue
            if self._comment(c):
                continue
            if c in "'\"`":
                self._quoted(c)
                continue
            if lang == "php" and s.startswith("<<<", self.i):
                self._php_heredoc()
                continue
            if c == "/" and lang in ("js", "ruby", "perl") and self._operand_expected():
                self._regex()
                continue
            if lang == "ruby" and c == "%" and self._ruby_percent_here() and self._ruby_percent():
                continue
            if c.isalpha() or c == "_" or (c == "$" and lang == "js"):
                self._word()
                continue
            if c in "$@%&" and lang in ("perl", "php") and self._sigil():
                continue
            if lang == "ruby" and c in "$@" and self._sigil():
                continue
            if c.isdigit():
                j = self.i
                while j < n and (s[j].isalnum() or s[j] in "._"):
                    j += 1
                self._emit("num", s[self.i:j])
                self.i = j
                continue
            for op in _OPS:
                if s.startswith(op, self.i):
                    self._emit("op", op)
                    self.i += len(op)
                    break
            else:
                self._emit("op", c)
                self.i += 1
        return self.toks

    # ---- pieces -------------------------------------------------------------------------------------------------
    def _emit(self, kind, text, value=None, lit=True):
        self.toks.append(_Tok(kind, text, value, lit, self.line))

    def _skip_to(self, j):
        self.line += self.s.count("\n", self.i, j)
        self.i = j

    def _tag(self):
        for tag in ("<?php", "<?="):
            if self.s.startswith(tag, self.i):
                self.i += len(tag)
                return
        if self.s.startswith("<?", self.i):
            self.i += 2

    def _comment(self, c):
        s, lang = self.s, self.lang
        if c == "/" and lang in ("js", "php") and s.startswith("//", self.i):
            end = s.find("\n", self.i)
            if lang == "php":
                close = s.find("?>", self.i)
                if close >= 0 and (end < 0 or close < end):
                    self.i = close
                    return True
            self.i = len(s) if end < 0 else end
            return True
        if c == "/" and lang in ("js", "php") and s.startswith("/*", self.i):
            end = s.find("*/", self.i + 2)
            if end < 0:
                raise LexError("unterminated comment")
            self._skip_to(end + 2)
            return True
        if c == "#" and lang in ("ruby", "perl", "php"):
            end = s.find("\n", self.i)
            self.i = len(s) if end < 0 else end
            return True
        if c == "#" and lang == "js" and self.i == 0 and s.startswith("#!"):
            end = s.find("\n")
            self.i = len(s) if end < 0 else end
            return True
        return False

    def _operand_expected(self):
        if not self.toks:
            return True
        t = self.toks[-1]
        if t.kind == "op":
            return t.text not in (")", "]", "}")
        if t.kind == "id":
            return t.text in _REGEX_AFTER_WORDS
        return False

    def _delimited(self, open_ch, start):
        """Body of a string that starts after `open_ch` at `start`; returns (raw body, index after the close)."""
        s, n = self.s, len(self.s)
        close = _PAIRS.get(open_ch, open_ch)
        depth, j = 1, start
        while j < n:
            ch = s[j]
            if ch == "\\" and j + 1 < n:
                j += 2
                continue
            if ch == close and close != open_ch:
                depth -= 1
                if depth == 0:
                    return s[start:j], j + 1
            elif ch == open_ch and close != open_ch:
                depth += 1
            elif ch == close:
                return s[start:j], j + 1
            j += 1
        raise LexError("unterminated string")

    def _template(self, start):
        """A JS template literal body after '`': (value with ${…} replaced by DYN, literal?, index after)."""
        s, n = self.s, len(self.s)
        out, j, lit = [], start, True
        while j < n:
            ch = s[j]
            if ch == "\\" and j + 1 < n:
                out.append(_unescape("\\" + s[j + 1]))
                j += 2
                continue
            if ch == "`":
                return "".join(out), lit, j + 1
            if ch == "$" and s.startswith("${", j):
                depth, k = 1, j + 2
                while k < n and depth:
                    if s[k] == "{":
                        depth += 1
                    elif s[k] == "}":
                        depth -= 1
                    elif s[k] in "'\"`":
                        q = s[k]
                        k += 1
                        while k < n and s[k] != q:
                            k += 2 if s[k] == "\\" else 1
                    k += 1
                if depth:
                    raise LexError("unterminated template")
                expr = s[j + 2:k - 1].strip().replace('"', "'")
                if expr in _HOME_FORMS:
                    out.append(HOME_MARK)
                else:
                    out.append(DYN)
                    lit = False
                j = k
                continue
            out.append(ch)
            j += 1
        raise LexError("unterminated template")

    def _quoted(self, q):
        lang = self.lang
        start = self.i + 1
        if q == "`" and lang == "js":
            value, lit, end = self._template(start)
            self._skip_to(end)
            self._emit("str", "`", value, lit)
            return
        raw, end = self._delimited(q, start)
        self._skip_to(end)
        interp = q in "\"`" or (q == "'" and lang == "js")
        value, lit = _decode(raw, lang, interp and q != "'")
        if q == "'" and lang != "js":
            value, lit = raw.replace("\\\\", "\\").replace("\\'", "'"), True
        self._emit("cmd" if q == "`" else "str", q, value, lit)

    def _php_heredoc(self):
        s = self.s
        m = re.compile(r"<<<[ \t]*(['\"]?)([A-Za-z_]\w*)\1\r?\n").match(s, self.i)
        if not m:
            self._emit("op", "<<")
            self.i += 2
            return
        end = re.compile(r"\n[ \t]*" + re.escape(m.group(2)) + r"\b").search(s, m.end() - 1)
        if not end:
            raise LexError("unterminated heredoc")
        raw = s[m.end():end.start()]
        self._skip_to(end.end())
        if m.group(1) == "'":
            self._emit("str", "'", raw, True)
        else:
            value, lit = _decode(raw, "php", True)
            self._emit("str", '"', value, lit)

    def _regex(self):
        s, n = self.s, len(self.s)
        j, in_class = self.i + 1, False
        while j < n:
            ch = s[j]
            if ch == "\\":
                j += 2
                continue
            if ch == "\n" and self.lang == "js":
                break
            if ch == "[":
                in_class = True
            elif ch == "]":
                in_class = False
            elif ch == "/" and not in_class:
                j += 1
                while j < n and s[j].isalpha():
                    j += 1
                self._skip_to(j)
                self._emit("regex", "/")
                return
            j += 1
        # not a regex after all: a division
        self._emit("op", "/")
        self.i += 1

    def _ruby_percent_here(self):
        """A %-literal where an operand is expected, or as a paren-less argument (`rm_r %w(a b)`, not `x % 2`)."""
        if self._operand_expected():
            return True
        s, i = self.s, self.i
        prev = self.toks[-1] if self.toks else None
        return (prev is not None and prev.kind == "id" and i > 0 and s[i - 1] in " \t"
                and i + 1 < len(s) and s[i + 1] not in " \t=")

    def _ruby_percent(self):
        s = self.s
        m = re.compile(r"%([qQwWiIxrs]?)([^\w\s])").match(s, self.i)
        if not m:
            return False
        kind, open_ch = m.group(1), m.group(2)
        raw, end = self._delimited(open_ch, m.end())
        self._skip_to(end)
        if kind in ("w", "W", "i", "I"):
            self._emit("list", "%w", raw.split(), "#{" not in raw or kind in ("w", "i"))
        elif kind == "r":
            self._emit("regex", "%r")
        elif kind == "x":
            value, lit = _decode(raw, "ruby", True)
            self._emit("cmd", "%x", value, lit)
        elif kind == "q":
            self._emit("str", "'", raw, True)
        else:
            value, lit = _decode(raw, "ruby", True)
            self._emit("str", '"', value, lit)
        return True

    def _word(self):
        s, n, lang = self.s, len(self.s), self.lang
        j = self.i
        while j < n and (s[j].isalnum() or s[j] == "_" or (s[j] == "$" and lang == "js")):
            j += 1
        if lang == "ruby" and j < n and s[j] in "?!" and not s.startswith("=", j + 1):
            j += 1
        word = s[self.i:j]
        if lang == "perl" and word in ("q", "qq", "qw", "qx", "m", "s", "tr", "y", "qr") and self._perl_quote(word, j):
            return
        self._emit("id", word)
        self.i = j

    def _perl_quote(self, word, j):
        s, n = self.s, len(self.s)
        prev = self.toks[-1].text if self.toks else ""
        if prev in ("->", "{") and word not in ("qw",):
            return False
        k = j
        while k < n and s[k] in " \t":
            k += 1
        if k >= n:
            return False
        d = s[k]
        if d.isalnum() or d in "_,;)=\n" or (d == "#" and k > j) or (d == "}" and prev == "{"):
            return False
        if d == "=" or (d == ">" and word in ("s", "y")):
            return False
        raw, end = self._delimited(d, k + 1)
        if word in ("s", "tr", "y"):
            # a second part: right after the same delimiter, or a new bracketed group for bracket delimiters
            if d in _PAIRS:
                k2 = end
                while k2 < n and s[k2] in " \t\n":
                    k2 += 1
                if k2 >= n:
                    raise LexError("unterminated substitution")
                _raw2, end = self._delimited(s[k2], k2 + 1)
            else:
                _raw2, end = self._delimited(d, end)
        while end < n and s[end].isalpha():
            end += 1
        self._skip_to(end)
        if word == "q":
            self._emit("str", "'", raw, True)
        elif word == "qq":
            value, lit = _decode(raw, "perl", True)
            self._emit("str", '"', value, lit)
        elif word == "qw":
            self._emit("list", "qw", raw.split(), True)
        elif word == "qx":
            value, lit = _decode(raw, "perl", d != "'")
            self._emit("cmd", "qx", value, lit)
        else:
            self._emit("regex", word)
        return True

    def _sigil(self):
        s, n = self.s, len(self.s)
        j = self.i + 1
        if self.lang == "perl" and s.startswith("$#", self.i):
            j += 1
        if self.lang == "ruby" and s.startswith("@@", self.i):
            j += 1
        if j < n and (s[j].isalpha() or s[j] == "_"):
            k = j
            while k < n and (s[k].isalnum() or s[k] == "_" or (self.lang == "perl" and s.startswith("::", k))):
                k += 2 if s.startswith("::", k) else 1
            self._emit("id", s[self.i:k])
            self.i = k
            return True
        if j < n and s[j] in "{$":
            self._emit("id", s[self.i:j])
            self.i = j
            return True
        if self.lang == "perl" and j < n and s[j] in "_0123456789!@/\\,;.&`'+^":
            self._emit("id", s[self.i:j + 1])
            self.i = j + 1
            return True
        return False


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "e": "\x1b", "f": "\f", "v": "\v", "b": "\b"}


def _unescape(pair):
    return _ESCAPES.get(pair[1], pair[1])


# Interpolations inside double-quoted strings, backticks, qx and %x (JS template literals are read by _template).
_INTERP = {
    "ruby": re.compile(r"#\{[^}]*\}|#[$@]@?\w+"),
    "perl": re.compile(r"[$@]\{[^}]*\}|[$@](?:\w|::)+(?:\{[^}]*\}|\[[^\]]*\]|->[\[{][^\]}]*[\]}])*"),
    "php": re.compile(r"\{\$[^}]*\}|\$[A-Za-z_]\w*(?:\[[^\]]*\]|->\w+)*"),
}
HOME_MARK = "\ue000"   # stands for the home directory inside a decoded string ("rm -rf $ENV{HOME}")
_HOME_INTERP = frozenset({
    "#{Dir.home}", "#{Dir.home()}", "#{ENV['HOME']}", "#{ENV.fetch('HOME')}",
    "$ENV{HOME}", "$ENV{'HOME'}", "${ENV{HOME}}",
    "{$_SERVER['HOME']}", "{$_ENV['HOME']}", "$_SERVER[HOME]", "$_ENV[HOME]", "{$_SERVER[HOME]}",
})


def _decode(raw, lang, interpolating):
    """Decode backslash escapes; (value, literal?). An interpolation makes the value non-literal and stands as
    DYN in it, except a spelling of the home directory, which becomes HOME_MARK."""
    rx = _INTERP.get(lang) if interpolating else None
    lit = True
    out, j, n = [], 0, len(raw)
    while j < n:
        ch = raw[j]
        if ch == "\\" and j + 1 < n:
            nxt = raw[j + 1]
            if nxt == "x" and re.match(r"[0-9a-fA-F]{2}", raw[j + 2:j + 4]):
                out.append(chr(int(raw[j + 2:j + 4], 16)))
                j += 4
                continue
            if nxt == "u" and re.match(r"[0-9a-fA-F]{4}", raw[j + 2:j + 6]):
                out.append(chr(int(raw[j + 2:j + 6], 16)))
                j += 6
                continue
            if nxt == "\n":
                j += 2
                continue
            out.append(_unescape("\\" + nxt))
            j += 2
            continue
        if rx is not None and ch in "#$@{":
            m = rx.match(raw, j)
            if m:
                if m.group(0).replace('"', "'") in _HOME_INTERP:
                    out.append(HOME_MARK)
                else:
                    out.append(DYN)
                    lit = False
                j = m.end()
                continue
        out.append(ch)
        j += 1
    return "".join(out), lit


# ---- reading arguments -------------------------------------------------------------------------------------------
def _brackets(toks):
    """index of each opening bracket -> index of its closing bracket, in one pass (keeps argument splitting linear
    on deeply nested input)."""
    match, stack = {}, []
    for k, t in enumerate(toks):
        if t.kind == "op":
            if t.text in ("(", "[", "{"):
                stack.append(k)
            elif t.text in (")", "]", "}") and stack:
                match[stack.pop()] = k
    return match


def _split_args(toks, start, match=None):
    """Arguments of a call whose '(' is at `start`: (list of token lists, index after ')')."""
    args, cur, j, n = [], [], start + 1, len(toks)
    while j < n:
        t = toks[j]
        if t.kind == "op":
            if t.text in ("(", "[", "{"):
                end = match.get(j) if match is not None else _closing(toks, j)
                if end is None:
                    cur.extend(toks[j:])
                    break
                cur.extend(toks[j:end + 1])
                j = end + 1
                continue
            if t.text in (")", "]", "}"):
                if cur:
                    args.append(cur)
                return args, j + 1
            if t.text == ",":
                args.append(cur)
                cur = []
                j += 1
                continue
        cur.append(t)
        j += 1
    if cur:
        args.append(cur)
    return args, n


def _is_option(arg) -> bool:
    """An options argument: `{…}`, or a Ruby/Python-style keyword `chdir: "/"` / `:chdir => "/"`."""
    if not arg:
        return False
    if arg[0].kind == "op" and arg[0].text == "{":
        return True
    return len(arg) >= 2 and (arg[0].kind in ("id", "str") and arg[1].kind == "op" and arg[1].text in (":", "=>")
                              or arg[0].kind == "op" and arg[0].text == ":" and arg[1].kind == "id")


def _as_object(arg):
    """A keyword option as the tokens of a one-key object, so option() reads both spellings."""
    if arg and arg[0].kind == "op" and arg[0].text == "{":
        return arg
    if arg and arg[0].kind == "op" and arg[0].text == ":":
        arg = arg[1:]
    return [_Tok("op", "{")] + list(arg) + [_Tok("op", "}")]


def _show(toks):
    """An argument's tokens as text, for a fact's detail."""
    return "".join(repr(t.value) if t.kind == "str" else t.text for t in toks[:40])[:80]


def _closing(toks, j):
    depth = 0
    for k in range(j, len(toks)):
        t = toks[k]
        if t.kind == "op" and t.text in ("(", "[", "{"):
            depth += 1
        elif t.kind == "op" and t.text in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return k
    return None


_STOP_WORDS = frozenset({"if", "unless", "or", "and", "for", "foreach", "while", "until", "rescue", "then", "do"})
MAX_BARE_ARG_TOKENS = 1000


def _bare_args(toks, start, line, match=None):
    """Arguments of a paren-less call (Ruby `system "…"`, Perl `unlink $f, "x"`): up to the end of the statement."""
    args, cur, j, n = [], [], start, min(len(toks), start + MAX_BARE_ARG_TOKENS)
    while j < n:
        t = toks[j]
        if (t.kind == "op" and t.text in (";", ")", "}", "]")) or (t.kind == "id" and t.text in _STOP_WORDS) \
                or (t.line != line and not (cur == [] and args)):
            break
        if t.kind == "op" and t.text in ("(", "[", "{"):
            end = match.get(j) if match is not None else _closing(toks, j)
            if end is None:
                cur.extend(toks[j:n])
                break
            cur.extend(toks[j:end + 1])
            line = toks[end].line
            j = end + 1
            continue
        if t.kind == "op" and t.text == ",":
            args.append(cur)
            cur = []
            line = t.line
            j += 1
            continue
        cur.append(t)
        line = t.line
        j += 1
    if cur:
        args.append(cur)
    return args, j


class _Scan:
    """Finds the dangerous calls of one language in a token list and reports them through ctx."""

    CONCAT = {"js": "+", "ruby": "+", "perl": ".", "php": "."}

    def __init__(self, ctx, lang, origin, code, depth):
        self.ctx = ctx
        self.lang = lang
        self.origin = origin
        self.code = code
        self.depth = depth
        self.toks = []
        self.lines = None
        self.strings = set()
        self.match = {}

    def run(self):
        try:
            self.toks = _Lexer(self.lang, self.code).run()
        except LexError as e:
            # The tokenizer misreads some valid code (Perl and Ruby are not context-free); code that mentions
            # nothing able to delete or run anything is let through, anything else fails closed.
            if _RISKY_WORDS.search(self.code):
                _unparsed(self.ctx, self.origin, "%s that agentsh cannot tokenize: %s"
                          % (_LANG_NAMES[self.lang], e), self.code)
            return
        home = _home(self.ctx)
        for t in self.toks:
            if t.kind in ("str", "cmd") and HOME_MARK in t.value:
                t.value = t.value.replace(HOME_MARK, home)
        self.strings = {t.value for t in self.toks if t.kind == "str" and isinstance(t.value, str)}
        self.match = _brackets(self.toks)
        handler = getattr(self, "_" + self.lang)
        tick = _ticker(self.ctx)
        for i, t in enumerate(self.toks):
            tick()
            if t.kind == "cmd":
                what = "backticks" if t.text == "`" else t.text
                self.shell(t.value if t.lit else None, what, t.value, i)
            elif t.kind == "id":
                handler(i, t)

    # ---- argument evaluation ---------------------------------------------------------------------------------
    def _name_at(self, i):
        """(callee name, receiver text, is method) for the id at i."""
        toks = self.toks
        name = toks[i].text
        if not (i >= 2 and toks[i - 1].kind == "op" and toks[i - 1].text in _ACCESSORS):
            return name, "", False
        j, parts = i - 2, []
        while j >= 0 and len(parts) < 8:   # bounded: a receiver is a few names, not a whole chain
            t = toks[j]
            if t.kind == "op" and t.text in (")", "]"):
                # skip back over a call's arguments or an index to what precedes it
                opener = "(" if t.text == ")" else "["
                depth, k = 0, j
                while k >= 0 and j - k < 2000:
                    if toks[k].kind == "op" and toks[k].text == t.text:
                        depth += 1
                    elif toks[k].kind == "op" and toks[k].text == opener:
                        depth -= 1
                        if depth == 0:
                            break
                    k -= 1
                parts.append(opener + t.text)
                j = k - 1
                continue
            if t.kind != "id":
                break
            parts.append(t.text)
            if j >= 1 and toks[j - 1].kind == "op" and toks[j - 1].text in _ACCESSORS:
                j -= 2
                continue
            break
        receiver = ""
        for p in reversed(parts):
            receiver += p if p in ("()", "[]") else ("." if receiver else "") + p
        return name, receiver, True

    def _call_args(self, i, bare=False):
        """Arguments of the call whose name is the id at i, or None when it is not called here."""
        toks = self.toks
        j = i + 1
        if j < len(toks) and toks[j].kind == "op" and toks[j].text == "(":
            return _split_args(toks, j, self.match)[0]
        if j < len(toks) and toks[j].kind == "str" and toks[j].text == "`" and self.lang == "js":
            return [[toks[j]]]   # a tagged template: $`rm -rf ~`
        if bare and j < len(toks) and toks[j].line == toks[i].line and (
                toks[j].kind in ("str", "list", "cmd", "id", "num") or (toks[j].kind == "op" and toks[j].text == "[")):
            if toks[j].kind == "id" and toks[j].text in _STOP_WORDS:
                return None
            return _bare_args(toks, j, toks[j].line, self.match)[0]
        return None

    def value(self, arg):
        """The exact string an argument's tokens evaluate to, or None."""
        if not arg:
            return None
        if len(arg) == 1:
            t = arg[0]
            if t.kind == "str":
                return t.value if t.lit else None
            return self._home_form(arg)
        concat = self.CONCAT[self.lang]
        if all((k % 2 == 0 and t.kind == "str") or (k % 2 == 1 and t.kind == "op" and t.text == concat)
               for k, t in enumerate(arg)) and len(arg) % 2 == 1:
            if all(t.lit for t in arg[::2]):
                return "".join(t.value for t in arg[::2])
            return None
        home = self._home_form(arg)
        if home is not None:
            return home
        # path.join(a, b) / File.join(a, b) / File.expand_path(a)
        if len(arg) <= 64 and arg[0].kind == "id" and arg[-1].kind == "op" and arg[-1].text == ")":
            depth, k = 0, len(arg) - 1   # the '(' that the final ')' closes
            while k >= 0:
                if arg[k].kind == "op" and arg[k].text == ")":
                    depth += 1
                elif arg[k].kind == "op" and arg[k].text == "(":
                    depth -= 1
                    if depth == 0:
                        break
                k -= 1
            if k <= 0:
                return None
            head = "".join(("'%s'" % t.value) if t.kind == "str" else "." if t.text in _ACCESSORS else t.text
                           for t in arg[:k]).replace('"', "'")
            head = re.sub(r"^require\('(?:node:)?path'\)\.", "path.", head)
            if head not in _JOIN_FUNCTIONS:
                return None
            items, end = _split_args(arg, k)
            parts = [self.value(a) for a in items]
            if end != len(arg) or not parts or None in parts:
                return None
            if head == "File.expand_path":
                parts[0] = _expand_home(self.ctx, parts[0])
            return os.path.join(*parts)
        return None

    def _home_form(self, arg):
        if len(arg) > 16:
            return None
        key = "".join(("'%s'" % t.value) if t.kind == "str" else t.text for t in arg).replace('"', "'")
        return _home(self.ctx) if key in _HOME_FORMS else None

    def template(self, arg):
        """A string with unknown parts replaced by DYN (for URLs), or None when nothing literal is there."""
        v = self.value(arg)
        if v is not None:
            return v
        if len(arg) == 1 and arg[0].kind == "str":
            return arg[0].value
        if len(arg) > 64:
            return None
        parts = []
        concat = self.CONCAT[self.lang]
        for t in arg:
            if t.kind == "str":
                parts.append(t.value)
            elif t.kind == "op" and t.text == concat:
                continue
            elif not parts or parts[-1] != DYN:
                parts.append(DYN)
        return "".join(parts) if any(p != DYN for p in parts) else None

    def strings_of(self, arg):
        """A literal array of strings (`["rm", "-rf", "/"]`, `%w(rm -rf /)`, `qw(…)`), or None."""
        if len(arg) == 1 and arg[0].kind == "list":
            return list(arg[0].value) if arg[0].lit else None
        if len(arg) >= 2 and arg[0].kind == "op" and arg[0].text == "[" and arg[-1].kind == "op" and arg[-1].text == "]":
            items = _split_args(arg, 0)[0]
            vals = [self.value(a) for a in items]
            return None if (None in vals or not vals) else vals
        return None

    def option(self, args, key):
        """The tokens of `key: value` / `key => value` / `"key": value` at the top level of an options object
        argument (`{method: "DELETE"}`, Ruby/Perl/PHP hashes). Looks at the first few hundred tokens only."""
        for arg in args:
            if not arg or arg[0].kind != "op" or arg[0].text != "{":
                continue
            depth, head = 0, arg[:300]
            for k, t in enumerate(head):
                if t.kind == "op" and t.text in ("(", "[", "{"):
                    depth += 1
                elif t.kind == "op" and t.text in (")", "]", "}"):
                    depth -= 1
                elif depth == 1 and ((t.kind == "id" and t.text == key) or (t.kind == "str" and t.value == key)) \
                        and k + 1 < len(head) and head[k + 1].kind == "op" and head[k + 1].text in (":", "=>"):
                    out, inner = [], 0
                    for u in head[k + 2:]:
                        if u.kind == "op" and u.text in ("(", "[", "{"):
                            inner += 1
                        elif u.kind == "op" and u.text in (")", "]", "}"):
                            if inner == 0:
                                break
                            inner -= 1
                        elif u.kind == "op" and u.text == "," and inner == 0:
                            break
                        out.append(u)
                    return out
        return None

    def option_true(self, args, key):
        v = self.option(args, key)
        return bool(v) and v[0].kind == "id" and v[0].text in ("true", "1")

    def src(self, i):
        """The source line of token i, for display."""
        if self.lines is None:
            self.lines = self.code.split("\n")
        line = self.toks[i].line
        return self.lines[line - 1].strip()[:300] if 0 < line <= len(self.lines) else ""

    # ---- reports -----------------------------------------------------------------------------------------------
    def delete(self, kind, arg, what, i):
        value = self.value(arg) if arg else None
        _delete(self.ctx, kind, value, self.origin, what, self.src(i))

    def shell(self, text, what, expr, i):
        if text is None:
            _dynamic_exec(self.ctx, self.origin, what, expr, self.src(i))
        else:
            self.ctx.shell(text, "%s %s" % (_LANG_NAMES[self.lang].lower(), what))

    def exec_args(self, args, what, i, shell_flag=False, options=()):
        """exec-style arguments: one string (a shell command) or a program and its arguments (several strings,
        or a string and an array). Options (`{cwd: …}`, Ruby `chdir: …`) may follow, or come in `options`."""
        if not args:
            return
        if self.lang in ("ruby", "perl") and args[0] and args[0][0].kind == "op" and args[0][0].text == "{":
            args = args[1:]   # Ruby/Perl: an environment hash first
            if not args:
                return
        opts = [a for a in list(args[1:]) + list(options) if _is_option(a)]
        args = [args[0]] + [a for a in args[1:] if not _is_option(a)]
        cwd = self.option([_as_object(a) for a in opts], "cwd") or self.option([_as_object(a) for a in opts],
                                                                             "chdir")
        prefix = _cwd_prefix(cwd is not None, self.value(cwd) if cwd else None)
        first = self.value(args[0])
        if first is None:
            argv = self.strings_of(args[0])
            if argv is not None:
                self.shell(prefix + _shell_join(argv), what, "", i)
                return
            self.shell(None, what, _show(args[0]), i)
            return
        if len(args) == 1:
            self.shell(prefix + first, what, "", i)
            return
        argv = [first]
        for a in args[1:]:
            lst = self.strings_of(a)
            v = self.value(a)
            if lst is not None:
                argv.extend(lst)
            elif v is not None:
                argv.append(v)
            else:
                self.shell(None, what, _show(a), i)
                return
        self.shell(prefix + (" ".join(argv) if shell_flag else _shell_join(argv)), what, "", i)

    def nested(self, args, what, i):
        """eval("…") of the same language."""
        if not args:
            return
        code = self.value(args[0])
        if code is None:
            _dynamic_exec(self.ctx, self.origin, what, _show(args[0]), self.src(i))
            return
        if self.depth >= MAX_NESTING:
            _unparsed(self.ctx, self.origin, "eval nested more than %d levels" % MAX_NESTING, code)
            return
        _Scan(self.ctx, self.lang, "%s %s()" % (self.origin, what), code, self.depth + 1).run()

    def sql(self, args):
        if args:
            text = self.value(args[0])
            if text is None and len(args[0]) == 1 and args[0][0].kind == "str":
                text = args[0][0].value.replace(DYN, SQL_DYN)
            if text and looks_like_sql(text):
                self.ctx.sql(text, _LANG_NAMES[self.lang].lower())
                return True
        return False

    def http(self, method, url_arg, body):
        url = self.template(url_arg) if url_arg else None
        self.ctx.http(method, url or DYN, body, (), _LANG_NAMES[self.lang].lower())

    def json_body(self, arg):
        """A literal JS/Ruby object or a string as a request body: JSON text, or None."""
        if not arg:
            return None
        v = self.value(arg)
        if v is not None:
            return v
        if arg[0].kind == "id" and arg[0].text == "JSON" and len(arg) > 3:   # JSON.stringify({…})
            k = next((x for x, t in enumerate(arg) if t.kind == "op" and t.text == "("), None)
            if k is not None:
                inner = _split_args(arg, k)[0]
                return self.json_body(inner[0]) if inner else None
        obj = self._object(arg)
        if obj is None:
            return None
        import json
        return json.dumps(obj)

    def _object(self, arg, depth=0):
        if depth > 20 or not arg:
            return DYN
        t = arg[0]
        if t.kind == "op" and t.text == "{" and arg[-1].kind == "op" and arg[-1].text == "}":
            out = {}
            for item in _split_args(arg, 0)[0]:
                for k, u in enumerate(item):
                    if u.kind == "op" and u.text in (":", "=>"):
                        key = item[0].value if item[0].kind == "str" else item[0].text
                        out[key] = self._object(item[k + 1:], depth + 1)
                        break
            return out
        if t.kind == "op" and t.text == "[" and arg[-1].kind == "op" and arg[-1].text == "]":
            return [self._object(a, depth + 1) for a in _split_args(arg, 0)[0]]
        if len(arg) == 1 and t.kind == "num":
            try:
                return float(t.text) if "." in t.text else int(t.text)
            except ValueError:
                return DYN
        if len(arg) == 1 and t.kind == "id" and t.text in ("true", "false", "null", "nil"):
            return {"true": True, "false": False}.get(t.text)
        v = self.value(arg)
        return v if v is not None else DYN

    # ---- JavaScript / TypeScript (node, deno, bun) -------------------------------------------------------------
    def _js(self, i, t):
        name, receiver, method = self._name_at(i)
        strings = self.strings
        rec0 = receiver.split(".")[0].split("(")[0] if receiver else ""
        # `exec`, `spawn`, `rm`, `unlink` are common method names (regex.exec, list.rm …): they count only when
        # the code loads the module that defines them, or calls them on it.
        child_process = any("child_process" in s for s in strings) or rec0 in _JS_CP_RECEIVERS
        fs_mod = any(s in _JS_FS_MODULES for s in strings) or rec0 in _JS_FS_RECEIVERS
        toks = self.toks
        # renaming an exec function (`const {execSync: run} = require("child_process")`) hides later calls
        if child_process and name in _JS_EXEC and i + 1 < len(toks) and toks[i + 1].text == ":" \
                and toks[i - 1].text in ("{", ","):
            _dynamic_exec(self.ctx, self.origin, name, "renamed " + name, self.src(i))
            return
        args = self._call_args(i)
        if args is None:
            return
        full = (receiver + "." if receiver else "") + name
        first = args[0] if args else None
        # SQL first: db.exec("DROP TABLE …") is a database call even when child_process is loaded too
        if method and name in _JS_SQL_METHODS and self.sql(args):
            return
        # deletions
        if name == "rm" and rec0 in ("shell", "shelljs"):
            flags = self.value(first) or "" if first else ""
            paths = args[1:] if flags.startswith("-") else args
            kind = "code:delete-tree" if flags.startswith("-") and "r" in flags.lower() else "code:delete-file"
            for a in paths:
                self.delete(kind, a, "shell.rm", i)
            return
        if name in ("rmSync", "rmdirSync") or (name in ("rm", "rmdir", "remove", "removeSync") and fs_mod):
            recursive = self.option_true(args[1:], "recursive") or (name in ("remove", "removeSync")
                                                                     and rec0 != "Deno")
            self.delete("code:delete-tree" if recursive else "code:delete-file", first, full, i)
            return
        if name == "unlinkSync" or (name == "unlink" and fs_mod):
            self.delete("code:delete-file", first, full, i)
            return
        if name in ("emptyDir", "emptyDirSync", "rimraf", "rimrafSync", "deleteSync") or (
                rec0 == "rimraf" and name in ("sync", "native", "manual")) or (name == "deleteAsync" and "del" in strings):
            self.delete("code:delete-tree", first, full, i)
            return
        # commands
        if rec0 == "Bun" and name in ("spawn", "spawnSync"):
            cmd = self.option(args, "cmd")
            self.exec_args([cmd] if cmd is not None else args[:1], full, i)
            return
        if name == "$" and (rec0 == "Bun" or "zx" in strings or "bun" in strings):
            self.exec_args(args[:1], "$`…`", i)
            return
        if name == "Command" and rec0 == "Deno":
            rest = self.option(args[1:], "args")
            self.exec_args(args[:1] + ([rest] if rest is not None else []), full, i, options=args[1:])
            return
        if name == "run" and rec0 == "Deno":
            cmd = self.option(args, "cmd")
            if cmd is not None:
                self.exec_args([cmd], full, i)
            return
        if name == "exec" and rec0 in ("shell", "shelljs"):
            self.exec_args(args[:1], full, i)
            return
        if name in _JS_EXEC and (child_process or name in ("execSync", "spawnSync", "execFileSync")):
            if name in ("exec", "execSync"):
                self.exec_args(args[:1], full, i, options=args[1:])
            else:   # spawn(program, [args], {options}); a callback may follow execFile's
                self.exec_args(args[:2], full, i, self.option_true(args[1:], "shell"), options=args[2:])
            return
        if (name in ("eval", "Function") and not method) or (name.startswith("runIn") and rec0 == "vm"):
            self.nested(args[-1:] if name == "Function" else args, name, i)
            return
        # HTTP
        if name == "fetch" and (not method or rec0 in ("globalThis", "window", "self")):
            opts = args[1:]
            m = self.value(self.option(opts, "method") or [])
            if m and m.upper() in ("DELETE", "POST", "PUT", "PATCH"):
                self.http(m.upper(), first, self.json_body(self.option(opts, "body")))
            return
        if rec0 in ("axios", "got", "ky", "superagent") and name in _HTTP_WRITE_JS:
            body = self.json_body(args[1]) if len(args) > 1 and _HTTP_WRITE_JS[name] != "DELETE" else None
            self.http(_HTTP_WRITE_JS[name], first, body)
            return
        if name == "axios" and not method and first and first[0].text == "{":
            m = self.value(self.option(args, "method") or [])
            if m and m.upper() in ("DELETE", "POST", "PUT", "PATCH"):
                self.http(m.upper(), self.option(args, "url"), self.json_body(self.option(args, "data")))

    # ---- Ruby -------------------------------------------------------------------------------------------------
    def _ruby(self, i, t):
        name, receiver, method = self._name_at(i)
        rec0 = receiver.split(".")[0] if receiver else ""
        known = (name in _RB_TREE or name in _RB_FILE) and rec0 in ("FileUtils", "File", "Dir", "") \
            or name in _RB_EXEC or name in ("eval", "rmtree", "delete", "execute", "exec_query", "query")
        if not known:
            return
        if name == "rmtree" and method and rec0 != "FileUtils":
            # Pathname#rmtree: the path is the receiver (`Pathname.new("/").rmtree`)
            rec_toks = self._receiver_call_arg(i)
            return self.delete("code:delete-tree", rec_toks, "Pathname#rmtree", i)
        args = self._call_args(i, bare=True)
        if args is None:
            return
        if rec0 == "FileUtils" or (not method and name in ("rm_rf", "rm_r", "remove_dir", "remove_entry")):
            if name in _RB_TREE:
                return self._each_path("code:delete-tree", args, "FileUtils." + name, i)
            if name in _RB_FILE:
                return self._each_path("code:delete-file", args, "FileUtils." + name, i)
        if rec0 in ("File", "Dir") and name in ("delete", "unlink", "rmdir"):
            return self._each_path("code:delete-file", args, rec0 + "." + name, i)
        if name in _RB_EXEC and (not method or rec0 in ("Kernel", "IO", "Open3", "Process", "PTY")):
            return self.exec_args(args, (receiver + "." if receiver else "") + name, i)
        if name == "eval" and not method:
            return self.nested(args, name, i)
        if method and name in ("execute", "exec_query", "query", "exec"):
            self.sql(args)
            return
        if method and name == "delete" and rec0 in ("HTTParty", "RestClient", "Faraday", "Net", "HTTP"):
            self.http("DELETE", args[0] if args else None, None)

    def _receiver_call_arg(self, i):
        """For `Pathname.new("/x").rmtree` / `Pathname("/x").rmtree`: the tokens of the constructor's argument."""
        toks = self.toks
        j = i - 2   # the token before the accessor
        if j >= 0 and toks[j].kind == "op" and toks[j].text == ")":
            opener = next((k for k, end in self.match.items() if end == j), None)
            if opener is not None and opener >= 1 and toks[opener - 1].kind == "id" and \
                    toks[opener - 1].text in ("new", "Pathname"):
                items = _split_args(toks, opener, self.match)[0]
                return items[0] if len(items) == 1 else None
        return None

    def _each_path(self, kind, args, what, i):
        for a in args or [None]:
            lst = self.strings_of(a) if a else None
            if lst is not None:
                for p in lst:
                    _delete(self.ctx, kind, p, self.origin, what, self.src(i))
            elif a and a[0].kind == "op" and a[0].text in ("{", ":"):
                continue   # options: `verbose: true`
            elif a and len(a) >= 2 and a[1].kind == "op" and a[1].text in (":", "=>"):
                continue
            else:
                self.delete(kind, a, what, i)

    # ---- Perl -------------------------------------------------------------------------------------------------
    def _perl(self, i, t):
        name, receiver, method = self._name_at(i)
        if name not in _PL_NAMES or (method and name not in ("rmtree", "remove_tree", "do", "prepare", "delete")):
            return
        args = self._call_args(i, bare=True)
        if args is None:
            if name == "unlink":   # `unlink;` deletes $_
                self.delete("code:delete-file", None, "unlink", i)
            return
        if name in ("unlink", "rmdir"):
            return self._each_path("code:delete-file", args, name, i)
        if name in ("rmtree", "remove_tree"):
            return self._each_path("code:delete-tree", [a for a in args if not (a and a[0].text == "{")], name, i)
        if name in ("system", "exec"):
            if args and args[0] and args[0][0].kind == "op" and args[0][0].text == "{":
                args = args[1:]   # exec { $prog } @args
            return self.exec_args(args, name, i)
        if name == "readpipe":
            return self.exec_args(args[:1], name, i)
        if name == "open" and len(args) >= 2:
            mode = self.value(args[1])
            if mode in ("-|", "|-") and len(args) >= 3:
                return self.exec_args(args[2:], "open " + mode, i)
            if mode and (mode.rstrip().endswith("|") or mode.lstrip().startswith("|")):
                return self.shell(mode.strip().strip("|").strip(), "open pipe", "", i)
            if mode is None and args[1] and args[1][0].kind == "str" and "|" in (args[1][0].value or ""):
                return self.shell(None, "open pipe", args[1][0].value, i)
            return
        if name == "eval":
            if args and args[0] and args[0][0].kind == "op" and args[0][0].text == "{":
                return
            return self.nested(args, name, i)
        if method and name in ("do", "prepare"):
            self.sql(args)
            return
        if method and name == "delete":
            url = self.value(args[0]) if args else None
            if url and url.startswith(("http://", "https://")):
                self.http("DELETE", args[0], None)

    # ---- PHP --------------------------------------------------------------------------------------------------
    def _php(self, i, t):
        name, receiver, method = self._name_at(i)
        lname = name.lower()
        if method:
            if lname in ("query", "exec", "prepare", "execute_query", "multi_query"):
                args = self._call_args(i)
                if args is not None:
                    self.sql(args)
            return
        if lname not in _PHP_NAMES:
            return
        if i >= 1 and self.toks[i - 1].kind == "id" and self.toks[i - 1].text.lower() == "function":
            return
        args = self._call_args(i)
        if args is None:
            return
        if lname in ("unlink", "rmdir"):
            return self.delete("code:delete-file", args[0] if args else None, lname, i)
        if lname in ("exec", "shell_exec", "system", "passthru", "popen", "proc_open", "pcntl_exec"):
            if lname == "pcntl_exec":
                return self.exec_args(args[:2], lname, i)
            return self.exec_args(args[:1], lname, i)
        if lname in ("mysqli_query", "pg_query", "mysqli_multi_query", "sqlite_exec"):
            return self.sql(args[1:] if len(args) > 1 else args)
        if lname == "eval":
            return self.nested(args, lname, i)


_LANG_NAMES = {"js": "JavaScript", "ruby": "Ruby", "perl": "Perl", "php": "PHP"}
_JS_EXEC = frozenset({"exec", "execSync", "spawn", "spawnSync", "execFile", "execFileSync"})
_JS_FS_MODULES = frozenset({"fs", "node:fs", "fs/promises", "node:fs/promises", "fs-extra", "graceful-fs"})
_JS_FS_RECEIVERS = frozenset({"fs", "fsp", "fse", "fsExtra", "fsPromises", "promises", "Deno"})
_JS_CP_RECEIVERS = frozenset({"child_process", "cp", "childProcess", "child"})
_JS_SQL_METHODS = frozenset({"query", "exec", "execute", "run", "prepare", "raw", "$executeRawUnsafe",
                             "$queryRawUnsafe", "$executeRaw", "$queryRaw", "unsafe", "sql"})
_ACCESSORS = frozenset({".", "::", "->", "?."})
_JOIN_FUNCTIONS = frozenset({"path.join", "path.resolve", "File.join", "File.expand_path", "Path.join",
                             "path.posix.join"})
_RISKY_WORDS = re.compile(r"\b(system|exec\w*|spawn\w*|unlink\w*|rm\w*|rmdir|rmtree|remove\w*|delete|passthru|"
                          r"popen\w*|proc_open|qx|eval|child_process|FileUtils|Deno|Bun|fetch|axios|query|"
                          r"execute|do|open|readpipe|Open3|IO|Kernel)\b|`")
_HTTP_WRITE_JS = {"delete": "DELETE", "del": "DELETE", "post": "POST", "put": "PUT", "patch": "PATCH"}
_RB_TREE = frozenset({"rm_rf", "rm_r", "remove_dir", "remove_entry", "remove_entry_secure", "rmtree", "rm_rf!"})
_RB_FILE = frozenset({"rm", "rm_f", "remove", "safe_unlink", "rmdir", "remove_file", "delete", "unlink"})
_RB_EXEC = frozenset({"system", "exec", "spawn", "popen", "popen2", "popen2e", "popen3", "capture2", "capture2e",
                      "capture3", "pipeline", "pipeline_r", "pipeline_w", "pipeline_rw", "pipeline_start"})
_PL_NAMES = frozenset({"unlink", "rmdir", "rmtree", "remove_tree", "system", "exec", "readpipe", "open", "eval",
                       "do", "prepare", "delete"})
_PHP_NAMES = frozenset({"unlink", "rmdir", "exec", "shell_exec", "system", "passthru", "popen", "proc_open",
                        "pcntl_exec", "mysqli_query", "pg_query", "mysqli_multi_query", "eval"})
_HOME_FORMS = frozenset({
    # JavaScript
    "os.homedir()", "require('os').homedir()", "require('node:os').homedir()", "process.env.HOME",
    "process.env['HOME']", "Deno.env.get('HOME')", "Bun.env.HOME", "os.homedir", "homedir()",
    # Ruby
    "Dir.home", "Dir.home()", "ENV['HOME']", "ENV.fetch('HOME')", "File.expand_path('~')", "Etc.getpwuid.dir",
    # Perl
    "$ENV{HOME}", "$ENV{'HOME'}", "glob('~')", "File::HomeDir->my_home",
    # PHP
    "getenv('HOME')", "$_SERVER['HOME']", "$_ENV['HOME']",
})


def _scan(lang):
    def analyze(ctx, code, origin, depth=0):
        protected_literals(ctx, code, origin)
        if lang == "php" and ("<?php" in code or "<?=" in code or code.lstrip().startswith("<?")):
            start = code.find("<?")
            code = code[start:]
            code = code[5:] if code.startswith("<?php") else code[3:] if code.startswith("<?=") else code[2:]
        _Scan(ctx, lang, origin, code, depth).run()
    return analyze


analyze_js = _scan("js")
analyze_ruby = _scan("ruby")
analyze_perl = _scan("perl")
_analyze_php_code = _scan("php")


def analyze_php_file(ctx, text, origin):
    """A PHP file is inline output except inside <?php … ?>: without a tag, nothing runs."""
    if "<?" not in text:
        return
    _analyze_php_code(ctx, text, origin)


# =================================================================================================================
# Command lines of the other interpreters
# =================================================================================================================
NODE_VALUE_OPTS = frozenset({"-r", "--require", "--import", "--loader", "--experimental-loader", "-C",
                             "--conditions", "--input-type", "--env-file", "--title", "--watch-path",
                             "--test-reporter", "--test-reporter-destination", "--inspect-port", "--redirect-warnings",
                             "--icu-data-dir", "--openssl-config", "--tls-cipher-list", "--diagnostic-dir",
                             "--report-dir", "--report-directory", "--report-filename", "--stack-trace-limit"})
NODE_STOP_OPTS = frozenset({"-v", "--version", "-h", "--help", "--v8-options", "-c", "--check", "--test", "--run",
                            "--completion-bash"})


@_guarded
def node(cmd, ctx):
    """node/nodejs: -e/--eval CODE, -p/--print CODE, SCRIPT, or code on stdin."""
    args, label, i = cmd.args, cmd.name, 0
    while i < len(args):
        a = args[i]
        t = a.text
        if a.dynamic:
            break   # judged as the script operand: unseen, or a process substitution
        if t in NODE_STOP_OPTS:
            return
        if t == "--":
            i += 1
            break
        if t == "-":
            _code_stdin(cmd, ctx, label, analyze_js)
            return
        for opt in ("--eval=", "--print="):
            if t.startswith(opt):
                _code_arg(ctx, _Arg(t[len(opt):]), label + " " + opt[:-1], analyze_js)
                return
        if t in ("-e", "--eval", "-p", "--print") or re.fullmatch(r"-[pe]{2}", t):
            _code_arg(ctx, args[i + 1] if i + 1 < len(args) else None, "%s %s" % (label, t), analyze_js)
            return
        if t in ("-r", "--require", "--import") and i + 1 < len(args) and (
                args[i + 1].dynamic or args[i + 1].text.startswith((".", "/"))):
            _code_file(ctx, args[i + 1], "%s %s" % (label, t), analyze_js)   # a local module preloaded first
        if t.startswith("-"):
            i += 2 if t in NODE_VALUE_OPTS else 1
            continue
        break
    if i < len(args):
        _code_file(ctx, args[i], label, analyze_js)
    else:
        _code_stdin(cmd, ctx, label, analyze_js)


DENO_VALUE_OPTS = frozenset({"-c", "--config", "--import-map", "--lock", "--cert", "--location", "--seed", "-L",
                             "--log-level", "--ext", "--env-file", "--inspect", "--inspect-brk", "--inspect-wait"})
DENO_RUNS_FILE = frozenset({"run", "serve"})


@_guarded
def deno(cmd, ctx):
    """deno eval CODE, deno run FILE (a URL is remote code), `deno FILE`. Other subcommands are tools."""
    args = cmd.args
    if not args:
        return
    first = args[0]
    if first.dynamic:
        ctx.unseen(first.text[:80], "deno is given an argument known only at run time")
        return
    sub = first.text
    rest = args[1:]
    if sub == "eval":
        operands = _after_options(ctx, rest, DENO_VALUE_OPTS, "deno eval")
        if operands is not None and operands:
            _code_arg(ctx, operands[0], "deno eval", analyze_js)
        return
    if sub in DENO_RUNS_FILE:
        operands = _after_options(ctx, rest, DENO_VALUE_OPTS, "deno " + sub)
    elif sub.endswith(JS_EXTS) or sub.startswith(("http://", "https://", "./", "/", "../")):
        operands = args
    else:
        return
    if not operands:
        return
    script = operands[0]
    if not script.dynamic and script.text.startswith(("http://", "https://")):
        ctx.fact("shell:fetch-exec", script.text, "deno runs a script downloaded from %s, unseen" % script.text)
        return
    if not script.dynamic and script.text.startswith(("npm:", "jsr:")):
        return   # a published package, like npx
    _code_file(ctx, script, "deno " + sub if sub in DENO_RUNS_FILE else "deno", analyze_js)


def _after_options(ctx, args, value_opts, label):
    """The operands after leading options (skipping their values), or None when an option is dynamic."""
    i = 0
    while i < len(args):
        a = args[i]
        if a.dynamic:
            ctx.unseen(a.text[:80], "%s is given an argument known only at run time" % label)
            return None
        t = a.text
        if t == "--":
            return args[i + 1:]
        if t.startswith("-") and t != "-":
            i += 2 if t in value_opts else 1
            continue
        return args[i:]
    return []


BUN_VALUE_OPTS = frozenset({"-r", "--preload", "--cwd", "-c", "--config", "--env-file", "--tsconfig-override",
                            "--define", "-d", "--loader", "-l", "--port", "--conditions", "--main-fields",
                            "--extension-order", "--jsx-factory", "--jsx-fragment", "--jsx-import-source"})


@_guarded
def bun(cmd, ctx):
    """bun -e/--eval CODE, bun -p/--print CODE, bun FILE.js|ts, bun run FILE. `bun run NAME` is a package
    script (the scripts analyzer reads package.json); other subcommands are tools."""
    args, i = cmd.args, 0
    while i < len(args):
        a = args[i]
        t = a.text
        if a.dynamic:
            break
        if t in ("-e", "--eval", "-p", "--print"):
            _code_arg(ctx, args[i + 1] if i + 1 < len(args) else None, "bun " + t, analyze_js)
            return
        if t.startswith(("--eval=", "--print=")):
            _code_arg(ctx, _Arg(t.split("=", 1)[1]), "bun " + t.split("=", 1)[0], analyze_js)
            return
        if t.startswith("-"):
            i += 2 if t in BUN_VALUE_OPTS else 1
            continue
        break
    if i >= len(args):
        return
    target = args[i]
    if target.text == "run":
        operands = _after_options(ctx, args[i + 1:], BUN_VALUE_OPTS, "bun run")
        if not operands:
            return
        target = operands[0]
    if target.dynamic:
        ctx.unseen(target.text[:80], "bun runs a script whose name is built at run time")
        return
    if target.text.endswith(JS_EXTS) or target.text.startswith(("./", "/", "../")):
        _code_file(ctx, target, "bun", analyze_js)
    elif args[i].text == "run" or target.text not in BUN_COMMANDS:
        # `bun run NAME` / `bun NAME`: a package.json script, read like `npm run NAME`
        from agentsh.model import Arg
        from agentsh.payloads import scripts
        scripts.npm(cmd.replace(name="bun", args=[Arg("run"), target]), ctx)


BUN_COMMANDS = frozenset("""install i add a remove rm update outdated link unlink pm build init create x test upgrade
repl exec publish patch audit info why""".split())


def _inplace(ctx, files, label):
    for f in files:
        target = DYN if f.dynamic else _norm_target(ctx, f.text)
        ctx.fact("code:inplace-edit", target, "%s edits %s in place" % (label, f.text if not f.dynamic else
                                                                        "a file named at run time"))


@_guarded
def ruby(cmd, ctx):
    """ruby -e CODE (repeatable), SCRIPT, or stdin; `-i` edits the files in place."""
    _perl_like(cmd, ctx, "ruby", analyze_ruby, value_letters="rICEFxWK", attached_only="xFWK",
               info=("--version", "--help", "-h", "--copyright"), check_letters="c", digit_letters="0")


@_guarded
def perl(cmd, ctx):
    """perl -e/-E CODE (repeatable), SCRIPT, or stdin; `-i` (`-pi -e …`) edits the files in place."""
    _perl_like(cmd, ctx, "perl", analyze_perl, value_letters="IMmxCdDF", attached_only="MmxCdDF",
               info=("--version", "--help", "-h", "-v", "-V"), check_letters="", digit_letters="l0")


def _perl_like(cmd, ctx, label, analyze, value_letters, attached_only, info, check_letters, digit_letters):
    args, i = cmd.args, 0
    code, inplace, saw_e = [], False, False
    while i < len(args):
        a = args[i]
        t = a.text
        if a.dynamic:
            break   # judged as the script operand: unseen, or a process substitution
        if t in info:
            return
        if t == "--":
            i += 1
            break
        if t.startswith("--"):
            i += 1
            continue
        if not t.startswith("-") or t == "-":
            break
        step = 1
        letters = t[1:]
        j = 0
        while j < len(letters):
            ch = letters[j]
            rest = letters[j + 1:]
            j += 1
            if ch in digit_letters:
                # -l / -0 take optional octal digits (-0xHH: hex), then more flags may follow: -lane, -0777ne
                if ch == "0" and rest.startswith("x"):
                    j += 1
                    while j < len(letters) and letters[j] in "0123456789abcdefABCDEF":
                        j += 1
                while j < len(letters) and letters[j] in "01234567":
                    j += 1
                continue
            if ch in check_letters:
                return
            if ch in "eE" and not (label == "ruby" and ch == "E"):
                saw_e = True
                if rest:
                    code.append(_Arg(rest))
                elif i + 1 < len(args):
                    code.append(args[i + 1])
                    step = 2
                break
            if ch == "i":
                inplace = True
                break   # the rest is the backup suffix
            if ch in value_letters:
                if not rest and ch not in attached_only:
                    step = 2
                break
        i += step
    operands = args[i:]
    if inplace:
        files = operands if saw_e else operands[1:]
        _inplace(ctx, files, label + " -i")
    if saw_e:
        for a in code:
            _code_arg(ctx, a, label + " -e", analyze)
        return
    if operands and operands[0].text != "-":
        _code_file(ctx, operands[0], label, analyze)
    else:
        _code_stdin(cmd, ctx, label, analyze)


PHP_VALUE_OPTS = frozenset({"-d", "-c", "-S", "-t", "-z", "--define", "--php-ini", "--zend-extension"})
PHP_STOP_OPTS = frozenset({"-v", "--version", "-h", "--help", "-i", "--info", "-m", "--modules", "-l", "--syntax-check",
                           "-s", "--syntax-highlight", "-a", "--interactive", "--ini", "-w", "--strip"})


@_guarded
def php(cmd, ctx):
    """php -r CODE (and -B/-R/-E per-line code), -f FILE, FILE, or stdin."""
    args, i, ran = cmd.args, 0, False
    while i < len(args):
        a = args[i]
        t = a.text
        if a.dynamic:
            break
        if t in PHP_STOP_OPTS:
            return
        if t == "--":
            i += 1
            break
        if t in ("-r", "--run", "-B", "--process-begin", "-R", "--process-code", "-E", "--process-end"):
            _code_arg(ctx, args[i + 1] if i + 1 < len(args) else None, "php " + t, _analyze_php_code)
            ran = True
            i += 2
            continue
        if t in ("-f", "--file", "-F", "--process-file"):
            if i + 1 < len(args):
                _code_file(ctx, args[i + 1], "php", analyze_php_file)
            return
        if len(t) > 2 and t[:2] in ("-r", "-B", "-R", "-E") and not t.startswith("--"):
            _code_arg(ctx, _Arg(t[2:]), "php " + t[:2], _analyze_php_code)
            ran = True
            i += 1
            continue
        if t.startswith("-"):
            i += 2 if t in PHP_VALUE_OPTS else 1
            continue
        break
    if ran:
        return
    if i < len(args):
        _code_file(ctx, args[i], "php", analyze_php_file)
    else:
        _code_stdin(cmd, ctx, "php", analyze_php_file)

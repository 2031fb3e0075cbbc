"""Stage 3: see through wrappers and nested shells.

`unwrap(cmd)` looks at one resolved command and returns what it really runs:
- `Inner(command)`: a wrapper peeled off (`sudo`, `env`, `timeout`, `xargs`, `find -exec`, `docker exec`, …);
- `Script(text, …)`: shell text run by a nested shell (`bash -c`, `eval`, `ssh host …`, `su -c`, `watch`, content
  piped or redirected into a shell), which the analyzer parses and analyzes recursively;
- `Note(kind, …)`: something the analyzer cannot see through (fetched or decoded content executed, an unknown
  script on stdin, an interactive shell), which rules in `rules/shell.toml` turn into findings.

Each wrapper is described by the options that take a value, so that `sudo -u postgres -E rm …` and
`timeout -k 5 30 rm …` find the right word. An undeclared option that does take a value would make the
analyzer read that value as the command: keep the option tables complete for every wrapper listed here.
"""
from __future__ import annotations

import os
import re


from agentsh.expand import join_path
from agentsh.model import Arg, Command, Record, StdinSource

SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "ksh93", "mksh", "ash", "yash", "posh", "rbash", "fish",
                    "tcsh", "csh", "agentsh"})


class Inner(Record):
    __slots__ = ("command", "step")


class Script(Record):
    # remote: runs on another host or container, where local variables and cwd do not apply
    # positional: the words after `bash -c TEXT`, which bash makes $0, $1, … (None: the caller's own)
    __slots__ = ("text", "step", "remote", "stdin", "positional")
    _defaults = {"remote": False, "stdin": None, "positional": None}


class Note(Record):
    __slots__ = ("kind", "target", "detail")


class ScriptFile(Record):
    """A shell script file the command runs (`bash x.sh`, `source x`, `bash < x`): the analyzer reads it.
    optional: a start-up file the shell skips when it does not exist (`~/.bashrc`, `$BASH_ENV`).
    alternatives: read the first of path, *alternatives that exists (a login shell's profile)."""
    __slots__ = ("path", "step", "optional", "alternatives")
    _defaults = {"optional": False, "alternatives": ()}


# ---- option scanning -------------------------------------------------------------------------------------------
def scan_options(args, short_values="", long_values=(), stop_at_operand=True, plus_options=False):
    """Return (options, index of the first operand). Options: list of (name, value | None).

    short_values: letters whose option takes a value (`-u user`, `-uuser`); long_values: `--user` style names
    taking a value (`--user=x` or `--user x`). `--` ends the options.
    """
    opts = []
    i, n = 0, len(args)
    while i < n:
        a = args[i]
        t = a.text
        if a.dynamic and t.startswith("$"):
            return opts, i
        if t == "--":
            return opts, i + 1
        if t.startswith("--") and len(t) > 2:
            name, eq, value = t.partition("=")
            if eq:
                opts.append((name, value))
            elif name in long_values and i + 1 < n:
                opts.append((name, args[i + 1].text))
                i += 1
            else:
                opts.append((name, None))
            i += 1
            continue
        if (t.startswith("-") or (plus_options and t.startswith("+"))) and len(t) > 1:
            sign = t[0]
            j = 1
            while j < len(t):
                letter = t[j]
                if letter in short_values:
                    if j + 1 < len(t):
                        opts.append((sign + letter, t[j + 1:]))
                    elif i + 1 < n:
                        opts.append((sign + letter, args[i + 1].text))
                        i += 1
                    else:
                        opts.append((sign + letter, None))
                    break
                opts.append((sign + letter, None))
                j += 1
            i += 1
            continue
        if stop_at_operand:
            return opts, i
        i += 1
    return opts, n


def _inner(cmd: Command, argv, step, **changes) -> Inner | None:
    if not argv:
        return None
    argv0 = argv[0]
    name = "" if argv0.dynamic else os.path.basename(argv0.text)
    new = cmd.replace(name=name, argv0=argv0, args=list(argv[1:]), via=cmd.via + (step,), **changes)
    return Inner(new, step)


def _opt(opts, *names):
    for k, v in opts:
        if k in names:
            return v if v is not None else ""
    return None


def _has(opts, *names):
    return any(k in names for k, _ in opts)


# ---- the wrappers ----------------------------------------------------------------------------------------------
def _sudo(cmd):
    opts, i = scan_options(cmd.args, short_values="ughpCDrtTU",
                           long_values=("--user", "--group", "--host", "--prompt", "--close-from", "--chdir",
                                        "--role", "--type", "--command-timeout", "--other-user"))
    rest = cmd.args[i:]
    assignments = dict(cmd.assignments)
    while rest and "=" in rest[0].text and rest[0].text.split("=", 1)[0].isidentifier():
        k, v = rest[0].text.split("=", 1)
        assignments[k] = None if rest[0].dynamic else v
        rest = rest[1:]
    if _has(opts, "-e", "--edit"):
        return [Note("sudoedit", " ".join(a.text for a in rest), "sudo -e edits files as root")]
    cwd = cmd.cwd
    chdir = _opt(opts, "-D", "--chdir")
    if chdir:
        cwd = join_path(cmd.cwd, chdir)
    if _has(opts, "-s", "--shell", "-i", "--login"):
        if rest:
            return [Script(" ".join(a.text for a in rest), "sudo -s")]
        return [Note("interactive-shell", "sudo " + ("-i" if _has(opts, "-i", "--login") else "-s"),
                     "an interactive root shell is not vetted command by command")]
    if _has(opts, "-l", "--list", "-v", "--validate", "-k", "-K", "--reset-timestamp", "--remove-timestamp",
            "-V", "--version", "-h", "--help"):
        if not rest:
            return []
    r = _inner(cmd, rest, "sudo", assignments=assignments, cwd=cwd)
    return [r] if r else []


def _doas(cmd):
    opts, i = scan_options(cmd.args, short_values="uC")
    rest = cmd.args[i:]
    if _has(opts, "-s") and not rest:
        return [Note("interactive-shell", "doas -s", "an interactive root shell is not vetted command by command")]
    r = _inner(cmd, rest, "doas")
    return [r] if r else []


def _env(cmd):
    args = cmd.args
    assignments = dict(cmd.assignments)
    cwd = cmd.cwd
    opts, i = scan_options(args, short_values="uCSP", long_values=("--unset", "--chdir", "--split-string",
                                                                    "--default-signal", "--ignore-signal",
                                                                    "--block-signal"))
    for k, v in opts:
        if k in ("-S", "--split-string") and v is not None:
            return [Script(v + " " + " ".join(_sq(a.text) for a in args[i:]), "env -S")]
        if k in ("-C", "--chdir"):
            cwd = join_path(cwd, v) if v else None
    n = len(args)
    while i < n and "=" in args[i].text and args[i].text.split("=", 1)[0].isidentifier():
        k, v = args[i].text.split("=", 1)
        assignments[k] = None if args[i].dynamic else v
        i += 1
    r = _inner(cmd, args[i:], "env", assignments=assignments, cwd=cwd)
    return [r] if r else []


def _simple_prefix(short_values="", long_values=(), operands_before=0, step=None):
    """Wrappers shaped `WRAPPER [options] [N fixed operands] COMMAND…`."""
    def unwrap(cmd):
        opts, i = scan_options(cmd.args, short_values, long_values)
        i += operands_before
        r = _inner(cmd, cmd.args[i:], step or cmd.name)
        return [r] if r else []
    return unwrap


def _nice(cmd):
    args = cmd.args
    i = 0
    while i < len(args):
        t = args[i].text
        if t in ("-n", "--adjustment") and i + 1 < len(args):
            i += 2
        elif t.startswith("-") and t != "-" and (t[1:].lstrip("-").isdigit() or t.startswith("--adjustment=")
                                                  or t.startswith("-n")):
            i += 1
        elif t == "--":
            i += 1
            break
        else:
            break
    r = _inner(cmd, args[i:], "nice")
    return [r] if r else []


def _command(cmd):
    opts, i = scan_options(cmd.args, "")
    if _has(opts, "-v", "-V"):
        return []   # `command -v x` only looks x up
    r = _inner(cmd, cmd.args[i:], "command")
    return [r] if r else []


def _exec(cmd):
    opts, i = scan_options(cmd.args, short_values="a")
    r = _inner(cmd, cmd.args[i:], "exec")
    return [r] if r else []


def _busybox(cmd):
    if cmd.args and not cmd.args[0].text.startswith("-"):
        r = _inner(cmd, cmd.args, "busybox")
        return [r] if r else []
    return []


def _watch(cmd):
    opts, i = scan_options(cmd.args, short_values="nq",
                           long_values=("--interval", "--differences", "--equexit", "--chgexit"))
    rest = cmd.args[i:]
    if not rest:
        return []
    if _has(opts, "-x", "--exec"):
        r = _inner(cmd, rest, "watch -x")
        return [r] if r else []
    return [Script(" ".join(a.text for a in rest), "watch")]


def _flock(cmd):
    opts, i = scan_options(cmd.args, short_values="wEc", long_values=("--timeout", "--wait", "--conflict-exit-code",
                                                                       "--command"))
    c = _opt(opts, "-c", "--command")
    if c:
        return [Script(c, "flock -c")]
    rest = cmd.args[i:]
    if len(rest) >= 2:
        rest2_opts, j = scan_options(rest[1:], short_values="wEc", long_values=("--command",))
        c = _opt(rest2_opts, "-c", "--command")
        if c:
            return [Script(c, "flock -c")]
        r = _inner(cmd, rest[1 + j:], "flock")
        return [r] if r else []
    return []


def _chroot(cmd):
    opts, i = scan_options(cmd.args, long_values=("--userspec", "--groups"))
    rest = cmd.args[i:]
    if len(rest) <= 1:
        return [Note("interactive-shell", "chroot", "an interactive shell inside a chroot is not vetted")]
    r = _inner(cmd, rest[1:], "chroot", cwd=None)
    return [r] if r else []


def _xargs(cmd):
    opts, i = scan_options(cmd.args, short_values="adEILnPs",
                           long_values=("--arg-file", "--delimiter", "--eof", "--replace", "--max-lines",
                                        "--max-args", "--max-procs", "--max-chars", "--process-slot-var"))
    rest = list(cmd.args[i:])
    replace_str = _opt(opts, "-I", "--replace", "-i")
    if not rest:
        rest = [Arg("echo")]
    if replace_str:
        rest = [Arg(a.text.replace(replace_str, "<input>"), True, a.glob, a.quoted) if replace_str in a.text
                else a for a in rest]
    else:
        rest = rest + [Arg("<xargs input>", dynamic=True)]
    r = _inner(cmd, rest, "xargs")
    return [r] if r else []


def _parallel(cmd):
    args = cmd.args
    words = []
    i = 0
    value_opts = {"-j", "--jobs", "-S", "--sshlogin", "-a", "--arg-file", "-d", "--delimiter", "-I", "-n",
                  "--max-args", "-N", "--delay", "--timeout", "--halt", "--joblog", "--results", "--tmpdir",
                  "--workdir", "--sshloginfile", "-P", "--max-procs", "--colsep", "-E", "--env"}
    while i < len(args) and args[i].text.startswith("-"):
        i += 2 if args[i].text in value_opts else 1
    while i < len(args) and args[i].text not in (":::", "::::", ":::+", "::::+"):
        words.append(args[i])
        i += 1
    if not words:
        return [Note("stdin-script", "parallel", "parallel runs commands read from its input")]
    dyn = Arg("<parallel input>", dynamic=True)
    if len(words) == 1 and " " in words[0].text:
        text = words[0].text.replace("{}", "\"$PARALLEL_ARG\"")
        return [Script(text, "parallel")]
    words = [Arg(a.text, True, a.glob, a.quoted) if "{" in a.text else a for a in words]
    if not any(a.dynamic for a in words[1:]):
        words = words + [dyn]
    r = _inner(cmd, words, "parallel")
    return [r] if r else []


def _find(cmd):
    out = []
    args = cmd.args
    i = 0
    while i < len(args):
        t = args[i].text
        if t in ("-exec", "-execdir", "-ok", "-okdir"):
            j = i + 1
            inner = []
            while j < len(args) and args[j].text not in (";", "+"):
                a = args[j]
                inner.append(Arg(a.text, True, a.glob, a.quoted) if "{}" in a.text else a)
                j += 1
            cwd = None if t in ("-execdir", "-okdir") else cmd.cwd
            r = _inner(cmd, inner, "find " + t, cwd=cwd)
            if r:
                out.append(r)
            i = j + 1
            continue
        i += 1
    return out


def _git(cmd):
    """`git -C DIR …` runs in DIR. Not a wrapper: the git command itself stays what rules match."""
    if cmd.via and cmd.via[-1] == "git -C":
        return []
    args = cmd.args
    cwd = cmd.cwd
    changed = False
    i = 0
    while i < len(args) and args[i].text.startswith("-"):
        t = args[i].text
        if t == "-C" and i + 1 < len(args):
            d = args[i + 1]
            cwd = None if d.dynamic else join_path(cwd, d.text)
            changed = True
            i += 2
        elif t in ("-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env") and \
                i + 1 < len(args):
            i += 2
        else:
            i += 1
    if not changed:
        return []
    return [Inner(cmd.replace(cwd=cwd, via=cmd.via + ("git -C",)), "git -C")]


# npm packages whose binary has another name (`npx @railway/cli volume delete` runs `railway`)
PACKAGE_BINARIES = {
    "@railway/cli": "railway", "firebase-tools": "firebase", "netlify-cli": "netlify", "@vercel/cli": "vercel",
    "@supabase/cli": "supabase", "neonctl": "neonctl", "@planetscale/cli": "pscale", "aws-cdk": "cdk",
    "@aws-cdk/cli": "cdk", "@pulumi/cli": "pulumi", "heroku-cli": "heroku", "@heroku/cli": "heroku",
    "@cloudflare/wrangler": "wrangler", "turbo": "turbo", "rimraf": "rimraf", "del-cli": "del",
    "@mongosh/cli": "mongosh", "prisma": "prisma", "@prisma/cli": "prisma", "typeorm": "typeorm",
    "sequelize-cli": "sequelize", "drizzle-kit": "drizzle-kit", "knex": "knex", "@mikro-orm/cli": "mikro-orm",
}


def package_binary(spec: str) -> str:
    """The command an npx-style runner executes for a package spec like `@railway/cli@3` or `rimraf@5`."""
    name = spec
    if name.startswith("@"):
        scope, _, rest = name.partition("/")
        name = scope + "/" + rest.split("@", 1)[0]
    else:
        name = name.split("@", 1)[0]
    if name in PACKAGE_BINARIES:
        return PACKAGE_BINARIES[name]
    return (name.split("/", 1)[-1] if name.startswith("@") else name) or spec


def _package_runner(value_opts="", long_values=(), skip_words=0, step=None):
    """npx/bunx/uvx/pipx run: the first operand is a package whose binary runs (`npx rimraf@5 dist`)."""
    def unwrap(cmd):
        args = cmd.args[skip_words:]
        opts, i = scan_options(args, value_opts, long_values)
        call = _opt(opts, "-c", "--call")
        if call:
            return [Script(call, (step or cmd.name) + " -c")]
        rest = list(args[i:])
        if not rest:
            return []
        pkg = rest[0]
        rest[0] = Arg(package_binary(pkg.text), pkg.dynamic, pkg.glob, pkg.quoted)
        r = _inner(cmd, rest, step or cmd.name)
        return [r] if r else []
    return unwrap


_NPX = _package_runner("pc", ("--package", "--call", "--cache", "--userconfig", "--registry"), step="npx")
_UVX = _package_runner("p", ("--from", "--with", "--python", "--index", "--index-url", "--directory"), step="uvx")
_PIPX_RUN = _package_runner("", ("--spec", "--python", "--pip-args"), skip_words=1, step="pipx run")


_PM_BUILTINS = frozenset("""add audit bin cache config create dedupe dlx doctor env exec fetch help import info init
install install-test link list ls licenses login logout outdated owner pack patch prune publish rebuild remove rm
root run search server setup store test start stop restart unlink update upgrade up version view why workspace
workspaces x plugin set node policies constraints explain npm""".split())


def _package_manager(sub: tuple):
    """pnpm/yarn: `dlx|exec X` run X; `pnpm prisma …` runs a package's binary when no script has that name
    (the scripts analyzer reads the script of that name if there is one)."""
    runner = _subcommand_runner(sub, package=True)

    def unwrap(cmd):
        got = runner(cmd)
        if got:
            return got
        opts, k = scan_options(cmd.args, "C", ("--dir", "--cwd", "--filter", "--prefix"))
        if k < len(cmd.args) and not cmd.args[k].dynamic and cmd.args[k].text not in _PM_BUILTINS:
            r = _inner(cmd, cmd.args[k:], cmd.name + " (bin)")
            return [r] if r else []
        return []
    return unwrap


def _subcommand_runner(sub: tuple, value_opts="", long_values=(), package=False, step=None):
    """`pnpm dlx X`, `uv run X`, `poetry run X`, `npm exec -- X`: a fixed subcommand, then a command."""
    def unwrap(cmd):
        args = cmd.args
        pre_opts, k = scan_options(args, "C", ("--dir", "--directory", "--project", "--cwd", "--filter"))
        if k + len(sub[0].split()) > len(args):
            return []
        words = [a.text for a in args[k:k + len(sub[0].split())]]
        if " ".join(words) not in sub:
            return []
        rest = args[k + len(words):]
        opts, i = scan_options(rest, value_opts, long_values)
        call = _opt(opts, "-c", "--call")
        if call:
            return [Script(call, step or cmd.name)]
        inner = list(rest[i:])
        if not inner:
            return []
        if package:
            inner[0] = Arg(package_binary(inner[0].text), inner[0].dynamic, inner[0].glob, inner[0].quoted)
        if len(inner) > 1 and inner[1].text == "--":
            inner.pop(1)   # `npm exec PKG -- ARGS`: the runner consumes the `--`
        r = _inner(cmd, inner, step or (cmd.name + " " + " ".join(words)))
        return [r] if r else []
    return unwrap


def shell_invocation(cmd):
    """bash/sh/zsh…: `-c STR`, a script file, or commands on stdin; plus the start-up files the shell reads
    first (`--rcfile`/`--init-file`, `~/.bashrc` for `-i`, `$BASH_ENV` for bash, `$ENV` for an interactive sh).
    The options are read exactly as bash reads them (agentsh.bashargs: `+c` is `-c`, `-login` is `--login`)."""
    from agentsh.bashargs import parse as parse_bash_args
    args = cmd.args
    parsed = parse_bash_args([a.text for a in args], dynamic=lambda k: args[k].dynamic)
    if parsed.error:
        return []     # the shell refuses its command line and runs nothing
    i = parsed.operands_at
    has_c, read_stdin, interactive = parsed.command, parsed.read_stdin, parsed.interactive
    login, norc, noprofile = parsed.login, parsed.norc, parsed.noprofile
    rcfile = None
    if parsed.rcfile is not None:
        k = next((k for k, a in enumerate(args[:i]) if a.text == parsed.rcfile and k > 0
                  and args[k - 1].text.lstrip("-") in ("rcfile", "init-file")), None)
        rcfile = args[k] if k is not None else Arg(text=parsed.rcfile)
    operands = args[i:]
    label = cmd.name
    out = []
    if login and not noprofile and cmd.name in ("bash", "rbash", "agentsh"):
        out.append(_login_profile(cmd))
    startup = _startup_file(cmd, interactive and not login, rcfile, norc)
    if startup is not None:
        out.append(startup)
    if has_c:
        if not operands:
            return out
        text = operands[0]
        if text.dynamic:
            return out + [Note("dynamic-script", text.text, label + " -c runs text built at run time")]
        return out + [Script(text.text, label + " -c", positional=operands[1:])]
    if operands and not read_stdin:
        return out + _script_file(cmd, operands[0], label)
    return out + _stdin_script(cmd, label)


# A login bash reads /etc/profile, then the first of these that exists. Files under /etc belong to the
# administrator (agentsh stops writes to them) and are not vetted; the user's files are, like any script.
LOGIN_PROFILES = ("~/.bash_profile", "~/.bash_login", "~/.profile")


def _login_profile(cmd):
    return ScriptFile(LOGIN_PROFILES[0], cmd.name + " -l", True, LOGIN_PROFILES[1:])


def _startup_file(cmd, interactive, rcfile, norc):
    """The file a shell sources before its commands, when there is one agentsh should read."""
    if rcfile is not None:
        if rcfile.dynamic:
            return Note("dynamic-script", rcfile.text, "the shell's start-up file is chosen at run time")
        if interactive:
            return ScriptFile(rcfile.text, cmd.name + " --rcfile " + rcfile.text, True)
    env_var = "ENV" if cmd.name in ("sh", "dash", "ash", "ksh", "mksh", "posh", "yash") and interactive else \
        ("BASH_ENV" if cmd.name in ("bash", "rbash") and not interactive else None)
    if env_var and env_var in cmd.assignments:
        value = cmd.assignments[env_var]
        if value is None:
            return Note("dynamic-script", "$" + env_var, "the shell sources $%s, built at run time" % env_var)
        if value:
            return ScriptFile(value, "%s %s=%s" % (cmd.name, env_var, value), True)
    if interactive and cmd.name in ("bash", "rbash") and not norc:
        return ScriptFile("~/.bashrc", cmd.name + " -i (~/.bashrc)", True)
    return None


def _stdin_script(cmd, label):
    src = cmd.stdin
    if src is None:
        return [Note("interactive-shell", label, "an interactive shell is not vetted command by command")]
    if src.kind == "text":
        return [Script(src.text or "", label + " <<< " + src.origin[:40])]
    if src.kind == "fetched":
        return [Note("fetch-exec", src.origin, "content downloaded from the network is executed unseen")]
    if src.kind == "decoded":
        return [Note("decode-exec", src.origin, "decoded or decompressed content is executed unseen")]
    if src.kind == "file":
        return _read_script(cmd, src.text, label + " < " + src.text)
    return [Note("stdin-script", src.origin, "a shell runs whatever arrives on its input")]


def _script_file(cmd, operand: Arg, label):
    if operand.dynamic:
        if operand.text.startswith("<("):
            return [Note("procsub-exec", operand.text, "a shell runs the output of a process substitution")]
        return [Note("dynamic-script", operand.text, label + " runs a script whose path is built at run time")]
    return _read_script(cmd, operand.text, label + " " + operand.text)


def _read_script(cmd, path, step):
    """The analyzer reads the file (it knows files written earlier in the same line)."""
    return [ScriptFile(path, step)]


def _source(cmd):
    if not cmd.args:
        return []
    return _script_file(cmd, cmd.args[0], cmd.name)


# Programs whose whole job is to print shell set-up code for the current shell (`eval "$(dircolors -b)"` in
# ~/.bashrc). Their output is not visible before it runs, but what kind of text it is, is known.
SHELL_INIT_GENERATORS = frozenset({"dircolors", "lesspipe", "lesspipe.sh", "ssh-agent", "pyenv", "rbenv", "nodenv",
                                   "jenv", "goenv", "direnv", "starship", "zoxide", "fnm", "mise", "rtx", "brew",
                                   "conda", "thefuck", "atuin", "mcfly", "keychain", "register-python-argcomplete"})
_GENERATOR_WORD = re.compile(r"[\w./~=:+-]+")


def _is_shell_init(args) -> bool:
    """eval "$(dircolors -b)", eval `ssh-agent -s`, eval "$(SHELL=/bin/sh lesspipe)": a known generator with literal
    words only (no further expansion or command inside)."""
    if len(args) != 1:
        return False
    t = args[0].text
    if t.startswith("$(") and t.endswith(")"):
        inner = t[2:-1]
    elif t.startswith("`") and t.endswith("`"):
        inner = t[1:-1]
    else:
        return False
    words = inner.split()
    while words and "=" in words[0] and _GENERATOR_WORD.fullmatch(words[0]):
        words = words[1:]
    return bool(words) and os.path.basename(words[0]) in SHELL_INIT_GENERATORS and \
        all(_GENERATOR_WORD.fullmatch(w) for w in words)


def _eval(cmd):
    if not cmd.args:
        return []
    if _is_shell_init(cmd.args):
        return []
    if any(a.dynamic for a in cmd.args):
        return [Note("dynamic-script", " ".join(a.text for a in cmd.args), "eval runs text built at run time")]
    return [Script(" ".join(a.text for a in cmd.args), "eval")]


def _su(cmd):
    opts, i = scan_options(cmd.args, short_values="csgGw",
                           long_values=("--command", "--shell", "--group", "--supp-group",
                                        "--whitelist-environment", "--session-command"), stop_at_operand=False)
    c = _opt(opts, "-c", "--command", "--session-command")
    if c is not None:
        return [Script(c, "su -c")]
    return [Note("interactive-shell", "su", "an interactive shell as another user is not vetted")]


_SSH_VALUES = "bcDEeFIiJLlmOopQRSWwB"


def _ssh(cmd):
    opts, i = scan_options(cmd.args, short_values=_SSH_VALUES)
    rest = cmd.args[i:]
    if not rest:
        return []
    # OpenSSH keeps reading options after the destination (`ssh host -t 'cmd'`, `ssh host -- cmd`)
    more, j = scan_options(rest[1:], short_values=_SSH_VALUES)
    remote = rest[1 + j:]
    if not remote:
        return []
    # the remote shell re-parses the words joined with spaces
    return [Script(" ".join(a.text for a in remote), "ssh " + rest[0].text, remote=True)]


def _coproc(cmd):
    args = cmd.args
    if len(args) >= 2 and args[1].text == "{":
        return [Script(" ".join(_sq(a.text) for a in args[2:]), "coproc")]
    if args and args[0].text == "{":
        return [Script(" ".join(_sq(a.text) for a in args[1:]), "coproc")]
    r = _inner(cmd, args, "coproc")
    return [r] if r else []


def _trap(cmd):
    """`trap 'CMD' EXIT`: CMD runs later, at the signal."""
    args = [a for a in cmd.args if a.text != "--"]
    if not args or args[0].text.startswith("-") and args[0].text in ("-l", "-p"):
        return []
    action = args[0]
    if action.dynamic:
        return [Note("dynamic-script", action.text, "trap runs text built at run time")]
    if action.text in ("", "-") or len(args) == 1:
        return []
    return [Script(action.text, "trap")]


def _after_fixed(n_operands, short_values="", long_values=(), step=None):
    """`taskset MASK CMD`, `chrt PRIO CMD`: options, a fixed number of operands, then the command."""
    return _simple_prefix(short_values, long_values, operands_before=n_operands, step=step)


def _runuser(cmd):
    opts, i = scan_options(cmd.args, "ugGcs", ("--user", "--group", "--supp-group", "--command", "--shell",
                                               "--session-command", "-w", "--whitelist-environment"))
    c = _opt(opts, "-c", "--command", "--session-command")
    if c is not None:
        return [Script(c, "runuser -c")]
    rest = cmd.args[i:]
    if _has(opts, "-u", "--user"):
        r = _inner(cmd, rest, "runuser")
        return [r] if r else []
    return [Note("interactive-shell", "runuser", "a shell as another user is not vetted")] if len(rest) <= 1 else []


def _tmux(cmd):
    """tmux new-session/new-window/split-window/respawn-pane [opts] [shell-command]; send-keys types into a pane."""
    args = cmd.args
    k = 0
    while k < len(args) and args[k].text.startswith("-"):
        k += 2 if args[k].text in ("-L", "-S", "-f", "-T") else 1
    if k >= len(args):
        return [Note("interactive-shell", "tmux", "a new tmux session is a shell agentsh does not vet")]
    sub = args[k].text
    rest = args[k + 1:]
    if sub in ("new-session", "new", "new-window", "neww", "split-window", "splitw", "respawn-pane", "respawnp",
               "respawn-window", "respawnw"):
        opts, i = scan_options(rest, "cFnstexlwyhbBE", ("-c",))
        words = rest[i:]
        if not words:
            return [Note("interactive-shell", "tmux " + sub, "a new tmux shell is not vetted command by command")]
        return [Script(" ".join(a.text for a in words), "tmux " + sub)]
    if sub in ("send-keys", "send"):
        opts, i = scan_options(rest, "tNX", ())
        keys = [a.text for a in rest[i:]]
        text = " ".join("\n" if k_ in ("Enter", "C-m", "KPEnter") else k_ for k_ in keys)
        return [Script(text, "tmux send-keys")]
    return []


def _screen(cmd):
    opts, i = scan_options(cmd.args, "cSpXhe", ())
    rest = cmd.args[i:]
    stuff = [v for k, v in opts if k == "-X"]
    if stuff and rest and rest[0].text == "stuff":
        return [Script(" ".join(a.text for a in rest[1:]).replace("^M", "\n"), "screen -X stuff")]
    if rest:
        r = _inner(cmd, rest, "screen")
        return [r] if r else []
    return [Note("interactive-shell", "screen", "a new screen session is a shell agentsh does not vet")]


def _git_config_commands(cmd):
    """`git -c alias.x='!cmd' x`, `git -c core.sshCommand=…`, `GIT_SSH_COMMAND=…`: commands hidden in config."""
    out = []
    args = cmd.args
    for i, a in enumerate(args[:-1]):
        if a.text == "-c":
            key, _, value = args[i + 1].text.partition("=")
            key = key.lower()
            if key.startswith("alias.") and value.startswith("!"):
                out.append(Script(value[1:], "git alias " + key[6:]))
            elif key in ("core.sshcommand", "core.pager", "core.editor", "core.fsmonitor", "diff.external",
                         "core.hookspath", "sequence.editor", "credential.helper") and value:
                out.append(Script(value.lstrip("!"), "git -c " + key))
    for var in ("GIT_SSH_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_EDITOR", "GIT_ASKPASS"):
        v = cmd.assignments.get(var)
        if v:
            out.append(Script(v, var))
    return out


def _ssh_options(cmd):
    """`ssh -o ProxyCommand=…` / `LocalCommand=…` run local commands."""
    out = []
    args = cmd.args
    for i, a in enumerate(args):
        opt = args[i + 1].text if a.text == "-o" and i + 1 < len(args) else (a.text[2:] if a.text.startswith("-o")
                                                                             and len(a.text) > 2 else None)
        if opt:
            cut = min([i_ for i_ in (opt.find("="), opt.find(" ")) if i_ >= 0] or [len(opt)])
            key, value = opt[:cut], opt[cut + 1:].lstrip("= ")
            if key.lower() in ("proxycommand", "localcommand", "knownhostscommand") and value:
                out.append(Script(value, "ssh -o " + key))
    return out


def _awk(cmd):
    """awk programs that call system("…") or pipe to a command run shell commands."""
    import re
    prog = next((a for a in cmd.args if not a.text.startswith("-")), None)
    if prog is None:
        return []
    out = []
    for m in re.finditer(r'system\s*\(\s*"((?:[^"\\]|\\.)*)"\s*\)|\|\s*"((?:[^"\\]|\\.)*)"', prog.text):
        out.append(Script((m.group(1) or m.group(2)).replace('\\"', '"'), "awk system()"))
    if not out and re.search(r"\bsystem\s*\(|\|\s*getline|\|\s*[a-zA-Z_]", prog.text):
        out.append(Note("dynamic-script", "awk", "the awk program runs a command built at run time"))
    return out


def _vim(cmd):
    out = []
    args = cmd.args
    for i, a in enumerate(args):
        c = args[i + 1].text if a.text == "-c" and i + 1 < len(args) else (a.text[1:] if a.text.startswith("+")
                                                                           else None)
        if c and c.lstrip(":").startswith("!"):
            out.append(Script(c.lstrip(":")[1:], "vim :!"))
    return out


def _tar(cmd):
    out = []
    for a in cmd.args:
        for opt in ("--to-command=", "--use-compress-program=", "--info-script=", "--new-volume-script=",
                    "--checkpoint-action=exec="):
            if a.text.startswith(opt):
                out.append(Script(a.text[len(opt):], "tar " + opt.rstrip("=")))
    return out


def _rsync(cmd):
    args = cmd.args
    for i, a in enumerate(args):
        if a.text in ("-e", "--rsh") and i + 1 < len(args):
            return [Script(args[i + 1].text, "rsync -e")]
        if a.text.startswith("--rsh="):
            return [Script(a.text[6:], "rsync -e")]
    return []


def _gcloud(cmd):
    """`gcloud alpha|beta|preview X …` is `gcloud X …` with a release track."""
    opts, i = scan_options(cmd.args, "", ("--project", "--account", "--configuration", "--format",
                                          "--verbosity", "--impersonate-service-account", "--billing-project"))
    if i < len(cmd.args) and cmd.args[i].text in ("alpha", "beta", "preview"):
        new = cmd.replace(args=list(cmd.args[:i]) + list(cmd.args[i + 1:]), via=cmd.via + ("gcloud " + cmd.args[i].text,))
        return [Inner(new, "gcloud " + cmd.args[i].text)]
    return []


def _systemd_run(cmd):
    """systemd-run [options] CMD…: runs CMD as a transient unit, possibly later (--on-active=…)."""
    opts, i = scan_options(cmd.args, "pEMuHGr", ("--unit", "--property", "--description", "--slice", "--uid",
                                                  "--gid", "--nice", "--working-directory", "--setenv",
                                                  "--on-active", "--on-boot", "--on-startup", "--on-calendar",
                                                  "--on-unit-active", "--on-unit-inactive", "--timer-property",
                                                  "--path-property", "--socket-property", "--machine", "--host"))
    r = _inner(cmd, cmd.args[i:], "systemd-run", cwd=None if _has(opts, "--working-directory") else cmd.cwd)
    return [r] if r else []


def _container_exec(cmd):
    """docker|podman exec [opts] CONTAINER CMD…; docker compose exec [opts] SERVICE CMD…"""
    args = cmd.args
    opts, k = scan_options(args, "Hc", ("--host", "--context", "--config", "--log-level", "-f", "--file",
                                        "--project-name", "--project-directory", "--env-file", "--profile"))
    run = _container_run(cmd) if cmd.name in ("docker", "podman") else None
    if run is not None:
        return run
    words = [a.text for a in args[k:k + 2]]
    if words[:1] == ["exec"]:
        rest = args[k + 1:]
    elif words in (["compose", "exec"], ["compose", "run"]) or (cmd.name == "docker-compose"
                                                                  and words[:1] in (["exec"], ["run"])):
        rest = args[k + (2 if words[0] == "compose" else 1):]
    else:
        return []
    opts, i = scan_options(rest, "euwvpl", ("--env", "--env-file", "--user", "--workdir", "--detach-keys",
                                            "--index", "--volume", "--publish", "--label", "--name", "--entrypoint"))
    inner = rest[i + 1:]
    if not inner:
        return []
    return [Script(" ".join(_sq(a.text) for a in inner), cmd.name + " exec " + rest[i].text, remote=True)]


_DOCKER_RUN_VALUES = ("--add-host", "--annotation", "--attach", "--blkio-weight", "--cap-add", "--cap-drop",
                      "--cgroup-parent", "--cgroupns", "--cidfile", "--cpu-period", "--cpu-quota", "--cpu-shares",
                      "--cpus", "--cpuset-cpus", "--device", "--dns", "--entrypoint", "--env", "--env-file",
                      "--expose", "--gpus", "--group-add", "--health-cmd", "--hostname", "--ip", "--ipc", "--label",
                      "--label-file", "--link", "--log-driver", "--log-opt", "--mac-address", "--memory",
                      "--mount", "--name", "--network", "--network-alias", "--pid", "--platform", "--publish",
                      "--pull", "--restart", "--runtime", "--security-opt", "--shm-size", "--stop-signal",
                      "--stop-timeout", "--storage-opt", "--sysctl", "--tmpfs", "--ulimit", "--user", "--userns",
                      "--uts", "--volume", "--volumes-from", "--workdir")


def _container_run(cmd):
    """docker|podman run [opts] IMAGE CMD…: the command runs inside the container (volumes may be the host's)."""
    args = cmd.args
    opts, k = scan_options(args, "Hc", ("--host", "--context", "--config", "--log-level"))
    if k >= len(args) or args[k].text not in ("run", "container") or (
            args[k].text == "container" and (k + 1 >= len(args) or args[k + 1].text != "run")):
        return None
    k += 1 if args[k].text == "run" else 2
    opts, i = scan_options(args[k:], "aceEhlmpuvw", _DOCKER_RUN_VALUES)
    rest = args[k + i:]
    if len(rest) < 2:
        return []
    entry = _opt(opts, "--entrypoint")
    inner = rest[1:]
    text = " ".join(_sq(a.text) for a in inner)
    if entry:
        text = _sq(entry) + " " + text
    return [Script(text, cmd.name + " run " + rest[0].text, remote=True)]


def _prefixed_kubectl(cmd):
    """`microk8s kubectl …`, `k3s kubectl …`, `minikube kubectl -- …` are kubectl."""
    args = cmd.args
    if not args or args[0].text != "kubectl":
        return []
    rest = args[1:]
    if cmd.name == "minikube" and rest and rest[0].text == "--":
        rest = rest[1:]
    r = _inner(cmd, [Arg("kubectl")] + list(rest), cmd.name + " kubectl")
    return [r] if r else []


def _kubectl_exec(cmd):
    args = cmd.args
    texts = [a.text for a in args]
    if "exec" not in texts:
        return []
    if "--" in texts:
        inner = args[texts.index("--") + 1:]
    else:
        idx = texts.index("exec")
        opts, i = scan_options(args[idx + 1:], "ncf", ("--namespace", "--container", "--context", "--filename",
                                                        "--pod-running-timeout", "--kubeconfig"))
        inner = args[idx + 1 + i + 1:]
    if not inner:
        return []
    return [Script(" ".join(_sq(a.text) for a in inner), "kubectl exec", remote=True)]


def _script_cmd(cmd):
    opts, i = scan_options(cmd.args, short_values="cEIOBT", long_values=("--command", "--echo", "--log-in",
                                                                         "--log-out", "--log-io", "--log-timing"))
    c = _opt(opts, "-c", "--command")
    if c is not None:
        return [Script(c, "script -c")]
    return [Note("interactive-shell", "script", "script starts an interactive shell that is not vetted")]


def _at(cmd):
    if cmd.stdin is not None:
        return _stdin_script(cmd, cmd.name)
    opts, i = scan_options(cmd.args, "qfmMt")
    f = _opt(opts, "-f")
    if f:
        return _read_script(cmd, f, cmd.name + " -f")
    return []


def _railway(cmd):
    """`railway run CMD` runs CMD locally with the linked environment's variables; `railway ssh -- CMD` remotely."""
    args = cmd.args
    opts, k = scan_options(args, "sep", ("--service", "--environment", "--project"))
    if k >= len(args):
        return []
    sub = args[k].text
    if sub in ("run", "local"):
        ropts, i = scan_options(args[k + 1:], "sep", ("--service", "--environment", "--project"))
        inner = args[k + 1 + i:]
        r = _inner(cmd, inner, "railway run")
        return [r] if r else []
    if sub == "ssh":
        texts = [a.text for a in args]
        if "--" in texts:
            inner = args[texts.index("--") + 1:]
        else:
            sopts, i = scan_options(args[k + 1:], "sepi", ("--service", "--environment", "--project",
                                                           "--identity-file", "--deployment-instance"))
            inner = args[k + 1 + i:]
        if inner:
            return [Script(" ".join(_sq(a.text) for a in inner), "railway ssh", remote=True)]
    return []


def _fly(cmd):
    """`fly ssh console -C "CMD"` / `--command CMD` runs CMD on a production machine."""
    texts = [a.text for a in cmd.args]
    if texts[:2] != ["ssh", "console"]:
        return []
    opts, _ = scan_options(cmd.args[2:], "aCrsu", ("--app", "--command", "--region", "--select", "--user",
                                                    "--machine", "--config", "--process-group"),
                           stop_at_operand=False)
    c = _opt(opts, "-C", "--command")
    return [Script(c, "fly ssh console -C", remote=True)] if c else []


def _heroku(cmd):
    """`heroku run CMD -a APP` runs CMD in a one-off dyno with the app's (production) config."""
    if not cmd.args or cmd.args[0].text not in ("run", "run:detached", "run:inside"):
        return []
    opts, i = scan_options(cmd.args[1:], "aresx", ("--app", "--remote", "--env", "--size", "--type"))
    inner = cmd.args[1 + i:]
    # heroku also accepts its own flags after the command; drop a trailing -a/--app APP
    for j in range(len(inner) - 1):
        if inner[j].text in ("-a", "--app", "-r", "--remote"):
            inner = inner[:j] + inner[j + 2:]
            break
    if not inner:
        return []
    # heroku joins the words with spaces and runs them with a shell on the dyno, like ssh
    return [Script(" ".join(a.text for a in inner), "heroku run", remote=True)]


def _rimraf(cmd):
    """rimraf / del-cli delete recursively without asking: judge them as `rm -rf`."""
    opts, i = scan_options(cmd.args, "", ())
    targets = [a for a in cmd.args[i:] if not a.text.startswith("-")]
    if not targets:
        return []
    r = _inner(cmd, [Arg("rm"), Arg("-rf")] + targets, cmd.name + " (rm -rf)")
    return [r] if r else []


def _sq(s: str) -> str:
    if s and all(c.isalnum() or c in "-_./=:@%+,{}" for c in s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"


UNWRAPPERS = {
    "sudo": _sudo, "doas": _doas, "env": _env, "command": _command, "builtin": _simple_prefix(step="builtin"),
    "exec": _exec, "nohup": _simple_prefix(step="nohup"), "setsid": _simple_prefix(step="setsid"),
    "timeout": _simple_prefix("ks", ("--kill-after", "--signal"), operands_before=1, step="timeout"),
    "nice": _nice, "ionice": _simple_prefix("cnp", ("--class", "--classdata", "--pid"), step="ionice"),
    "stdbuf": _simple_prefix("ioe", ("--input", "--output", "--error"), step="stdbuf"),
    "time": _simple_prefix("fo", ("--format", "--output"), step="time"), "watch": _watch, "flock": _flock,
    "chroot": _chroot, "busybox": _busybox, "xargs": _xargs, "parallel": _parallel, "find": _find, "git": _git,
    "npx": _NPX, "bunx": _NPX, "uvx": _UVX, "eval": _eval, "su": _su, "ssh": _ssh, "script": _script_cmd,
    "docker": _container_exec, "podman": _container_exec, "docker-compose": _container_exec,
    "kubectl": _kubectl_exec, "microk8s": _prefixed_kubectl, "k3s": _prefixed_kubectl,
    "minikube": _prefixed_kubectl, "source": _source, ".": _source, "at": _at, "batch": _at, "railway": _railway, "fly": _fly, "flyctl": _fly,
    "heroku": _heroku, "coproc": _coproc, "gcloud": _gcloud, "systemd-run": _systemd_run, "trap": _trap,
    "unbuffer": _simple_prefix(step="unbuffer"), "strace": _simple_prefix("eoOpPsSuUbIE", step="strace"),
    "ltrace": _simple_prefix("eoOpPsSuUbIE", step="ltrace"),
    "nsenter": _simple_prefix("tSGwr", ("--target", "--setuid", "--setgid", "--wd", "--root"), step="nsenter"),
    "taskset": _after_fixed(1, step="taskset"), "chrt": _after_fixed(1, step="chrt"), "runuser": _runuser,
    "tmux": _tmux, "screen": _screen, "awk": _awk, "gawk": _awk, "mawk": _awk, "nawk": _awk, "vim": _vim,
    "vi": _vim, "nvim": _vim, "tar": _tar, "rsync": _rsync, "firejail": _simple_prefix(step="firejail"),
    "proxychains": _simple_prefix("fq", step="proxychains"), "proxychains4": _simple_prefix("fq", step="proxychains"),
    "caffeinate": _simple_prefix("t", step="caffeinate"), "sg": _after_fixed(1, step="sg"),
    "corepack": _simple_prefix(step="corepack"),
    "rimraf": _rimraf, "del": _rimraf, "del-cli": _rimraf,
    "pnpm": _package_manager(("dlx", "exec")), "yarn": _package_manager(("dlx", "exec")),
    "npm": _subcommand_runner(("exec", "x"), "pc", ("--package", "--call")),
    "bun": _subcommand_runner(("x",), package=True),
    "uv": _subcommand_runner(("run", "tool run"), "p", ("--with", "--python", "--directory", "--project",
                                                        "--env-file", "--extra", "--group", "--from", "--index")),
    "poetry": _subcommand_runner(("run",)), "pipx": _PIPX_RUN, "bundle": _subcommand_runner(("exec",)),
    "pdm": _subcommand_runner(("run",)), "hatch": _subcommand_runner(("run",)),
}


def unwrap(cmd: Command) -> list:
    """What `cmd` runs beyond itself: a list of Inner / Script / Note (empty for an ordinary command)."""
    name = cmd.name
    if name in SHELLS:
        return shell_invocation(cmd)
    extra = []
    if name == "git" or "GIT_SSH_COMMAND" in cmd.assignments:
        extra = _git_config_commands(cmd)
    elif name in ("ssh", "scp", "sftp"):
        extra = _ssh_options(cmd)
    fn = UNWRAPPERS.get(name)
    if fn is None or (name == "pipx" and not (cmd.args and cmd.args[0].text == "run")):
        return extra
    return extra + fn(cmd)

"""Payload analyzer: the scripts a command runs by name. `make deploy` runs a Makefile recipe, `npm run reset`
runs a package.json script, `just clean` a justfile recipe, `./reset-db.sh` a file. Each is read (bounded) and
its commands go through the same pipeline, labelled with the file and line they come from.

Only what the text shows is analyzed: make's own functions (`$(shell …)`, pattern rules) and just's expressions
are not evaluated; a recipe line that uses them keeps its unresolved parts as unknown values, which the shell
analysis treats as dynamic (never as harmless).
"""
from __future__ import annotations

import json
import os

MAX_TARGETS = 64          # recipes followed per make/just invocation (dependencies included)
SHELLS = ("sh", "bash", "zsh", "dash", "ksh", "ash", "mksh")
INTERPRETERS = {"python": "python3", "python3": "python3", "python2": "python3", "node": "node", "nodejs": "node",
                "deno": "deno", "bun": "bun", "ruby": "ruby", "perl": "perl", "php": "php"}


# ---- ./script and /path/to/script -------------------------------------------------------------------------------
INSTALLED_PROGRAM_DIRS = ("/bin/", "/sbin/", "/usr/", "/lib/", "/opt/", "/snap/", "/nix/", "/System/")


def path_script(cmd, ctx):
    """A command named by path: a script file. Its shebang says who runs it. Installed programs
    (`/usr/bin/env`, `/bin/rm`) are programs, not scripts an agent wrote: they are judged by name."""
    path = cmd.argv0.text
    full = ctx.path(path)
    if full is not None and full.startswith(INSTALLED_PROGRAM_DIRS):
        return
    if full is not None and full not in ctx._analysis.written and _is_binary(full):
        return
    text, reason = ctx.read_file(path)
    if text is None:
        full = ctx.path(path)
        if full is not None and not os.path.exists(full) and full not in ctx._analysis.written:
            return   # bash will answer "No such file or directory"; nothing runs
        ctx.unreadable(path, "cannot vet script %s: %s" % (path, reason))
        return
    if "\x00" in text[:1024]:
        return   # a compiled program, not a script
    interpreter = shebang_interpreter(text)
    if interpreter is None or interpreter in SHELLS:
        ctx.script(path, "script " + path)
    elif interpreter in INTERPRETERS:
        from agentsh.model import Arg
        ctx.run_as(INTERPRETERS[interpreter], [Arg(path)] + list(cmd.args))
    else:
        ctx.unseen(path, "script %s runs with %s, which agentsh cannot read" % (path, interpreter))


def _is_binary(full: str) -> bool:
    try:
        with open(full, "rb") as f:
            head = f.read(512)
    except OSError:
        return False
    return head.startswith(b"\x7fELF") or b"\x00" in head


def shebang_interpreter(text: str) -> str | None:
    """`#!/usr/bin/env python3 -u` -> "python3"; `#!/bin/bash` -> "bash"; no shebang -> None."""
    if not text.startswith("#!"):
        return None
    words = text[2:].split("\n", 1)[0].split()
    if not words:
        return None
    prog = os.path.basename(words[0])
    if prog == "env":
        rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        prog = os.path.basename(rest[0]) if rest else "env"
    return prog


# ---- make ---------------------------------------------------------------------------------------------------------
def make(cmd, ctx):
    args = cmd.args
    makefile, directory, goals, overrides = None, None, [], {}
    i = 0
    while i < len(args):
        t = args[i].text
        if t in ("-f", "--file", "--makefile") and i + 1 < len(args):
            makefile = args[i + 1].text
            i += 2
            continue
        if t in ("-C", "--directory") and i + 1 < len(args):
            directory = args[i + 1].text
            i += 2
            continue
        if t.startswith(("--file=", "--makefile=")):
            makefile = t.split("=", 1)[1]
        elif t.startswith("--directory="):
            directory = t.split("=", 1)[1]
        elif t.startswith("-C") and len(t) > 2:     # -Csub, as getopt reads it
            directory = t[2:]
        elif t.startswith("-f") and len(t) > 2 and not t.startswith("--"):
            makefile = t[2:]
        elif t in ("-n", "--dry-run", "--just-print", "--recon", "-q", "--question", "-p", "--print-data-base",
                   "-v", "--version", "-h", "--help"):
            return   # prints or checks, runs no recipe
        elif t.startswith("-"):
            if t in ("-j", "-l", "-o", "-W", "-I") and i + 1 < len(args):
                i += 1
        elif "=" in t:
            k, v = t.split("=", 1)
            overrides[k.strip()] = v
        else:
            goals.append(args[i])
        i += 1
    base = directory or "."
    if makefile is None:
        for name in ("GNUmakefile", "makefile", "Makefile"):
            text, _ = ctx.read_file(os.path.join(base, name))
            if text is not None:
                makefile = os.path.join(base, name)
                break
        else:
            return   # make will stop with "No targets specified and no makefile found"
    elif directory:
        makefile = os.path.join(base, makefile)
    text, reason = ctx.read_file(makefile)
    if text is None:
        ctx.unreadable(makefile, "cannot read %s: %s" % (makefile, reason))
        return
    if any(g.dynamic for g in goals):
        ctx.unseen(" ".join(g.text for g in goals), "make target chosen at run time")
        return
    text = _with_includes(text, makefile, ctx, 0)
    targets, default, variables = parse_makefile(text)
    variables.update(overrides)
    wanted = [g.text for g in goals] or ([default] if default else [])
    for name, line, recipe in make_recipes(targets, wanted):
        label = "make %s (%s:%d)" % (name, os.path.basename(makefile), line)
        ctx.shell(expand_make_vars(recipe, variables), label)


def _with_includes(text, makefile, ctx, depth):
    """Splice `include FILE…` / `-include` / `sinclude` files in (bounded); a missing `include` (not `-include`)
    stops make, so it is reported, and an included name built at run time makes the target list unknown."""
    if depth > 8 or "include" not in text:
        return text
    out = []
    base = os.path.dirname(makefile)
    for line in text.split("\n"):
        words = line.split()
        if words and words[0] in ("include", "-include", "sinclude"):
            for name in words[1:]:
                if "$" in name:
                    ctx.unseen(name, "Makefile includes a file chosen at run time")
                    continue
                inc_text, reason = ctx.read_file(os.path.join(base, name))
                if inc_text is None:
                    if words[0] == "include":
                        ctx.unreadable(name, "cannot read included %s: %s" % (name, reason))
                    continue
                out.append(_with_includes(inc_text, os.path.join(base, name), ctx, depth + 1))
            continue
        out.append(line)
    return "\n".join(out)


def _logical_lines(text: str):
    """(number of the first physical line, text) with backslash-newline continuations joined, so line numbers
    after a continued line stay right."""
    physical = text.split("\n")
    i = 0
    while i < len(physical):
        start, line = i + 1, physical[i]
        while line.endswith("\\") and i + 1 < len(physical):
            i += 1
            line = line[:-1] + " " + physical[i]
        yield start, line
        i += 1


def parse_makefile(text: str):
    """{target: (line, [prerequisites], [(line, recipe line)])}, the default goal, and simple variables."""
    targets, variables = {}, {}
    default = None
    current = None
    for n, raw in _logical_lines(text):
        if raw.startswith("\t"):
            if current is not None:
                recipe = raw[1:].strip()
                while recipe[:1] in ("@", "-", "+"):
                    recipe = recipe[1:].lstrip()
                if recipe and not recipe.startswith("#"):
                    for t in current:
                        targets[t][2].append((n, recipe))
            continue
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        for op in (":=", "::=", "?=", "+=", "="):
            head, sep, value = line.partition(op)
            if sep and ":" not in head and " " not in head.strip() and head.strip():
                name = head.strip().removeprefix("export ").strip()
                if op == "+=":
                    variables[name] = (variables.get(name, "") + " " + value.strip()).strip()
                elif op != "?=" or name not in variables:
                    variables[name] = value.strip()
                current = None
                break
        else:
            if ":" in line and not line.startswith(("include", "-include", "ifeq", "ifneq", "ifdef", "ifndef",
                                                      "else", "endif", "define", "endef", "export", "unexport")):
                names, _, rest = line.partition(":")
                rest = rest.lstrip(":")
                recipe_inline = None
                if ";" in rest:
                    rest, recipe_inline = rest.split(";", 1)
                current = [t for t in names.split() if t]
                for t in current:
                    entry = targets.setdefault(t, (n, [], []))
                    entry[1].extend(p for p in rest.split() if p)
                    if recipe_inline and recipe_inline.strip():
                        entry[2].append((n, recipe_inline.strip()))
                    if default is None and not t.startswith(".") and "%" not in t:
                        default = t
            else:
                current = None
    return targets, default, variables


def make_recipes(targets, wanted):
    """(target, line, recipe) for the wanted goals and their prerequisites, prerequisites first, bounded."""
    out, seen = [], set()

    def visit(name, depth):
        if name in seen or len(seen) >= MAX_TARGETS or depth > 20:
            return
        seen.add(name)
        entry = targets.get(name)
        if entry is None:
            return
        for pre in entry[1]:
            visit(pre, depth + 1)
        for line, recipe in entry[2]:
            out.append((name, line, recipe))
    for w in wanted:
        visit(w, 0)
    return out


def expand_make_vars(text: str, variables: dict, depth=0) -> str:
    """$(VAR) and ${VAR} from the Makefile's simple assignments; `$$` is a literal `$` for the shell.
    Unknown references and make functions become `${MAKE_UNKNOWN}`, an unset variable: dynamic to the shell."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt in "({":
                close = ")" if nxt == "(" else "}"
                j, level = i + 2, 1
                while j < len(text) and level:
                    if text[j] == nxt:
                        level += 1
                    elif text[j] == close:
                        level -= 1
                    j += 1
                name = text[i + 2:j - 1]
                if name in variables and depth < 10:
                    out.append(expand_make_vars(variables[name], variables, depth + 1))
                else:
                    out.append("${MAKE_UNKNOWN}")
                i = j
                continue
            if nxt in "@<^*?%":
                out.append("${MAKE_AUTOMATIC}")
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


# ---- just ---------------------------------------------------------------------------------------------------------
def just(cmd, ctx):
    args = cmd.args
    justfile = None
    recipes_wanted = []
    i = 0
    while i < len(args):
        t = args[i].text
        if t in ("-f", "--justfile") and i + 1 < len(args):
            justfile = args[i + 1].text
            i += 2
            continue
        if t in ("-n", "--dry-run", "-l", "--list", "--summary", "--show", "-s", "--help", "-h", "--version",
                 "--evaluate", "--variables", "--dump", "--fmt"):
            return
        if t in ("-d", "--working-directory", "--set", "--shell", "--dotenv-path", "--dotenv-filename"):
            i += 2 if t != "--set" else 3
            continue
        if not t.startswith("-") and "=" not in t:
            recipes_wanted.append(t)
        i += 1
    if justfile is None:
        for name in ("justfile", ".justfile", "Justfile", "JUSTFILE"):
            text, _ = ctx.read_file(name)
            if text is not None:
                justfile = name
                break
        else:
            return
    text, reason = ctx.read_file(justfile)
    if text is None:
        ctx.unreadable(justfile, "cannot read %s: %s" % (justfile, reason))
        return
    recipes, default = parse_justfile(text)
    wanted = recipes_wanted[:1] or ([default] if default else [])
    # the words after the recipe name are its arguments, not more recipes, unless they name recipes too
    wanted += [r for r in recipes_wanted[1:] if r in recipes]
    seen = set()
    for name in wanted:
        _just_recipe(name, recipes, ctx, justfile, seen, 0)


def _just_recipe(name, recipes, ctx, justfile, seen, depth):
    if name in seen or depth > 20 or len(seen) >= MAX_TARGETS or name not in recipes:
        return
    seen.add(name)
    line, deps, body = recipes[name]
    for dep in deps:
        _just_recipe(dep, recipes, ctx, justfile, seen, depth + 1)
    if body and body[0][1].startswith("#!"):
        interp = shebang_interpreter(body[0][1])
        if interp not in SHELLS:
            ctx.unseen(name, "just recipe %r runs with %s, which agentsh cannot read" % (name, interp))
            return
        body = body[1:]
    for n, text in body:
        ctx.shell(_just_expressions(text), "just %s (%s:%d)" % (name, os.path.basename(justfile), n))


def parse_justfile(text: str):
    """{recipe: (line, [dependencies], [(line, body line)])} and the default (first) recipe."""
    recipes, default, current = {}, None, None
    for n, raw in enumerate(text.split("\n"), 1):
        if raw[:1] in (" ", "\t"):
            if current is not None and raw.strip() and not raw.strip().startswith("#") or \
                    (current is not None and raw.strip().startswith("#!")):
                body = raw.strip()
                while body[:1] in ("@", "-"):
                    body = body[1:].lstrip()
                recipes[current][2].append((n, body))
            continue
        if not raw.strip():
            continue            # a blank line does not end a recipe; the next unindented line does
        line = raw.split("#", 1)[0].rstrip() if not raw.startswith("#!") else ""
        if not line or line.startswith(("set ", "export ", "alias ", "import ", "mod ", "[")) or ":=" in line:
            current = None if not line.startswith("[") else current
            continue
        head, sep, deps = line.partition(":")
        if sep and head.strip():
            name = head.split()[0].lstrip("@")
            current = name
            recipes[name] = (n, [d for d in deps.split() if d and d[0].isalpha()], [])
            if default is None:
                default = name
        else:
            current = None
    return recipes, default


def _just_expressions(text: str) -> str:
    """`{{var}}` is a just expression agentsh does not evaluate: an unset shell variable stands in for it."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("{{{{", i):
            out.append("{{")
            i += 4
        elif text.startswith("{{", i):
            j = text.find("}}", i)
            out.append("${JUST_EXPRESSION}")
            i = j + 2 if j >= 0 else len(text)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


# ---- npm / pnpm / yarn scripts -------------------------------------------------------------------------------------
NPM_LIFECYCLE = {"test": ("pretest", "test", "posttest"), "start": ("prestart", "start", "poststart"),
                 "stop": ("prestop", "stop", "poststop"), "restart": ("prerestart", "restart", "postrestart"),
                 "install": ("preinstall", "install", "postinstall", "prepare"),
                 "ci": ("preinstall", "install", "postinstall", "prepare"),
                 "publish": ("prepublishOnly", "prepack", "prepare", "postpack", "publish", "postpublish"),
                 "pack": ("prepack", "prepare", "postpack")}
NPM_ALIASES = {"t": "test", "tst": "test", "i": "install", "add": "install", "isntall": "install",
               "run-script": "run", "rum": "run", "urn": "run"}
# words that are package-manager commands, not script names, for `pnpm NAME` / `yarn NAME`
PM_BUILTINS = frozenset("""add audit bin cache config create dedupe dlx doctor env exec fetch help import info init
install install-test link list ls licenses login logout outdated owner pack patch prune publish rebuild remove rm
root search server setup store unlink update upgrade up version view why workspace workspaces x dedupe plugin
set node policies constraints explain npm""".split())


def npm(cmd, ctx):
    args = [a for a in cmd.args]
    prefix = None
    words = []
    i = 0
    while i < len(args):
        t = args[i].text
        if t in ("--prefix", "-C", "--dir", "--cwd") and i + 1 < len(args):
            prefix = args[i + 1].text
            i += 2
            continue
        if t in ("-w", "--workspace", "--filter", "-F") and i + 1 < len(args) or \
                t.startswith(("--workspace=", "--filter=")):
            # a script of another package of the workspace: which one is resolved by the package manager
            ctx.unseen(cmd.display(), "%s runs a script of a workspace package agentsh does not resolve" % cmd.name)
            return
        if t in ("--workspaces", "-ws", "--recursive", "-r"):
            ctx.unseen(cmd.display(), "%s runs a script in every workspace package" % cmd.name)
            return
        if t.startswith(("--prefix=", "--dir=", "--cwd=")):
            prefix = t.split("=", 1)[1]
        elif t == "--":
            words.extend(args[i + 1:])
            break
        elif not t.startswith("-"):
            words.append(args[i])
        i += 1
    if not words:
        scripts_wanted = NPM_LIFECYCLE["install"] if cmd.name == "yarn" else ()
        if not scripts_wanted:
            return
    else:
        first = words[0]
        if first.dynamic:
            ctx.unseen(first.text, "package script chosen at run time")
            return
        sub = NPM_ALIASES.get(first.text, first.text)
        if sub == "run":
            if len(words) < 2:
                return
            name = words[1].text
            scripts_wanted = ("pre" + name, name, "post" + name)
        elif sub in NPM_LIFECYCLE:
            if sub == "install" and len(words) > 1:
                return   # installing named packages runs their scripts, not this project's
            scripts_wanted = NPM_LIFECYCLE[sub]
        elif cmd.name == "yarn" and sub == "workspace":
            ctx.unseen(cmd.display(), "yarn workspace runs a script of a workspace package agentsh does not resolve")
            return
        elif cmd.name in ("pnpm", "yarn") and sub not in PM_BUILTINS:
            scripts_wanted = ("pre" + sub, sub, "post" + sub)   # `pnpm build`, `yarn reset-db`
        else:
            return
    path = os.path.join(prefix, "package.json") if prefix else "package.json"
    text, reason = ctx.read_file(path)
    if text is None:
        return   # no package.json here: the package manager fails before running anything
    try:
        scripts = json.loads(text).get("scripts") or {}
    except (ValueError, AttributeError):
        ctx.unreadable(path, "package.json is not valid JSON")
        return
    if not isinstance(scripts, dict):
        return
    for name in scripts_wanted:
        body = scripts.get(name)
        if isinstance(body, str) and body.strip():
            ctx.shell(body, "%s run %s (%s)" % (cmd.name, name, path))

"""Stage 5: rule packs. Load and validate `rules/*.toml`, compile them once (cached), match commands and facts.

The compiled form is plain dicts/lists/tuples so it can be stored with `marshal` (fast to load, no imports):
the shell path reads the cache instead of parsing TOML on every command. The cache key covers every rule
file's path, size and mtime plus the agentsh version, so an edited pack is recompiled on next use.
"""
from __future__ import annotations

import fnmatch
import os

from agentsh.model import SEVERITIES, Finding
from agentsh.paths import classify

_HERE = os.path.dirname(os.path.abspath(__file__))
# Installed wheels carry the packs as agentsh/rules/; a source checkout keeps them at the top level.
PACKAGE_RULES_DIR = next((d for d in (os.path.join(_HERE, "rules"), os.path.join(os.path.dirname(_HERE), "rules"))
                          if os.path.isdir(d)), os.path.join(_HERE, "rules"))
CACHE_FORMAT = 7

PATH_CLASSES = frozenset({"root", "system", "home", "home-subdir", "block-device", "device", "project-root",
                          "inside-project", "outside-project", "tmp", "tmp-root", "dynamic", "agentsh", "agentsh-container",
                          "agentsh-project-config"})
RULE_KEYS = {"id", "severity", "message", "why", "safer", "catalog", "match", "examples"}
MATCH_LIST_KEYS = {"command", "flags_all", "flags_any", "flags_none", "args_any", "args_none", "args_class_any",
                   "last_arg_class_any", "assign_any", "kind", "target_any", "target_none", "target_class_any",
                   "subcommand"}
MATCH_KEYS = MATCH_LIST_KEYS | {"args_min"}
TOOL_KEYS = {"aliases", "value_flags", "bool_flags", "single_dash_long"}


class RuleError(Exception):
    """A rule file that cannot be used. Names the file, the rule and the field."""

    def __init__(self, path, rule_id, field, message):
        self.path, self.rule_id, self.field = path, rule_id, field
        where = os.path.basename(path) if path else "?"
        if rule_id:
            where += ": rule %r" % rule_id
        if field:
            where += ": field %r" % field
        super().__init__("%s: %s" % (where, message))


# ---- locating and loading ---------------------------------------------------------------------------------------
def user_rules_dir(environ=None) -> str:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".config")
    return os.path.join(base, "agentsh", "rules")


def cache_path(environ=None) -> str:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".cache")
    return os.path.join(base, "agentsh", "rules.marshal")


def rule_files(environ=None, include_user=True) -> list:
    """Bundled packs, then the user's packs. The user's may only add rules (a duplicate id is an error)."""
    files = []
    dirs = [PACKAGE_RULES_DIR] + ([user_rules_dir(environ)] if include_user else [])
    for d in dirs:
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        files.extend(os.path.join(d, n) for n in names if n.endswith(".toml"))
    return files


def _cache_key(files) -> tuple:
    from agentsh import __version__
    stamp = []
    for f in files:
        st = os.stat(f)
        stamp.append((f, st.st_size, st.st_mtime_ns))
    return (CACHE_FORMAT, __version__, tuple(stamp))


_loaded = None


class RuleSet:
    """Rules ready for matching. Built from a compiled dict (CLI, tests) or from the split cache (shell path).

    The cache keeps, per program name and per fact kind, a separately marshalled blob with just that name's
    rules and tool syntax: loading all 500+ rules costs ~12 ms, loading the two or three a command needs
    costs microseconds. Messages, reasons and examples live in a second file, read only when a rule fires.
    """

    def __init__(self, by_command, by_kind, meta_loader):
        self._by_command = by_command     # name -> (tool, [(index, id, severity, match)]) or marshalled bytes
        self._by_kind = by_kind
        self._meta_loader = meta_loader
        self._meta = None

    @classmethod
    def from_compiled(cls, compiled: dict) -> "RuleSet":
        rules, tools = compiled["rules"], compiled["tools"]
        by_command = {name: (tools.get(name, _DEFAULT_TOOL),
                             [(i, rules[i]["id"], rules[i]["severity"], rules[i]["match"]) for i in idx])
                      for name, idx in compiled["by_command"].items()}
        by_kind = {kind: (None, [(i, rules[i]["id"], rules[i]["severity"], rules[i]["match"]) for i in idx])
                   for kind, idx in compiled["by_kind"].items()}
        return cls(by_command, by_kind, lambda: rules)

    def for_command(self, name):
        got = self._by_command.get(name)
        if type(got) is bytes:
            import marshal
            got = self._by_command[name] = marshal.loads(got)
        return got

    def for_kind(self, kind):
        got = self._by_kind.get(kind)
        if type(got) is bytes:
            import marshal
            got = self._by_kind[kind] = marshal.loads(got)
        return got

    def meta(self, index: int) -> dict:
        if self._meta is None:
            self._meta = self._meta_loader()
        return self._meta[index]


def as_ruleset(rules) -> RuleSet:
    return rules if isinstance(rules, RuleSet) else RuleSet.from_compiled(rules)


def load(environ=None, use_cache=True) -> RuleSet:
    """The rule set for the shell path, through the split cache. Raises RuleError on an invalid pack."""
    global _loaded
    if _loaded is not None and use_cache:
        return _loaded
    files = rule_files(environ)
    key = _cache_key(files)
    path = cache_path(environ)
    if use_cache:
        import marshal
        try:
            with open(path, "rb") as f:
                cached = marshal.load(f)
            if cached[0] == key:
                _loaded = RuleSet(cached[1], cached[2], lambda: _load_meta(path + ".meta", key, files))
                return _loaded
        except (OSError, EOFError, ValueError, TypeError, IndexError):
            pass
    compiled = compile_files(files)
    if use_cache:
        _write_cache(path, key, compiled)
    _loaded = RuleSet.from_compiled(compiled)
    return _loaded


def load_compiled(environ=None) -> dict:
    """Every rule with its documentation (for `rules list|show` and `explain`). Not cached: not the hot path."""
    return compile_files(rule_files(environ))


def _load_meta(path, key, files):
    import marshal
    try:
        with open(path, "rb") as f:
            cached = marshal.load(f)
        if cached[0] == key:
            return cached[1]
    except (OSError, EOFError, ValueError, TypeError, IndexError):
        pass
    return compile_files(files)["rules"]


def _write_cache(path, key, compiled):
    import marshal
    rs = RuleSet.from_compiled(compiled)
    hot_cmd = {name: marshal.dumps(v) for name, v in rs._by_command.items()}
    hot_kind = {kind: marshal.dumps(v) for kind, v in rs._by_kind.items()}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        for target, payload in ((path + ".meta", (key, compiled["rules"])), (path, (key, hot_cmd, hot_kind))):
            tmp = "%s.%d.tmp" % (target, os.getpid())
            with open(tmp, "wb") as f:
                marshal.dump(payload, f)
            os.replace(tmp, target)
    except OSError:
        pass   # a read-only home only costs speed


def compile_files(files) -> dict:
    import tomllib
    rules, tools, seen = [], {}, {}
    for path in files:
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise RuleError(path, None, None, "not valid TOML: %s" % e) from None
        except OSError as e:
            raise RuleError(path, None, None, "cannot read: %s" % e.strerror) from None
        unknown = set(data) - {"rule", "tools"}
        if unknown:
            raise RuleError(path, None, sorted(unknown)[0], "unknown top-level table (expected [[rule]] or [tools.X])")
        for name, spec in (data.get("tools") or {}).items():
            _merge_tool(tools, path, name, spec)
        raw_rules = data.get("rule") or []
        if not isinstance(raw_rules, list):
            raise RuleError(path, None, "rule", "must be an array of tables: [[rule]]")
        for raw in raw_rules:
            rule = validate_rule(path, raw)
            if rule["id"] in seen:
                raise RuleError(path, rule["id"], "id", "duplicate id (also in %s)" % os.path.basename(seen[rule["id"]]))
            seen[rule["id"]] = path
            rules.append(rule)
    by_command, by_kind = {}, {}
    for i, r in enumerate(rules):
        m = r["match"]
        for c in m.get("command", ()):
            by_command.setdefault(c, []).append(i)
        for k in m.get("kind", ()):
            by_kind.setdefault(k, []).append(i)
    return {"rules": rules, "tools": tools, "by_command": by_command, "by_kind": by_kind}


def _merge_tool(tools, path, name, spec):
    if not isinstance(spec, dict):
        raise RuleError(path, None, "tools.%s" % name, "must be a table")
    bad = set(spec) - TOOL_KEYS
    if bad:
        raise RuleError(path, None, "tools.%s.%s" % (name, sorted(bad)[0]), "unknown key; expected one of %s"
                        % ", ".join(sorted(TOOL_KEYS)))
    t = tools.setdefault(name, {"aliases": {}, "value_flags": [], "bool_flags": [], "single_dash_long": False})
    aliases = spec.get("aliases", {})
    if not isinstance(aliases, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()):
        raise RuleError(path, None, "tools.%s.aliases" % name, "must map flag spellings to canonical flags")
    t["aliases"].update(aliases)
    for key in ("value_flags", "bool_flags"):
        v = spec.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) and x.startswith(("-", "+")) for x in v):
            raise RuleError(path, None, "tools.%s.%s" % (name, key), "must be a list of flags like \"-n\" or \"--name\"")
        t[key] = sorted(set(t[key]) | set(v))
    sdl = spec.get("single_dash_long", False)
    if not isinstance(sdl, bool):
        raise RuleError(path, None, "tools.%s.single_dash_long" % name, "must be true or false")
    t["single_dash_long"] = t["single_dash_long"] or sdl


def _str_list(path, rid, field, value, allow_str=True):
    if allow_str and isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(x, str) and x for x in value):
        raise RuleError(path, rid, field, "must be a non-empty list of strings")
    return value


def validate_rule(path, raw) -> dict:
    if not isinstance(raw, dict):
        raise RuleError(path, None, None, "each [[rule]] must be a table")
    rid = raw.get("id")
    if not isinstance(rid, str) or "." not in rid or not rid.replace(".", "").replace("-", "").replace("_", "").isalnum() \
            or rid != rid.lower():
        raise RuleError(path, rid if isinstance(rid, str) else None, "id",
                        "must be a lowercase '<family>.<name>' id (letters, digits, - _ .)")
    bad = set(raw) - RULE_KEYS
    if bad:
        raise RuleError(path, rid, sorted(bad)[0], "unknown key; expected one of %s" % ", ".join(sorted(RULE_KEYS)))
    sev = raw.get("severity")
    if sev not in SEVERITIES:
        raise RuleError(path, rid, "severity", "must be one of %s, not %r" % (", ".join(SEVERITIES), sev))
    for field in ("message", "why", "safer"):
        v = raw.get(field)
        if not isinstance(v, str) or not v.strip():
            raise RuleError(path, rid, field, "is required and must be a non-empty string")
    catalog = raw.get("catalog", [])
    if not isinstance(catalog, list) or not all(isinstance(c, str) for c in catalog):
        raise RuleError(path, rid, "catalog", "must be a list of catalog ids")
    m = raw.get("match")
    if not isinstance(m, dict) or not m:
        raise RuleError(path, rid, "match", "is required: a table with at least `command` or `kind`")
    bad = set(m) - MATCH_KEYS
    if bad:
        raise RuleError(path, rid, "match." + sorted(bad)[0], "unknown match key; expected one of %s"
                        % ", ".join(sorted(MATCH_KEYS)))
    if ("command" in m) == ("kind" in m):
        raise RuleError(path, rid, "match", "needs exactly one of `command` (a program) or `kind` (a fact)")
    match = {}
    for key, value in m.items():
        field = "match." + key
        if key == "args_min":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise RuleError(path, rid, field, "must be a non-negative integer")
            match[key] = value
        elif key == "subcommand":
            if not isinstance(value, list) or not value:
                raise RuleError(path, rid, field, "must be a list of words or lists of alternative words")
            positions = []
            for pos in value:
                alts = [pos] if isinstance(pos, str) else pos
                if not isinstance(alts, list) or not alts or not all(isinstance(a, str) and a for a in alts):
                    raise RuleError(path, rid, field, "each position must be a word or a list of words")
                positions.append(tuple(alts))
            match[key] = tuple(positions)
        else:
            items = _str_list(path, rid, field, value)
            if key in ("args_class_any", "target_class_any", "last_arg_class_any"):
                unknown = [c for c in items if c not in PATH_CLASSES]
                if unknown:
                    raise RuleError(path, rid, field, "unknown path class %r; known: %s"
                                    % (unknown[0], ", ".join(sorted(PATH_CLASSES))))
            if key.startswith("flags_") and not all(x.startswith(("-", "+")) for x in items):
                raise RuleError(path, rid, field, "flags must start with '-' (e.g. \"-f\", \"--force\")")
            match[key] = tuple(items)
    ex = raw.get("examples", {})
    if not isinstance(ex, dict) or set(ex) - {"stop", "allow"}:
        raise RuleError(path, rid, "examples", "must be a table with `stop` and `allow` lists")
    examples = {}
    for k in ("stop", "allow"):
        v = ex.get(k, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise RuleError(path, rid, "examples." + k, "must be a list of command strings")
        examples[k] = v
    if not examples["stop"]:
        raise RuleError(path, rid, "examples.stop", "needs at least one command this rule stops")
    return {"id": rid, "severity": sev, "message": raw["message"].strip(), "why": raw["why"].strip(),
            "safer": raw["safer"].strip(), "catalog": catalog, "match": match, "examples": examples,
            "file": os.path.basename(path)}


# ---- reading a command's arguments the way its tool does --------------------------------------------------------
_NEGATIONS = frozenset({"false", "no", "off"})
_DEFAULT_TOOL = {"aliases": {}, "value_flags": (), "bool_flags": (), "single_dash_long": False}


def read_args(args, tool) -> tuple:
    """Split argv[1:] into ({canonical flag: [values]}, [(Arg, maybe_value)]) using the tool's flag syntax.

    maybe_value marks a positional that directly follows an undeclared flag: it might be that flag's value.
    """
    aliases = tool["aliases"]
    value_flags = tool["value_flags"]
    bool_flags = tool["bool_flags"]
    sdl = tool["single_dash_long"]
    flags: dict = {}
    positionals: list = []
    i, n = 0, len(args)
    after_unknown = False
    while i < n:
        a = args[i]
        t = a.text
        if a.dynamic or len(t) < 2 or t[0] != "-":
            positionals.append((a, after_unknown))
            after_unknown = False
            i += 1
            continue
        if t == "--":
            positionals.extend((x, False) for x in args[i + 1:])
            break
        after_unknown = False
        if t.startswith("--") or sdl:
            name, eq, value = t.partition("=")
            canon = aliases.get(name, name)
            if eq:
                flags.setdefault(canon, []).append(value)
            elif name in value_flags or canon in value_flags:
                if i + 1 < n:
                    flags.setdefault(canon, []).append(args[i + 1].text)
                    i += 1
                else:
                    flags.setdefault(canon, []).append("")
            else:
                flags.setdefault(canon, []).append(None)
                after_unknown = name not in bool_flags and canon not in bool_flags
            i += 1
            continue
        # short flags, possibly bundled: -rf, -n3, -uroot
        j = 1
        while j < len(t):
            letter = "-" + t[j]
            canon = aliases.get(letter, letter)
            if letter in value_flags or canon in value_flags:
                if j + 1 < len(t):
                    flags.setdefault(canon, []).append(t[j + 1:].lstrip("="))
                elif i + 1 < n:
                    flags.setdefault(canon, []).append(args[i + 1].text)
                    i += 1
                else:
                    flags.setdefault(canon, []).append("")
                break
            flags.setdefault(canon, []).append(None)
            if j == len(t) - 1:
                after_unknown = letter not in bool_flags and canon not in bool_flags
            j += 1
        i += 1
    return flags, positionals


def _match_subcommand(pattern, positionals, pi=0, qi=0, joker=False):
    """Index in positionals just past the subcommand, or -1. Positionals that may be an undeclared flag's
    value may be skipped, so `kubectl -n prod delete` reads as `delete` either way. With joker=True a word
    only known at run time matches any position (could this command be that subcommand?)."""
    if pi == len(pattern):
        return qi
    while qi < len(positionals):
        arg, maybe = positionals[qi]
        alts = pattern[pi]
        if (joker and arg.dynamic) or not arg.dynamic and (arg.text in alts or "*" in alts or any(
                ("*" in a or "?" in a or "[" in a) and fnmatch.fnmatchcase(arg.text, a) for a in alts)):
            got = _match_subcommand(pattern, positionals, pi + 1, qi + 1, joker)
            if got >= 0:
                return got
        if not maybe:
            return -1
        qi += 1
    return -1


def _flag_present(spec: str, flags: dict) -> bool:
    name, eq, pattern = spec.partition("=")
    values = flags.get(name)
    if values is None:
        return False
    if not eq:
        # `--dry-run=false`, `--force=no`: written, but explicitly off, so not present
        return any(v is None or v.lower() not in _NEGATIONS for v in values)
    return any(v is not None and fnmatch.fnmatchcase(v, pattern) for v in values)


class Matcher:
    """Matches commands and facts against a RuleSet in a given context (home, project root)."""

    def __init__(self, ruleset, home: str, project_root_for, tmpdir=None):
        self.ruleset = as_ruleset(ruleset)
        self.home = home
        self.project_root_for = project_root_for
        self.tmpdir = tmpdir

    def _finding(self, index, where, via=()) -> Finding:
        r = self.ruleset.meta(index)
        return Finding(r["id"], r["severity"], r["message"], r["why"], r["safer"], where, via)

    def rules_for(self, name) -> list:
        got = self.ruleset.for_command(name)
        return [rid for _i, rid, _s, _m in got[1]] if got else []

    def match_command(self, cmd) -> list:
        got = self.ruleset.for_command(cmd.name)
        if not got:
            return []
        tool, entries = got
        flags, positionals = read_args(cmd.args, tool)
        out = []
        classes_cache = {}
        for index, _rid, _sev, match in entries:
            if self._matches(match, cmd, flags, positionals, classes_cache):
                out.append(self._finding(index, cmd.display(), cmd.via))
        if not out and any(a.dynamic for a, _ in positionals):
            for index, rid, sev, match in entries:
                if self._could_match(match, cmd, flags, positionals):
                    out.append(Finding(
                        "shell.dynamic-argument", "write" if sev == "write" else "high",
                        "A word only known at run time could make this %s" % rid,
                        "`%s` has a subcommand or flag built at run time ($var, $(…)); with the wrong value it is "
                        "what rule %s stops." % (cmd.name, rid),
                        "Write the subcommand and flags literally so they can be checked.", cmd.display(), cmd.via))
                    break
        return out

    def _could_match(self, m, cmd, flags, positionals) -> bool:
        """Would the rule match if a word only known at run time were the subcommand or flag the rule needs?
        Only subcommand and flag positions take such a joker: a dynamic *path* is judged by the rules that ask
        for the `dynamic` path class, not by every rule that names a path."""
        jokers = sum(1 for a, _ in positionals if a.dynamic)
        needs_joker = False
        start = 0
        sub = m.get("subcommand")
        if sub:
            start = _match_subcommand(sub, positionals)
            if start < 0:
                start = _match_subcommand(sub, positionals, joker=True)
                if start < 0:
                    return False
                needs_joker = True
        f = m.get("flags_none")
        if f and any(_flag_present(x, flags) for x in f):
            return False
        missing = [x for x in m.get("flags_all", ()) if not _flag_present(x, flags)]
        f = m.get("flags_any")
        if f and not any(_flag_present(x, flags) for x in f):
            missing.append(f[0])
        if len(missing) > jokers:
            return False
        needs_joker = needs_joker or bool(missing)
        if not needs_joker:
            return False
        rest = [p for p in positionals[start:] if not p[0].dynamic]
        others = {k: v for k, v in m.items() if k in ("args_any", "args_none", "args_class_any", "args_min",
                                                       "assign_any", "last_arg_class_any")}
        return not others or self._matches(others, cmd, flags, rest, {})

    def _matches(self, m, cmd, flags, positionals, classes_cache) -> bool:
        start = 0
        sub = m.get("subcommand")
        if sub:
            start = _match_subcommand(sub, positionals)
            if start < 0:
                return False
        f = m.get("flags_all")
        if f and not all(_flag_present(x, flags) for x in f):
            return False
        f = m.get("flags_any")
        if f and not any(_flag_present(x, flags) for x in f):
            return False
        f = m.get("flags_none")
        if f and any(_flag_present(x, flags) for x in f):
            return False
        rest = positionals[start:]
        n = m.get("args_min")
        if n is not None and len(rest) < n:
            return False
        g = m.get("args_any")
        if g and not any(self._glob_arg(a, pat, cmd.cwd) for a, _ in rest for pat in g):
            return False
        g = m.get("args_none")
        if g and any(self._glob_arg(a, pat, cmd.cwd) for a, _ in rest for pat in g):
            return False
        c = m.get("args_class_any")
        if c:
            wanted = set(c)
            if not any(wanted & self._classes(a, cmd.cwd, classes_cache) for a, _ in rest):
                return False
        c = m.get("last_arg_class_any")
        if c and not (rest and set(c) & self._classes(rest[-1][0], cmd.cwd, classes_cache)):
            return False
        g = m.get("assign_any")
        if g and not any(_assign_matches(pat, cmd.assignments) for pat in g):
            return False
        return True

    def _classes(self, arg, cwd, cache):
        key = (arg.text, arg.dynamic, arg.glob)
        got = cache.get(key)
        if got is None:
            got = classify(arg.text, arg.dynamic, arg.glob, cwd, self.home, self.project_root_for(cwd), self.tmpdir)
            cache[key] = got
        return got

    def _glob_arg(self, arg, pattern, cwd) -> bool:
        if pattern.startswith("~"):
            pattern = self.home + pattern[1:]
        text = arg.text
        if fnmatch.fnmatchcase(text, pattern):
            return True
        if arg.dynamic or text.startswith("-") or "=" in text:
            return False
        if cwd is not None or text.startswith("/"):
            full = os.path.normpath(os.path.join(cwd or "/", text))
            if full != text and fnmatch.fnmatchcase(full, pattern):
                return True
        return False

    def match_fact(self, fact) -> list:
        got = self.ruleset.for_kind(fact.kind)
        if not got:
            return []
        out = []
        for index, _rid, _sev, m in got[1]:
            g = m.get("target_any")
            if g and not any(fnmatch.fnmatchcase(fact.target, (self.home + p[1:]) if p.startswith("~") else p)
                             for p in g):
                continue
            g = m.get("target_none")
            if g and any(fnmatch.fnmatchcase(fact.target, (self.home + p[1:]) if p.startswith("~") else p) for p in g):
                continue
            c = m.get("target_class_any")
            if c:
                a = fact.target_arg
                if a is None:
                    continue
                classes = classify(a.text, a.dynamic, a.glob, fact.cwd, self.home, self.project_root_for(fact.cwd),
                                   self.tmpdir)
                if not set(c) & classes:
                    continue
            out.append(self._finding(index, fact.detail or fact.target, fact.via))
        return out


def _assign_matches(pattern, assignments) -> bool:
    name, eq, value = pattern.partition("=")
    if name not in assignments:
        return False
    if not eq:
        return True
    v = assignments[name]
    return v is None or fnmatch.fnmatchcase(v, value)

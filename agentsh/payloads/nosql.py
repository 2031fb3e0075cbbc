"""Payload analyzer: NoSQL shells (catalog section 7, DB-23 … DB-35).

- `redis_cli` (redis-cli, valkey-cli, keydb-cli): the command given as arguments (options stop at the first word that
  is not an option, as in redis-cli itself), `--cluster call HOST CMD …`, `-x` (last argument from stdin), commands on
  stdin (one per line, quoted like redis-cli reads them, or RESP for `--pipe`), and Lua scripts (`EVAL "…"`,
  `--eval file.lua`): each literal `redis.call('cmd', …)` in a script is judged like that command with unknown keys.
  Facts: `redis:flushall`, `redis:flushdb`, `redis:del` (literal keys), `redis:del-dynamic` (keys only known at run
  time: `… | xargs redis-cli del`, a Lua script), `redis:config-set`, `redis:shutdown`, `redis:replicaof`,
  `redis:admin` (DEBUG, CLUSTER RESET, SCRIPT/FUNCTION FLUSH, SWAPDB, ACL DELUSER).
- `mongosh` (mongosh, mongo): `--eval` code, `--file`/`-f` and positional `*.js` files, `load('f.js')` inside them,
  and stdin. There is no JavaScript parser here: a tokenizer that knows JS strings, template literals and comments
  (so text inside strings never matches) finds method calls by name (`.drop(`, `.deleteMany(` …), reads the receiver
  just before the dot for the collection name, and reads the first argument to tell an empty filter (`{}`, none,
  `{_id: {$exists: true}}`) from a real one. A filter held in a variable counts as empty (agentsh cannot see it).
  Facts: `mongo:drop-database`, `mongo:drop-collection`, `mongo:delete-all`, `mongo:update-all`, `mongo:delete`,
  `mongo:update`, `mongo:rename`, `mongo:drop-index`, `mongo:drop-users`, `mongo:shutdown`.

rules/nosql.toml gives each fact its severity.
"""
from __future__ import annotations

import re

MAX_BYTES = 1 << 20
MAX_DEPTH = 8


# ---- Redis -----------------------------------------------------------------------------------------------------------
_REDIS_VALUE_OPTS = frozenset({
    "-h", "-p", "-s", "-a", "-u", "-r", "-i", "-n", "-d", "-D", "-t", "--user", "--pass", "--cacert", "--cacertdir",
    "--cert", "--key", "--tls-ciphers", "--tls-ciphersuites", "--sni", "--rdb", "--functions-rdb", "--pipe-timeout",
    "--memkeys-samples", "--pattern", "--quoted-pattern", "--count", "--intrinsic-latency", "--eval", "--lru-test",
    "--show-pushes", "--keystats-samples", "--top", "--cursor",
})
# Modes that do their own thing instead of reading commands from stdin.
_REDIS_MODES = frozenset({
    "--scan", "--bigkeys", "--memkeys", "--hotkeys", "--keystats", "--stat", "--latency", "--latency-history",
    "--latency-dist", "--rdb", "--functions-rdb", "--replica", "--intrinsic-latency", "--lru-test", "--help",
    "--version", "-v",
})
_REDIS_ADMIN = {
    "DEBUG": {"FLUSHALL", "RELOAD", "SEGFAULT", "RESTART", "CRASH-AND-RECOVER", "SET-ACTIVE-EXPIRE", "JMAP",
              "LOADAOF", "CHANGE-REPL-ID"},
    "CLUSTER": {"RESET", "FAILOVER", "FORGET", "FLUSHSLOTS", "DELSLOTS", "DELSLOTSRANGE"},
    "SCRIPT": {"FLUSH"}, "FUNCTION": {"FLUSH", "DELETE", "RESTORE"}, "ACL": {"DELUSER"}, "MODULE": {"UNLOAD"},
}


def redis_cli(cmd, ctx):
    from agentsh.model import Arg
    args = list(cmd.args)
    opts = {}
    i = 0
    while i < len(args) and not args[i].dynamic and args[i].text.startswith("-") and len(args[i].text) > 1:
        name = args[i].text
        if name == "--cluster":
            sub = args[i + 1:]
            if len(sub) >= 3 and not sub[0].dynamic and sub[0].text.lower() == "call":
                _redis_command(ctx, sub[2:], "%s --cluster call" % cmd.name)
            return
        if name in _REDIS_VALUE_OPTS and i + 1 < len(args):
            opts[name] = args[i + 1]
            i += 2
            continue
        opts[name] = None
        i += 1
    words = args[i:]
    if "--eval" in opts and opts["--eval"] is not None:
        f = opts["--eval"]
        if f.dynamic:
            ctx.unseen("%s --eval %s" % (cmd.name, f.text), "the Lua script is only known at run time")
        else:
            text, reason = ctx.read_file(f.text)
            if text is None:
                ctx.unreadable(f.text, reason)
            else:
                _lua(ctx, text, "%s --eval %s" % (cmd.name, f.text))
        return
    if words:
        if "-x" in opts:    # the last argument is read from stdin
            src = cmd.stdin
            words = words + [Arg(src.text.rstrip("\n"), False) if src is not None and src.kind == "text"
                             else Arg("<stdin>", True)]
        _redis_command(ctx, words, cmd.name)
        return
    if cmd.stdin is None or (set(opts) & _REDIS_MODES):
        return      # interactive, or a mode such as --scan that sends no commands of its own
    text = _stdin_text(cmd, ctx, "%s stdin" % cmd.name)
    if text is None:
        return
    for line_words in _redis_lines(text):
        _redis_command(ctx, [Arg(w) for w in line_words], "%s stdin" % cmd.name)


def _redis_command(ctx, words, origin):
    """Judge one Redis command (a list of Args)."""
    if not words:
        return
    if words[0].dynamic:
        ctx.unseen("%s %s" % (origin, words[0].text), "the Redis command is only known at run time")
        return
    name = words[0].text.upper()
    rest = words[1:]
    sub = rest[0].text.upper() if rest and not rest[0].dynamic else ""
    text = " ".join([words[0].text] + [a.text for a in rest])[:500]
    detail = "%s: %s" % (origin, text[:160])
    if name in ("FLUSHALL", "FLUSHDB"):
        ctx.fact("redis:" + name.lower(), name.lower(), detail, text)
    elif name in ("DEL", "UNLINK", "GETDEL"):
        if not rest or any(a.dynamic for a in rest):
            ctx.fact("redis:del-dynamic", "keys known only at run time", detail, text)
        else:
            ctx.fact("redis:del", " ".join(a.text for a in rest)[:200], detail, text)
    elif name == "CONFIG" and sub == "SET":
        ctx.fact("redis:config-set", rest[1].text if len(rest) > 1 else "?", detail, text)
    elif name == "SHUTDOWN":
        ctx.fact("redis:shutdown", " ".join(a.text.lower() for a in rest) or "shutdown", detail, text)
    elif name in ("REPLICAOF", "SLAVEOF"):
        if [a.text.upper() for a in rest] != ["NO", "ONE"]:
            ctx.fact("redis:replicaof", " ".join(a.text for a in rest) or "?", detail, text)
    elif name in _REDIS_ADMIN and (sub in _REDIS_ADMIN[name] or (rest and rest[0].dynamic)):
        ctx.fact("redis:admin", "%s %s" % (name.lower(), sub.lower() or rest[0].text), detail, text)
    elif name == "SWAPDB":
        ctx.fact("redis:admin", "swapdb", detail, text)
    elif name in ("EVAL", "EVAL_RO") and rest:
        if rest[0].dynamic:
            ctx.unseen("%s EVAL %s" % (origin, rest[0].text[:60]), "the Lua script is only known at run time")
        else:
            _lua(ctx, rest[0].text, origin + " EVAL")
    elif name in ("EVALSHA", "FCALL"):
        ctx.unseen("%s %s" % (origin, text[:80]), "runs a script stored on the server, which agentsh cannot read")


_LUA_CALL = re.compile(r"""(?:redis|server)\s*\.\s*p?call\s*\(\s*(?:'([^'\\]*)'|"([^"\\]*)"|([^,)]*))""")


def _lua(ctx, script, origin):
    """Each redis.call('cmd', …) in a Lua script, judged as that command with keys unknown to agentsh."""
    from agentsh.model import Arg
    for m in _LUA_CALL.finditer(script):
        name = m.group(1) if m.group(1) is not None else m.group(2)
        if name is None:
            ctx.unseen("%s %s" % (origin, m.group(0)[:60]), "the Lua script calls a Redis command chosen at run time")
            continue
        _redis_command(ctx, [Arg(name), Arg("<from the script>", True)], origin)


def _redis_lines(text):
    """Commands on stdin: RESP arrays (`--pipe` input) or one command per line, quoted as redis-cli reads them."""
    import shlex
    if text.lstrip().startswith("*"):
        yield from _resp(text)
        return
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            yield shlex.split(line)
        except ValueError:
            yield line.split()


def _resp(text):
    """RESP arrays (`*N`, then `$len` / value pairs); a line that is not RESP is read as an inline command."""
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        n = int(line[1:]) if line[:1] == "*" and line[1:].isdigit() else None
        if n is None:
            if line:
                yield line.split()
            continue
        words = []
        for _ in range(n):
            if i + 1 < len(lines) and lines[i].startswith("$"):
                words.append(lines[i + 1])
                i += 2
        yield words


# ---- MongoDB ---------------------------------------------------------------------------------------------------------
_MONGO_VALUE_OPTS = frozenset({
    "--eval", "--file", "-f", "--host", "--port", "-u", "--username", "-p", "--password", "--authenticationDatabase",
    "--authenticationMechanism", "--apiVersion", "--tlsCAFile", "--tlsCertificateKeyFile",
    "--tlsCertificateKeyFilePassword", "--awsAccessKeyId", "--awsSecretAccessKey", "--awsSessionToken",
    "--gssapiServiceName", "--keyVaultNamespace", "--kmsURL", "--browser", "--sslCAFile", "--sslPEMKeyFile",
    "--sslPEMKeyPassword", "--retryWrites", "--tlsCRLFile", "--sslCRLFile",
})


def mongosh(cmd, ctx):
    from agentsh.model import Arg
    args = list(cmd.args)
    sources = []      # ("eval", Arg) | ("file", Arg), in command-line order
    pos = []
    i = 0
    while i < len(args):
        a = args[i]
        t = a.text
        if not a.dynamic and t.startswith("-") and len(t) > 1:
            name, eq, val = t.partition("=")
            if eq:
                value = Arg(val, a.dynamic)
            elif name in _MONGO_VALUE_OPTS and i + 1 < len(args):
                value = args[i + 1]
                i += 1
            else:
                value = None
            if name == "--eval" and value is not None:
                sources.append(("eval", value))
            elif name in ("--file", "-f") and value is not None:
                sources.append(("file", value))
            elif name in ("--help", "-h", "--version") and not sources:
                return
        else:
            pos.append(a)
        i += 1
    for k, a in enumerate(pos):
        if a.dynamic:
            if k > 0:   # the first positional is the connection string ("$MONGODB_URI"); a later one is a script
                ctx.unseen("%s %s" % (cmd.name, a.text), "a script only known at run time")
        elif a.text.endswith(".js"):
            sources.append(("file", a))
    scanner = _Mongo(ctx, _connection_db(pos))
    for kind, value in sources:
        if kind == "eval":
            if value.dynamic:
                ctx.unseen("%s --eval %s" % (cmd.name, value.text[:80]), "the script is only known at run time")
            scanner.scan(value.text, "%s --eval" % cmd.name, 0)
        else:
            scanner.file(value, "%s %s" % (cmd.name, value.text), 0)
    if not sources and cmd.stdin is not None:
        text = _stdin_text(cmd, ctx, "%s stdin" % cmd.name)
        if text is not None:
            scanner.scan(text, "%s stdin" % cmd.name, 0)


def _connection_db(pos):
    """The database named by the connection argument (`mongodb://h/app?…`, `h:27017/app`, `app`), or None."""
    for a in pos:
        if a.dynamic or a.text.endswith(".js"):
            continue
        t = a.text
        if "://" in t:
            path = t.split("://", 1)[1].split("?", 1)[0]
            return (path.split("/", 1)[1] or None) if "/" in path else None
        if "/" in t:
            return t.rsplit("/", 1)[-1] or None
        return None if (":" in t or "." in t) else t
    return None


_JS_TOKEN = re.compile(r"""
    (?P<ws>\s+) | (?P<c1>//[^\n]*) | (?P<c2>/\*[\s\S]*?\*/)
  | (?P<s>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\[\s\S])*`)
  | (?P<id>[A-Za-z_$][\w$]*) | (?P<num>\d[\w.]*) | (?P<p>[\s\S])
""", re.X)
_EMPTY_FILTERS = frozenset({"", "{}", "{_id:{$exists:true}}", "{_id:{$ne:null}}", "{_id:{$exists:1}}"})


class _Mongo:
    """Finds destructive calls in mongosh JavaScript by method name, outside strings and comments."""

    def __init__(self, ctx, db):
        self.ctx = ctx
        self.db = db

    def file(self, arg, origin, depth):
        if arg.dynamic:
            self.ctx.unseen(origin, "the script file is only known at run time")
            return
        if self.ctx.cmd.cwd is None and self.ctx.cmd.via:
            self.ctx.unreadable(arg.text, "%s is read on another host or in a container" % arg.text)
            return
        text, reason = self.ctx.read_file(arg.text)
        if text is None:
            self.ctx.unreadable(arg.text, reason)
            return
        self.scan(text, origin, depth)

    def scan(self, text, origin, depth):
        if len(text) > MAX_BYTES:
            self.ctx.unreadable(origin, "more than %d bytes of script" % MAX_BYTES)
            return
        if depth > MAX_DEPTH:
            self.ctx.unreadable(origin, "load() nested more than %d levels" % MAX_DEPTH)
            return
        toks = []
        for m in _JS_TOKEN.finditer(text):
            kind = m.lastgroup
            if kind in ("ws", "c1", "c2"):
                if kind == "ws" and "\n" in m.group():
                    toks.append(("nl", "\n", m.start()))
                continue
            toks.append((kind, m.group(), m.start()))
        db = self.db
        for k, (kind, value, start) in enumerate(toks):
            if kind == "id" and value == "use" and (k == 0 or toks[k - 1][0] == "nl") and k + 1 < len(toks) \
                    and toks[k + 1][0] == "id":
                db = toks[k + 1][1]     # `use app` switches the current database
                continue
            if kind == "id" and value == "load" and k + 2 < len(toks) and toks[k + 1][1] == "(" \
                    and toks[k + 2][0] == "s" and (k == 0 or toks[k - 1][1] != "."):
                from agentsh.model import Arg
                self.file(Arg(_js_string(toks[k + 2][1])), "%s load(%s)" % (origin, toks[k + 2][1]), depth + 1)
                continue
            if kind != "id" or k == 0 or toks[k - 1][1] != "." or k + 1 >= len(toks) or toks[k + 1][1] != "(":
                continue
            args = _call_args(toks, k + 1)
            stmt = _statement_text(text, toks, k)
            for fact_kind, target in _mongo_method(value, _receiver(toks, k - 1), args, db):
                self.ctx.fact(fact_kind, target, "%s: %s" % (origin, " ".join(stmt.split())[:160]), stmt)


def _mongo_method(method, receiver, args, db):
    """[(kind, target)] for one method call. receiver: tokens before the dot; args: list of token lists."""
    first = _flat(args[0]) if args else ""
    empty = first in _EMPTY_FILTERS or (args and len(args[0]) == 1 and args[0][0][0] == "id")
    coll = "collection " + _collection(receiver)
    if method == "dropDatabase":
        return [("mongo:drop-database", "database " + (_receiver_db(receiver) or db or "(current)"))]
    if method == "drop":
        if receiver and receiver[-1][1] in ("_", "lodash"):
            return []
        return [("mongo:drop-collection", coll)]
    if method in ("deleteMany", "remove"):
        return [("mongo:delete-all" if empty else "mongo:delete", coll)]
    if method in ("deleteOne", "findOneAndDelete", "findAndRemove"):
        return [("mongo:delete", coll)]
    if method in ("updateMany", "update", "replaceOne", "findOneAndReplace"):
        return [("mongo:update-all" if empty else "mongo:update", coll)]
    if method in ("updateOne", "findOneAndUpdate", "bulkWrite", "findAndModify"):
        return [("mongo:update", coll)]
    if method == "renameCollection":
        return [("mongo:rename", coll)]
    if method in ("dropIndex", "dropIndexes"):
        return [("mongo:drop-index", coll)]
    if method in ("dropAllUsers", "dropAllRoles", "dropUser", "dropRole"):
        return [("mongo:drop-users", method)]
    if method == "shutdownServer":
        return [("mongo:shutdown", "server")]
    if method in ("runCommand", "adminCommand") and args:
        return _run_command(args[0], db)
    return []


def _run_command(arg, db):
    """db.runCommand({drop: 'x'}) and friends: the first key names the command."""
    if len(arg) < 3 or arg[0][1] != "{" or arg[2][1] != ":":
        return []
    key = _js_string(arg[1][1]) if arg[1][0] == "s" else arg[1][1]
    value = _js_string(arg[3][1]) if len(arg) > 3 and arg[3][0] == "s" else (arg[3][1] if len(arg) > 3 else "?")
    flat = _flat(arg)
    if key == "drop":
        return [("mongo:drop-collection", "collection " + value)]
    if key == "dropDatabase":
        return [("mongo:drop-database", "database " + (db or "(current)"))]
    if key == "delete":
        return [("mongo:delete-all" if "q:{}" in flat else "mongo:delete", "collection " + value)]
    if key == "update":
        return [("mongo:update-all" if "q:{}" in flat else "mongo:update", "collection " + value)]
    if key == "shutdown":
        return [("mongo:shutdown", "server")]
    if key in ("dropAllUsersFromDatabase", "dropAllRolesFromDatabase", "dropUser", "dropRole"):
        return [("mongo:drop-users", key)]
    return []


def _call_args(toks, open_index):
    """Top-level arguments of the call whose '(' is toks[open_index], as lists of tokens."""
    depth = 0
    args, cur = [], []
    for kind, value, _s in toks[open_index:]:
        if kind == "nl":
            continue
        if value in "([{" and kind == "p":
            depth += 1
            if depth == 1:
                continue
        elif value in ")]}" and kind == "p":
            depth -= 1
            if depth == 0:
                break
        if depth == 1 and value == "," and kind == "p":
            args.append(cur)
            cur = []
            continue
        cur.append((kind, value))
    if cur or args:
        args.append(cur)
    return args


def _receiver(toks, dot_index):
    """Tokens of the expression before toks[dot_index] (a '.'): identifiers, dots, and bracketed groups."""
    out = []
    k = dot_index - 1
    while k >= 0:
        kind, value, _s = toks[k]
        if value in (")", "]") and kind == "p":
            depth = 0
            j = k
            while j >= 0:
                if toks[j][1] in (")", "]") and toks[j][0] == "p":
                    depth += 1
                elif toks[j][1] in ("(", "[") and toks[j][0] == "p":
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            out[:0] = [(t[0], t[1]) for t in toks[max(j, 0):k + 1]]
            k = j - 1
            continue
        if kind == "id" or (kind == "p" and value == "."):
            out.insert(0, (kind, value))
            k -= 1
            continue
        break
    return out


def _collection(receiver):
    if not receiver:
        return "(unknown)"
    kind, value = receiver[-1]
    if kind == "id":
        return value
    if value in (")", "]"):   # db.getCollection('x') / db['x']
        j = len(receiver) - 1
        depth = 0
        while j >= 0:
            if receiver[j][1] in (")", "]"):
                depth += 1
            elif receiver[j][1] in ("(", "["):
                depth -= 1
                if depth == 0:
                    break
            j -= 1
        inner = receiver[j + 1:-1]
        if len(inner) == 1 and inner[0][0] == "s":
            return _js_string(inner[0][1])
        return "(dynamic)"
    return "(unknown)"


def _receiver_db(receiver):
    """db.getSiblingDB('x') / db.getMongo().getDB('x') → 'x'."""
    for k, (kind, value) in enumerate(receiver):
        if kind == "id" and value in ("getSiblingDB", "getDB") and k + 2 < len(receiver) and receiver[k + 2][0] == "s":
            return _js_string(receiver[k + 2][1])
    return None


def _flat(tokens):
    return "".join(_js_string(v) if k == "s" else v for k, v in tokens)


def _js_string(s):
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"`":
        return s[1:-1]
    return s


def _statement_text(text, toks, k):
    """The source line around token k, for the fact's payload."""
    start = text.rfind("\n", 0, toks[k][2]) + 1
    end = text.find("\n", toks[k][2])
    return text[start:end if end >= 0 else len(text)].strip()[:2000]


# ---- shared ----------------------------------------------------------------------------------------------------------
def _stdin_text(cmd, ctx, origin):
    src = cmd.stdin
    if src.kind == "text":
        if "expansion" in (src.origin or ""):
            ctx.unseen(origin, "the input contains values only known at run time")
        return src.text or ""
    if src.kind == "file" and src.text:
        if cmd.cwd is None and cmd.via:
            ctx.unreadable(src.text, "%s is read on another host or in a container" % src.text)
            return None
        text, reason = ctx.read_file(src.text)
        if text is None:
            ctx.unreadable(src.text, reason)
        return text
    ctx.unseen(origin, "the input comes from %s, which agentsh cannot read" % (src.origin or src.kind))
    return None

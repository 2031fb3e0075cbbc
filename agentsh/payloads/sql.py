"""Payload analyzer: SQL sent to a database by its command-line client (catalog section 7).

Two halves:

- Front ends, one per client (`psql`, `mysql`, `sqlite3`, `clickhouse`, `cqlsh`, `duckdb`, `bq`, `sqlcmd`,
  `cockroach`, `snowsql`, `turso`, `wrangler`): read the client's options the way the client does and collect the SQL
  it will run, in order: inline (`-c`, `-e`, `--query`, positional SQL), files (`-f`, `-i`, `--file`) and stdin (a pipe,
  a `<` redirection, a heredoc or a here-string). A value built at run time (`psql -c "$Q"`) is reported as unseen; a
  file agentsh cannot read as unreadable: neither is ever allowed.
- `analyze_sql(text, origin, ctx)`: the SQL itself, also used by other analyzers through `ctx.sql`. A small lexer
  (strings, quoted identifiers, comments, dollar quotes, per dialect) splits the text into statements and client
  meta-commands (`\\! cmd`, `\\i file`, `.read file`, `:r file`, `source file`, `DELIMITER`, `GO`). Only
  statements with a word that can destroy something (DROP, TRUNCATE, DELETE, UPDATE, ALTER, …; words inside string
  literals do not count) are tokenized and go to sqlglot, so `psql -c 'SELECT 1'` never imports it and a dump of
  INSERTs is never parsed. sqlglot's tree gives the facts; where sqlglot cannot parse a statement (or falls back to
  its opaque `Command`), a keyword reader of the statement's leading words takes over, and when that cannot tell
  either, a destructive keyword outside string literals gives `sql:unparsed-destructive`.

Facts (rules/sql.toml gives them their severity): `sql:drop` (target "<kind> <name>": "database app", "table users",
"temporary table t", "view v", "index i", …, "object <name>" for kinds outside that list), `sql:truncate`,
`sql:delete-all` / `sql:update-all` (no WHERE, or a WHERE that is always true: `1=1`, `true`, `1`),
`sql:delete` / `sql:update` (with a WHERE), `sql:alter-drop`, `sql:rename`, `sql:grant-all`, `sql:revoke-all`,
`sql:replace-table` (CREATE OR REPLACE TABLE, INSERT OVERWRITE, `bq query --replace`), `sql:copy-program`,
`sql:purge-logs` (MySQL binary logs), `sql:admin-function` (pg_terminate_backend, …), `sql:restore` (sqlite
`.restore`), `sql:unparsed-destructive`. Each carries the statement as its payload.

Statements between BEGIN and ROLLBACK are dropped in dialects whose DDL is transactional (PostgreSQL, SQLite, DuckDB,
SQL Server): `BEGIN; DELETE FROM t; ROLLBACK;` is the catalog's dry-run idiom. MySQL commits DDL implicitly, so it
keeps them.
"""
from __future__ import annotations

import os
import re

MAX_SQL_BYTES = 1 << 20
MAX_DEPTH = 8                   # nested includes (\\i, .read, :r, SOURCE) and dynamic SQL (EXECUTE '…', DO $$…$$)
MAX_SQLGLOT_STATEMENT = 100_000  # longer statements are read by the keyword reader only (sqlglot is slow on them)
MAX_SQLGLOT_PARSES = 2000        # per analysis; a dump with more candidate statements uses the keyword reader after

# A statement is parsed only when one of these words appears outside its string literals.
TRIGGERS = frozenset({
    "DROP", "TRUNCATE", "DELETE", "UPDATE", "ALTER", "RENAME", "GRANT", "REVOKE", "COPY", "PURGE", "RESET",
    "REPLACE", "OVERWRITE", "MERGE", "EXPLAIN", "SOURCE",
})
ADMIN_FUNCTIONS = frozenset({
    "PG_TERMINATE_BACKEND", "PG_DROP_REPLICATION_SLOT", "PG_PROMOTE", "PG_REPLICATION_ORIGIN_DROP",
})
# Words that run SQL held in a string (EXECUTE 'DROP …', PREPARE s FROM '…', EXEC('…'), DO $$ … $$).
DYNAMIC_WORDS = frozenset({"EXECUTE", "EXEC", "PREPARE", "IMMEDIATE"})
# Keywords that make an unreadable statement suspicious (`ON DELETE CASCADE`, `FOR UPDATE` excepted).
UNPARSED_WORDS = frozenset({"DROP", "TRUNCATE", "DELETE", "UPDATE", "RENAME", "PURGE"})
NOT_AFTER = frozenset({"ON", "FOR", "DO", "KEY"})
TRANSACTIONAL_DDL = frozenset({"postgres", "sqlite", "duckdb", "tsql"})

# Object kinds a drop may name. Others are reported as "object <name>" so a rule always matches.
DROP_KINDS = {
    "DATABASE": "database", "SCHEMA": "schema", "KEYSPACE": "keyspace", "TABLE": "table", "COLUMNFAMILY": "table",
    "VIEW": "view", "INDEX": "index", "FUNCTION": "function", "PROCEDURE": "procedure", "TRIGGER": "trigger",
    "SEQUENCE": "sequence", "TYPE": "type", "EXTENSION": "extension", "USER": "user", "ROLE": "role",
    "PUBLICATION": "publication", "SUBSCRIPTION": "subscription", "DICTIONARY": "dictionary", "STAGE": "stage",
    "WAREHOUSE": "warehouse", "DOMAIN": "domain", "EVENT": "event", "SERVER": "server", "TABLESPACE": "tablespace",
    "POLICY": "policy", "RULE": "rule", "AGGREGATE": "function", "MACRO": "function", "LOGIN": "user",
}
TWO_WORD_KINDS = {
    ("MATERIALIZED", "VIEW"): "materialized view", ("FOREIGN", "TABLE"): "foreign table", ("OWNED", "BY"): "owned by",
    ("EVENT", "TRIGGER"): "trigger", ("EXTERNAL", "TABLE"): "table", ("DYNAMIC", "TABLE"): "table",
    ("TEMPORARY", "TABLE"): "temporary table", ("TEMP", "TABLE"): "temporary table",
}


# ---- the SQL analyzer ----------------------------------------------------------------------------------------------
def analyze_sql(text, origin, ctx, dialect=None, family="generic", base_dir=None):
    """Report facts for SQL text (`origin` says where it came from, e.g. "psql -c"). Never raises."""
    _Run(ctx, dialect, family).analyze(text, origin, 0, base_dir)


def _client_separators(text, family):
    """Statement ends the client itself understands: psql's `\\;` and mysql's `\\g` / `\\G` end a statement
    and the rest of the line goes on. Rewritten to `;` before splitting (inside a string literal this only makes
    agentsh see more statements, never fewer)."""
    if family == "psql" and "\\;" in text:
        return text.replace("\\;", ";")
    if family == "mysql" and ("\\g" in text or "\\G" in text):
        return re.sub(r"\\[gG](?![A-Za-z])", ";", text)
    return text


def _psql_variables(text, cmd) -> bool:
    """psql substitutes `:name`, `:'name'`, `:"name"` with variables set by -v/--set or \\set."""
    if not re.search(r"(?<![:\w]):['\"]?[A-Za-z_]\w*", text):
        return False
    if re.search(r"(?m)^\s*\\set\s", text) or "\\gset" in text:
        return True
    return any(a.text in ("-v", "--set", "--variable") or a.text.startswith(("-v", "--set=", "--variable="))
               for a in getattr(cmd, "args", ()))


class _Run:
    """One client invocation: the dialect, the client's meta-command family, and budgets shared by its inputs."""

    def __init__(self, ctx, dialect, family):
        self.ctx = ctx
        self.dialect = dialect
        self.family = family
        self.parses = 0

    # ---- text → facts ------------------------------------------------------------------------------------------
    def analyze(self, text, origin, depth, base_dir=None):
        if text is None:
            return
        if len(text) > MAX_SQL_BYTES:
            self.ctx.unreadable(origin, "%s carries more than %d bytes of SQL" % (origin, MAX_SQL_BYTES))
            return
        text = _client_separators(text, self.family)
        if self.family == "psql" and _psql_variables(text, self.ctx.cmd):
            self.ctx.unseen(origin, "%s interpolates psql variables (:name): the SQL sent is built at run time"
                            % origin)
        for kind, target, detail, payload in self.facts(text, origin, depth, base_dir):
            self.ctx.fact(kind, target, detail, payload)

    def facts(self, text, origin, depth, base_dir=None):
        """The facts of a text, in order; statements rolled back in a transactional dialect are left out."""
        if depth > MAX_DEPTH:
            self.ctx.unreadable(origin, "SQL includes or dynamic SQL nested more than %d levels" % MAX_DEPTH)
            return []
        out, pending = [], None          # pending: facts inside an explicit transaction, until COMMIT or ROLLBACK
        previous = None
        for item in _split(text, self.dialect, self.family):
            if item[0] == "meta":
                prev = text[previous[0]:previous[1]] if previous else None
                got = self.meta(item[1], item[2], prev, origin, depth, base_dir)
            else:
                _, start, end, code = item
                previous = (start, end)
                if not _INTERESTING.search(code):
                    continue     # no word that can destroy, run SQL from a string, or open/close a transaction
                toks = _tokens(text[start:end], self.dialect)
                words = [v for t, v in toks if t == "w"]
                tx = _transaction(words, self.dialect)
                if tx == "begin":
                    if pending is None:
                        pending = []
                    continue
                if tx == "commit" or (tx == "rollback" and self.dialect not in TRANSACTIONAL_DDL):
                    out.extend(pending or [])
                    pending = None
                    continue
                if tx == "rollback":
                    pending = None
                    continue
                got = self.statement(text[start:end], toks, words, origin, depth, base_dir)
            (pending if pending is not None else out).extend(got)
        out.extend(pending or [])   # never committed nor rolled back: count it (clients differ on what happens)
        return out

    def statement(self, stmt, toks, words, origin, depth, base_dir):
        while words and words[0] == "BEGIN" and len(words) > 1:   # `BEGIN DELETE …` inside a procedural block
            words = words[1:]
            toks = toks[[t for t, _ in toks].index("w") + 1:]
        facts = []
        if words and (words[0] == "DO" or DYNAMIC_WORDS.intersection(words)) and words[0] != "CREATE":
            # SQL held in strings and run right away: analyze what the strings say
            for t, v in toks:
                if t in ("s", "d") and v.strip():
                    inner = origin if origin.endswith("(dynamic SQL)") else origin + " (dynamic SQL)"
                    facts.extend(self.facts(v, inner, depth + 1, base_dir))
            if _runs_variable_sql(words, toks):
                self.ctx.unseen("%s: %s" % (origin, _short(stmt, 80)), "runs SQL held in a variable")
        wordset = set(words)
        if not (wordset & TRIGGERS or wordset & ADMIN_FUNCTIONS):
            return facts
        found = self.parsed(stmt)
        if found is None or not found:
            by_words = _keyword_facts(toks, words)
            if by_words is not None:
                found = by_words
        if found is None:
            found = []
            word = _destructive_word(words)
            if word:
                found = [("sql:unparsed-destructive", word.lower())]
        detail = "%s: %s" % (origin, _short(stmt))
        for kind, target in _unique(found):
            if kind == "shell":
                self.ctx.shell(target, origin + " COPY … PROGRAM")
                continue
            if kind == "include":     # cqlsh SOURCE 'file': relative to the working directory
                facts.extend(self.include(target, origin, depth, None))
                continue
            facts.append((kind, target, detail, stmt))
        return facts

    def parsed(self, stmt):
        """Facts from sqlglot's tree, or None when sqlglot cannot read the statement (then the keyword reader does)."""
        if len(stmt) > MAX_SQLGLOT_STATEMENT or self.parses >= MAX_SQLGLOT_PARSES:
            return None
        self.parses += 1
        try:
            import logging
            import sqlglot
            logging.getLogger("sqlglot").setLevel(logging.CRITICAL)   # its parse warnings must not reach stderr
            trees = sqlglot.parse(stmt, read=self.dialect)
            out = []
            for tree in trees:
                if tree is None:
                    continue
                got = _tree_facts(tree)
                if got is None:
                    return None
                out.extend(got)
            return out
        except Exception:   # sqlglot's ParseError, TokenError, RecursionError on deep nesting, …
            return None

    # ---- client meta-commands ------------------------------------------------------------------------------------
    def meta(self, kind, line, previous, origin, depth, base_dir):
        """psql/mysql backslash commands, sqlite/duckdb dot commands, sqlcmd `:r`/`!!`, snowsql `!…` lines."""
        name, arg = _meta_split(kind, line)
        if name is None:
            return []
        shell_names = {"!", "system", "shell", "!!"}
        include_names = {"i", "include", "ir", "include_relative", ".", "source", "read", "r"}
        if kind == "bang" and name == "load":   # snowsql !load is !source
            name = "source"
        if name in shell_names:
            if arg:
                self.ctx.shell(arg, "%s %s" % (origin, line.split()[0]))
            return []
        if name in include_names:
            arg = _unquote(arg)
            if kind == "dot" and name == "read" and arg.startswith("|"):
                # `.read '|cmd'`: runs cmd and executes its output as SQL
                self.ctx.shell(arg[1:], origin + " .read |")
                self.ctx.unseen(origin + " " + line[:60], "SQL produced by a command at run time")
                return []
            here = base_dir if name in ("ir", "include_relative") else None
            return self.include(arg, origin, depth, here)
        if name in ("o", "out", "g", "gx", "w", "write", "output", "once") and _unquote(arg).startswith("|"):
            arg = _unquote(arg)
            self.ctx.shell(arg[1:], "%s %s" % (origin, line.split()[0]))
            return []
        if name == "|":   # cockroach `\\| cmd`: runs cmd and executes its output as SQL
            self.ctx.shell(arg, origin + " \\|")
            self.ctx.unseen(origin + " " + line[:60], "SQL produced by a command at run time")
            return []
        if name == "copy" and re.search(r"(?i)\bprogram\b", arg):
            m = re.search(r"(?i)\bprogram\s+'((?:[^']|'')*)'", arg)
            if m:
                self.ctx.shell(m.group(1).replace("''", "'"), origin + " \\copy … program")
            else:
                self.ctx.unseen(origin + " " + line[:60], "\\copy runs a program agentsh cannot read")
            return []
        if name == "gexec" and previous is not None:
            # psql runs every value the previous query returns as a statement: judge the strings it builds
            strings = [v for t, v in _tokens(previous, self.dialect) if t in ("s", "d") and v.strip()]
            got = []
            for s in strings:
                got.extend(self.facts(s, origin + " \\gexec", depth + 1, base_dir))
            if not got:
                self.ctx.unseen(origin + " \\gexec", "psql \\gexec runs SQL that a query builds at run time")
            return got
        if name == "restore" and kind == "dot":
            return [("sql:restore", "database " + (arg or "main"), "%s: %s" % (origin, line), line)]
        return []

    def include(self, name, origin, depth, base_dir):
        """A file the SQL itself pulls in (\\i, .read, :r, source, SOURCE 'f')."""
        if not name:
            return []
        if base_dir and not name.startswith(("/", "~")):
            name = os.path.join(base_dir, name)
        text = _read(self.ctx, name)
        if text is None:
            return []
        full = self.ctx.path(name)
        return self.facts(text, "%s → %s" % (origin, name), depth + 1, os.path.dirname(full) if full else None)


# ---- tree facts (sqlglot) ----------------------------------------------------------------------------------------
def _tree_facts(tree):
    """[(kind, target)] for one parsed statement; None when the keyword reader should decide instead."""
    from sqlglot import exp
    if isinstance(tree, (exp.Command, exp.Describe, exp.Copy)):
        return None
    out = []
    for node in tree.walk():
        if isinstance(node, exp.Command):
            return None
        if isinstance(node, exp.Alter):
            out.extend(_alter_facts(node, exp))
        elif isinstance(node, exp.Drop):
            if isinstance(node.parent, exp.Alter):
                continue
            out.extend(_drop_facts(node))
        elif isinstance(node, exp.TruncateTable):
            what = "database " if node.args.get("is_database") else "table "
            for t in node.expressions or [node.this]:
                out.append(("sql:truncate", what + _name(t)))
        elif isinstance(node, (exp.Delete, exp.Update)):
            if isinstance(node.parent, exp.Alter):
                continue
            verb = "delete" if isinstance(node, exp.Delete) else "update"
            out.append((_where_kind(verb, node.args.get("where"), exp), "table " + _name(node.this)))
        elif isinstance(node, (exp.Grant, exp.Revoke)):
            privs = [p.this.name.upper() if isinstance(p.this, exp.Expression) else str(p.this).upper()
                     for p in node.args.get("privileges") or []]
            if "ALL" in privs or "ALL PRIVILEGES" in privs:
                kind = "sql:grant-all" if isinstance(node, exp.Grant) else "sql:revoke-all"
                sec = node.args.get("securable")
                out.append((kind, "on " + _name(sec) if sec is not None else "all"))
        elif isinstance(node, exp.Create):
            if node.args.get("replace") and str(node.args.get("kind") or "").upper() == "TABLE":
                out.append(("sql:replace-table", "table " + _name(node.this)))
        elif isinstance(node, exp.Insert):
            if node.args.get("overwrite"):
                out.append(("sql:replace-table", "table " + _name(node.this)))
        elif isinstance(node, exp.Merge):
            if "DELETE" in node.sql().upper():
                out.append(("sql:delete", "table " + _name(node.this)))
        elif isinstance(node, exp.Func):
            fname = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).upper()
            if fname in ADMIN_FUNCTIONS:
                out.append(("sql:admin-function", fname.lower()))
    return out


def _drop_facts(node):
    kind = str(node.args.get("kind") or "").upper()
    if kind == "TABLE" and node.args.get("temporary"):
        label = "temporary table"
    elif kind == "VIEW" and node.args.get("materialized"):
        label = "materialized view"
    else:
        label = DROP_KINDS.get(kind, "object")
    tables = node.args.get("tables") or ([node.this] if node.this is not None else [])
    return [("sql:drop", "%s %s" % (label, _name(t))) for t in tables] or [("sql:drop", label + " (unnamed)")]


def _alter_facts(node, exp):
    table = _name(node.this)
    kind = str(node.args.get("kind") or "table").lower()
    out = []
    for a in node.args.get("actions") or []:
        cls = type(a).__name__
        if isinstance(a, exp.Drop):
            what = str(a.args.get("kind") or "column").lower()
            for t in a.args.get("tables") or [a.this]:
                out.append(("sql:alter-drop", "%s %s.%s" % (what, table, _name(t))))
        elif cls.startswith("Drop"):   # DropPartition, DropPrimaryKey, …
            what = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", cls[4:]).lower() or "part"
            out.append(("sql:alter-drop", "%s %s" % (what, table)))
        elif isinstance(a, exp.AlterRename):
            out.append(("sql:rename", "%s %s" % (kind, table)))
        elif isinstance(a, exp.RenameColumn):
            out.append(("sql:rename", "column %s.%s" % (table, _name(a.this))))
        elif isinstance(a, (exp.Delete, exp.Update)):   # ClickHouse mutations: ALTER TABLE t DELETE WHERE …
            verb = "delete" if isinstance(a, exp.Delete) else "update"
            out.append((_where_kind(verb, a.args.get("where"), exp), "table " + table))
    return out


def _name(e) -> str:
    if e is None:
        return "?"
    if type(e).__name__ == "Schema" and e.this is not None:   # CREATE TABLE t (cols): the table is inside
        e = e.this
    parts = getattr(e, "parts", None)
    if parts:
        return ".".join(p.name for p in parts if getattr(p, "name", None)) or e.sql()
    name = getattr(e, "name", "")
    return name or e.sql()


def _where_kind(verb, where, exp) -> str:
    if where is None or _always_true(where.this, exp):
        return "sql:%s-all" % verb
    return "sql:" + verb


def _always_true(e, exp) -> bool:
    """A WHERE that holds for every row: TRUE, a non-zero number, `1=1`, `'a'='a'`, an OR with such a branch.
    Anything that mentions a column is taken as a real filter (agentsh does not know the data)."""
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.Boolean):
        return bool(e.this)
    if isinstance(e, exp.Literal):
        if e.is_string:
            return False
        try:
            return float(e.this) != 0
        except ValueError:
            return False
    if isinstance(e, exp.Or):
        return _always_true(e.this, exp) or _always_true(e.expression, exp)
    if isinstance(e, exp.And):
        return _always_true(e.this, exp) and _always_true(e.expression, exp)
    if isinstance(e, (exp.EQ, exp.GTE, exp.LTE, exp.NullSafeEQ)):
        a, b = e.this, e.expression
        if isinstance(a, exp.Literal) and isinstance(b, exp.Literal):
            if isinstance(e, (exp.EQ, exp.NullSafeEQ)):
                return a.this == b.this
            try:
                x, y = float(a.this), float(b.this)
            except ValueError:
                return False
            return x >= y if isinstance(e, exp.GTE) else x <= y
        return isinstance(a, exp.Column) and a == b    # `x = x`
    if isinstance(e, (exp.NEQ, exp.GT, exp.LT)):
        a, b = e.this, e.expression
        if isinstance(a, exp.Literal) and isinstance(b, exp.Literal) and not a.is_string and not b.is_string:
            try:
                x, y = float(a.this), float(b.this)
            except ValueError:
                return False
            return {exp.NEQ: x != y, exp.GT: x > y, exp.LT: x < y}[type(e)]
    if isinstance(e, exp.Not):
        inner = e.this
        while isinstance(inner, exp.Paren):
            inner = inner.this
        return isinstance(inner, exp.Boolean) and not inner.this
    return False


# ---- keyword facts (statements sqlglot cannot read) ------------------------------------------------------------
def _keyword_facts(toks, words):
    """Read a statement by its leading keywords. [(kind, target)], [] for a known harmless form, None if unknown."""
    if not words:
        return None
    lead = words[0]
    if lead in ("EXPLAIN", "DESCRIBE", "DESC"):
        # EXPLAIN ANALYZE runs the statement; a plain EXPLAIN only plans it
        if "ANALYZE" not in words[1:4] and "ANALYSE" not in words[1:4]:
            return []
        for i, w in enumerate(words[1:], 1):
            if w in ("DELETE", "UPDATE", "INSERT", "SELECT", "MERGE", "WITH", "CREATE", "DROP", "TRUNCATE"):
                return _keyword_facts(toks[_nth_word(toks, i):], words[i:])
        return []
    if lead in ("SHOW", "USE", "SET", "SELECT", "VALUES", "PRAGMA", "LIST", "LS", "GET", "INSERT"):
        return None if _destructive_word(words) else []
    if lead == "CREATE":
        if words[1:3] == ["OR", "REPLACE"] and "TABLE" in words[3:6]:
            k = words.index("TABLE", 3) + 1
            while k < len(words) and words[k] in ("IF", "NOT", "EXISTS"):
                k += 1
            return [("sql:replace-table", "table %s" % (_name_after(toks, k) or "?"))]
        if set(words[1:6]) & {"TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "RULE"}:
            return []   # defines code; creating it runs nothing
        return None
    if lead == "DROP":
        label, i = _drop_kind(words, 1)
        while i < len(words) and words[i] in ("IF", "EXISTS", "CONCURRENTLY"):
            i += 1
        return [("sql:drop", "%s %s" % (label, _name_after(toks, i) or "(dynamic)"))]
    if lead == "TRUNCATE":
        what = "database" if words[1:2] == ["DATABASE"] else "table"
        i = 1
        while i < len(words) and words[i] in ("TABLE", "DATABASE", "ONLY", "IF", "EXISTS"):
            i += 1
        return [("sql:truncate", "%s %s" % (what, _name_after(toks, i) or "(dynamic)"))]
    if lead in ("DELETE", "UPDATE"):
        j = words.index("FROM") + 1 if lead == "DELETE" and "FROM" in words else 1
        while j < len(words) and words[j] in ("ONLY", "LOW_PRIORITY", "IGNORE", "QUICK", "TOP"):
            j += 1
        return [(_keyword_where(lead.lower(), toks), "table " + (_name_after(toks, j) or "?"))]
    if lead == "ALTER":
        kind = words[1].lower() if len(words) > 1 else "object"
        j = 2
        while j < len(words) and words[j] in ("IF", "EXISTS", "ONLY"):
            j += 1
        name = _name_after(toks, j) or "?"
        out = []
        for k, w in enumerate(words):
            nxt = words[k + 1] if k + 1 < len(words) else ""
            if w == "DROP" and k > 1 and nxt not in ("DEFAULT", "NOT", "IDENTITY", "EXPRESSION"):
                what = nxt.lower() if nxt in ALTER_DROP_KINDS else "column"
                out.append(("sql:alter-drop", "%s %s" % (what, name)))
            elif w == "RENAME":
                out.append(("sql:rename", "%s %s" % (kind, name)))
            elif w in ("DELETE", "UPDATE") and k > 1 and words[k - 1] not in NOT_AFTER:
                out.append((_keyword_where(w.lower(), toks), "table " + name))
        return out
    if lead == "RENAME":
        kind = words[1].lower() if len(words) > 1 else "table"
        return [("sql:rename", "%s %s" % (kind, _name_after(toks, 2) or "?"))]
    if lead in ("GRANT", "REVOKE"):
        if "ALL" in words[1:4]:
            on = _name_after(toks, words.index("ON") + 1) if "ON" in words else None
            return [("sql:grant-all" if lead == "GRANT" else "sql:revoke-all", "on " + on if on else "all")]
        return []
    if lead in ("RESET", "PURGE"):
        if set(words[1:3]) & {"MASTER", "BINARY", "REPLICA", "SLAVE"}:
            return [("sql:purge-logs", " ".join(words[:3]).lower())]
        return []
    if lead == "COPY":
        if "PROGRAM" in words:
            k = [v for _t, v in toks].index("PROGRAM")
            prog = next((v for t, v in toks[k + 1:] if t in ("s", "d")), None)
            out = [("sql:copy-program", _short(prog, 80) if prog else "(dynamic)")]
            if prog:
                out.append(("shell", prog))
            return out
        return []
    if lead == "SOURCE":   # cqlsh SOURCE 'file'
        f = next((v for t, v in toks if t in ("s", "q")), None)
        return [("include", f)] if f else []
    return None


ALTER_DROP_KINDS = frozenset({"COLUMN", "CONSTRAINT", "INDEX", "PARTITION", "KEY", "PRIMARY", "FOREIGN", "CHECK",
                              "DETACHED", "PROJECTION", "STATISTICS", "TTL"})


def _drop_kind(words, i):
    """(label, index of the next word) for the object kind after DROP."""
    if i + 1 < len(words) and (words[i], words[i + 1]) in TWO_WORD_KINDS:
        return TWO_WORD_KINDS[(words[i], words[i + 1])], i + 2
    if i < len(words) and words[i] in ("TEMPORARY", "TEMP"):
        return "temporary " + DROP_KINDS.get(words[i + 1] if i + 1 < len(words) else "", "object"), i + 2
    if i < len(words) and words[i] in DROP_KINDS:
        return DROP_KINDS[words[i]], i + 1
    if i < len(words):
        return "object " + words[i].lower(), i + 1
    return "object", i


def _name_after(toks, i):
    """The dotted name right after the (i-1)-th word: the i-th word, or a quoted identifier in its place."""
    return _name_at(toks, _nth_word(toks, i - 1) + 1) if i > 0 else None


def _nth_word(toks, n):
    """Index in toks of the n-th word token (0-based); len(toks) when there are fewer."""
    seen = -1
    for k, (t, _v) in enumerate(toks):
        if t == "w":
            seen += 1
            if seen == n:
                return k
    return len(toks)


def _name_at(toks, k):
    """A dotted name starting at toks[k] (words and quoted identifiers joined by '.')."""
    parts = []
    while k < len(toks):
        t, v = toks[k]
        if t not in ("w", "q"):
            break
        parts.append(v.lower() if t == "w" else v)
        if k + 1 < len(toks) and toks[k + 1] == ("p", "."):
            k += 2
            continue
        break
    return ".".join(parts) or None


def _keyword_where(verb, toks):
    """sql:<verb>-all unless a WHERE at the statement's top level holds a real filter."""
    depth = 0
    for k, (t, v) in enumerate(toks):
        if t == "p":
            depth += (v == "(") - (v == ")")
        elif t == "w" and v == "WHERE" and depth == 0:
            cond = [x for x in toks[k + 1:] if x != ("p", ";")]
            if cond in ([("w", "TRUE")], [("n", "1")]) or (
                    len(cond) == 3 and cond[1] == ("p", "=") and cond[0] == cond[2] and cond[0][0] in ("n", "s")):
                return "sql:%s-all" % verb
            return "sql:" + verb
    return "sql:%s-all" % verb


def _runs_variable_sql(words, toks):
    """`PREPARE s FROM @q`, `EXEC(@sql)`, `EXEC sp_executesql @sql`, `EXECUTE IMMEDIATE :v`: SQL agentsh cannot see."""
    if any(t in ("s", "d") for t, _ in toks):
        return False
    if ("PREPARE" in words and "FROM" in words) or "SP_EXECUTESQL" in words or "IMMEDIATE" in words:
        return True
    for k in range(len(toks) - 2):
        if toks[k][0] == "w" and toks[k][1] in ("EXEC", "EXECUTE") and toks[k + 1] == ("p", "(") \
                and toks[k + 2] == ("p", "@"):
            return True
    return False


def _destructive_word(words):
    for k, w in enumerate(words):
        if w in UNPARSED_WORDS and not (k and words[k - 1] in NOT_AFTER):
            return w
    return None


def _transaction(words, dialect):
    if not words:
        return None
    a, rest = words[0], words[1:]
    if a == "BEGIN":
        if dialect == "tsql":
            return "begin" if rest[:1] in (["TRAN"], ["TRANSACTION"]) else None
        if not rest or rest[0] in ("TRANSACTION", "WORK", "DEFERRED", "IMMEDIATE", "EXCLUSIVE", "ISOLATION", "READ"):
            return "begin"
        return None
    if a == "START" and rest[:1] == ["TRANSACTION"]:
        return "begin"
    if a == "COMMIT" or (a == "END" and (not rest or rest[0] in ("TRANSACTION", "WORK"))):
        return "commit"
    if a in ("ROLLBACK", "ABORT"):
        return None if ("TO" in rest or "PREPARED" in rest) else "rollback"
    return None


def _unique(pairs):
    seen = set()
    for p in pairs:
        if p not in seen:
            seen.add(p)
            yield p


def _short(stmt, n=160):
    s = " ".join(stmt.split())
    return s if len(s) <= n else s[:n - 1] + "…"


def _unquote(s):
    s = s.strip().rstrip(";").strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def _meta_split(kind, line):
    """(command name, argument) of a client meta-command line, or (None, '') when it does nothing we judge."""
    s = line.strip()
    if kind == "bsl":
        m = re.match(r"\\(!|\||\.|[A-Za-z_]+)\s*(.*)", s, re.S)
    elif kind == "dot":
        m = re.match(r"\.([A-Za-z_]+)\s*(.*)", s, re.S)
    elif kind == "colon":
        m = re.match(r":?(!!|[A-Za-z_]+)\s*(.*)", s, re.S)
    elif kind == "bang":
        m = re.match(r"!([A-Za-z_]+)\s*(.*)", s, re.S)
    elif kind == "mline":
        m = re.match(r"([A-Za-z_]+)\s*(.*)", s, re.S)
    else:
        return None, ""
    if not m:
        return None, ""
    name = m.group(1).lower()
    return name, m.group(2).strip()


# ---- lexer ---------------------------------------------------------------------------------------------------------
# Two passes, for speed on large dumps: a coarse pass finds statements and meta-commands (it only needs to know
# strings, quoted identifiers, comments and separators; plain code is taken in runs), and a fine pass turns a
# statement into tokens only when its code (strings left out) mentions a word that matters (`_INTERESTING`).
# A dump of INSERTs is thus never tokenized word by word.
BACKSLASH_STRINGS = frozenset({"mysql", "bigquery", "clickhouse", "snowflake"})
STATEMENT_START_METAS = frozenset({"dot", "mline", "bang"})   # recognized only when no statement is in progress
META_KINDS = frozenset({"bsl", "dot", "mline", "go", "colon", "bang"})
_FAMILY_META = {
    "psql": [("bsl", r"\\[^\n]*")],
    "mysql": [("mline", r"^[ \t]*(?i:source|system|delimiter)[ \t][^\n]*"), ("bsl", r"\\[^\n]*")],
    "sqlite": [("dot", r"^[ \t]*\.[A-Za-z][^\n]*")],
    "tsql": [("go", r"^[ \t]*(?i:go)(?:[ \t]+\d+)?[ \t]*(?=\r?\n|\Z)"), ("colon", r"^[ \t]*(?::[A-Za-z!]|!!)[^\n]*")],
    "snowsql": [("bang", r"^[ \t]*![A-Za-z][^\n]*")],
}
_SKIP = frozenset({"nl", "ws", "c1", "c2", "c3", "cond"})
_INTERESTING = re.compile(r"(?i)\b(?:%s)\b" % "|".join(sorted(
    TRIGGERS | ADMIN_FUNCTIONS | DYNAMIC_WORDS | {"DO", "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT"})))
_LEXERS: dict = {}


def _quoted_parts(dialect):
    """Comments, strings and quoted identifiers of a dialect, as (group name, pattern)."""
    parts = [("c1", r"--[^\n]*")]
    if dialect in ("mysql", "bigquery"):
        parts.append(("c2", r"\#[^\n]*"))
    if dialect == "mysql":
        parts.append(("cond", r"/\*![0-9]*|\*/"))   # /*!40101 … */ is executed by MySQL: read it as code
    parts.append(("c3", r"/\*[\s\S]*?\*/"))
    if dialect in ("postgres", "duckdb", "snowflake", None):
        parts.append(("dollar", r"\$(?P<tag>(?:[^\W\d]\w*)?)\$[\s\S]*?\$(?P=tag)\$"))
    if dialect in ("postgres", "duckdb", None):
        parts.append(("estr", r"[eE]'(?:[^'\\]|''|\\[\s\S])*'"))
    if dialect in BACKSLASH_STRINGS:
        parts += [("str", r"'(?:[^'\\]|''|\\[\s\S])*'"), ("dq", r'"(?:[^"\\]|""|\\[\s\S])*"')]
    else:
        parts += [("str", r"'(?:[^']|'')*'"), ("dq", r'"(?:[^"]|"")*"')]
    if dialect in ("mysql", "bigquery", "clickhouse", "sqlite", "duckdb", None):
        parts.append(("bt", r"`(?:[^`]|``)*`"))
    if dialect in ("tsql", "sqlite"):
        parts.append(("br", r"\[[^\]\n]*\]"))
    return parts


def _lexers(dialect, family, delim=";"):
    """(coarse lexer, coarse lexer without statement-start metas, fine lexer) for a dialect and client family."""
    key = (dialect, family, delim[:1])
    if key not in _LEXERS:
        meta = _FAMILY_META.get(family, [])
        quoted = _quoted_parts(dialect)
        # characters that may start something other than plain code end a run of code
        special = set("\n'\";") | {delim[:1]}
        special |= {"`"} if any(n == "bt" for n, _ in quoted) else set()
        special |= {"$"} if any(n == "dollar" for n, _ in quoted) else set()
        special |= {"#"} if dialect in ("mysql", "bigquery") else set()
        special |= {"["} if dialect in ("tsql", "sqlite") else set()
        special |= {"\\"} if family in ("psql", "mysql") else set()
        starts = "".join(re.escape(c) for c in sorted(special | set("-/*eE")))
        alts = [r"[^%s]" % starts, r"-(?!-)", r"/(?![*])", r"\*(?!/)" if dialect == "mysql" else r"\*"]
        if any(n == "estr" for n, _ in quoted):
            alts.append(r"[eE](?!')")
        else:
            alts.append(r"[eE]")
        run = "(?:%s)+" % "|".join(alts)
        coarse = [("nl", r"\n")] + quoted + [("semi", ";"), ("run", run), ("p", r"[\s\S]")]
        fine = [("nl", r"\n"), ("ws", r"[ \t\r\f\v]+")] + quoted + [
            ("word", r"[^\W\d][\w$]*"), ("num", r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?"), ("p", r"[\s\S]")]

        def build(parts):
            return re.compile("|".join("(?P<%s>%s)" % kv for kv in parts), re.M)
        _LEXERS[key] = (build(meta + coarse),
                        build([m for m in meta if m[0] not in STATEMENT_START_METAS] + coarse),
                        build(fine))
    return _LEXERS[key]


def _token(kind, text):
    if kind == "word":
        return ("w", text.upper())
    if kind in ("str", "estr"):
        inner = text[2:-1] if kind == "estr" else text[1:-1]
        return ("s", inner.replace("''", "'"))
    if kind == "dq":
        return ("q", text[1:-1].replace('""', '"'))
    if kind == "bt":
        return ("q", text[1:-1].replace("``", "`"))
    if kind == "br":
        return ("q", text[1:-1])
    if kind == "dollar":
        return ("d", text[text.index("$", 1) + 1:text.rindex("$", 0, len(text) - 1)])
    if kind == "num":
        return ("n", text)
    return ("p", text)


def _tokens(stmt, dialect):
    """Fine tokens of one statement: ("w", WORD) ("q", ident) ("s", string) ("d", dollar body) ("n", …) ("p", …)"""
    fine = _lexers(dialect, "generic")[2]
    out = []
    for m in fine.finditer(stmt):
        kind = m.lastgroup
        if kind == "tag":
            kind = "dollar"
        if kind not in _SKIP:
            out.append(_token(kind, m.group()))
    return out


def _split(text, dialect, family):
    """Statements and meta-command lines, in order: ("stmt", start, end, code) | ("meta", kind, line).
    `code` is the statement's text outside strings, comments and quoted identifiers."""
    items, runs = [], []
    start = end = 0
    delim = ";"
    full, code, _fine = _lexers(dialect, family, delim)

    def flush():
        nonlocal runs
        if runs:
            items.append(("stmt", start, end, " ".join(r for r in runs if r)))
            runs = []

    pos, n = 0, len(text)
    while pos < n:
        if delim != ";" and text.startswith(delim, pos):
            flush()
            pos += len(delim)
            continue
        m = full.match(text, pos)
        kind = m.lastgroup
        if kind in STATEMENT_START_METAS and runs:   # only at the start of a statement; otherwise ordinary text
            m = code.match(text, pos)
            kind = m.lastgroup
        if kind == "tag":
            kind = "dollar"
        pos = m.end()
        if kind == "nl" or kind in _SKIP:
            continue
        if kind in META_KINDS:
            flush()
            line = m.group().strip()
            if (kind == "mline" and line.lower().startswith("delimiter")) or (
                    kind == "bsl" and family == "mysql" and re.match(r"\\d\s", line)):
                parts = line.split(None, 1)
                delim = parts[1].strip() if len(parts) > 1 and parts[1].strip() else ";"
                full, code, _fine = _lexers(dialect, family, delim)
                continue
            if kind != "go":
                items.append(("meta", kind, line))
            continue
        if kind == "semi" and delim == ";":
            flush()
            continue
        group = m.group()
        if kind == "run" and not group.strip():
            continue
        if not runs:
            start = m.start()
            if kind == "run":
                start += len(group) - len(group.lstrip())
        end = m.end()
        runs.append(group if kind in ("run", "p", "semi") else "")
    flush()
    return items


# ---- reading sources ---------------------------------------------------------------------------------------------
def _remote(cmd) -> bool:
    """A command run inside ssh, a container or a remote dyno: its file names are not this machine's files."""
    return cmd.cwd is None and bool(cmd.via)


def _read(ctx, name):
    if _remote(ctx.cmd):
        ctx.unreadable(name, "%s is read on another host or in a container; agentsh cannot see it" % name)
        return None
    text, reason = ctx.read_file(name)
    if text is None:
        ctx.unreadable(name, reason)
    return text


class _Client:
    """The SQL sources of one client invocation, analyzed in the order the client runs them."""

    def __init__(self, cmd, ctx, dialect, family):
        self.cmd = cmd
        self.ctx = ctx
        self.run = _Run(ctx, dialect, family)
        self.name = cmd.name

    def inline(self, arg, flag):
        origin = "%s %s" % (self.name, flag) if flag else self.name
        if arg is None:
            return
        if arg.dynamic:
            self.ctx.unseen("%s %s" % (origin, arg.text[:80]), "the SQL is only known at run time (%s)" % arg.text[:80])
        self.run.analyze(arg.text, origin, 0, self.cmd.cwd)

    def file(self, arg, flag):
        if arg is None:
            return
        if arg.text == "-" and not arg.dynamic:
            self.stdin()
            return
        origin = "%s %s %s" % (self.name, flag, arg.text)
        if arg.dynamic:
            self.ctx.unseen(origin, "the SQL file is only known at run time (%s)" % arg.text)
            return
        text = _read(self.ctx, arg.text)
        if text is not None:
            full = self.ctx.path(arg.text)
            self.run.analyze(text, origin, 0, os.path.dirname(full) if full else None)

    def stdin(self):
        src = self.cmd.stdin
        if src is None:
            return   # an interactive session: nothing to judge now
        origin = "%s stdin (%s)" % (self.name, src.origin or src.kind)
        if src.kind == "text":
            if "expansion" in (src.origin or ""):
                self.ctx.unseen(origin, "the SQL on stdin contains values only known at run time")
            self.run.analyze(src.text or "", origin, 0, self.cmd.cwd)
        elif src.kind == "file" and src.text:
            text = _read(self.ctx, src.text)
            if text is not None:
                full = self.ctx.path(src.text)
                self.run.analyze(text, origin, 0, os.path.dirname(full) if full else None)
        else:
            self.ctx.unseen(origin, "the SQL arrives on stdin from %s, which agentsh cannot read"
                            % (src.origin or src.kind))


def _getopt(args, short_values="", long_values=(), single_dash_long=(), short_optional=""):
    """[(option, Arg|None)] in order and the positional Args, like getopt_long with argument permutation.
    `single_dash_long`: options spelled with one dash that take a value (sqlite3's `-cmd X`)."""
    from agentsh.model import Arg
    opts, pos = [], []
    i = 0
    while i < len(args):
        a = args[i]
        t = a.text
        if a.dynamic and not t.startswith("-"):
            pos.append(a)
        elif t == "--":
            pos.extend(args[i + 1:])
            break
        elif t.startswith("--") or (single_dash_long and t.split("=", 1)[0] in single_dash_long):
            name, eq, val = t.partition("=")
            if name.startswith("--") and name not in long_values and len(name) > 3:
                # getopt_long accepts an unambiguous abbreviation: `psql --comm=…` is `--command=…`
                matches = [o for o in long_values if o.startswith(name)]
                if len(matches) == 1:
                    name = matches[0]
            if eq:
                opts.append((name, Arg(val, a.dynamic)))
            elif name in long_values or name in single_dash_long:
                opts.append((name, args[i + 1] if i + 1 < len(args) else None))
                i += 1
            else:
                opts.append((name, None))
        elif t.startswith("-") and len(t) > 1:
            for k in range(1, len(t)):
                flag = "-" + t[k]
                rest = t[k + 1:]
                if flag[1] in short_values:
                    if rest:
                        opts.append((flag, Arg(rest, a.dynamic)))
                    else:
                        opts.append((flag, args[i + 1] if i + 1 < len(args) else None))
                        i += 1
                    break
                if flag[1] in short_optional:
                    opts.append((flag, Arg(rest, a.dynamic) if rest else None))
                    break
                opts.append((flag, None))
        else:
            pos.append(a)
        i += 1
    return opts, pos


def _values(opts, *names):
    return [(k, v) for k, v in opts if k in names]


def _run_sources(client, opts, inline_flags, file_flags, extra_inline=()):
    """Run the inline and file options in command-line order; True when there was at least one."""
    any_source = False
    for k, v in opts:
        if k in inline_flags or k in extra_inline:
            client.inline(v, k)
            any_source = any_source or k in inline_flags
        elif k in file_flags:
            client.file(v, k)
            any_source = True
    return any_source


# ---- the clients -----------------------------------------------------------------------------------------------------
def psql(cmd, ctx):
    """psql (and pgcli): -c/--command and -f/--file, in order, repeatable; otherwise stdin."""
    opts, _pos = _getopt(cmd.args, short_values="cdfvhpULoPFRT",
                         long_values={"--command", "--dbname", "--file", "--set", "--variable", "--host", "--port",
                                      "--username", "--log-file", "--output", "--pset", "--field-separator",
                                      "--record-separator", "--table-attr"})
    if _values(opts, "--help", "-?", "--version", "-V", "-l", "--list") and not _values(opts, "-c", "--command",
                                                                                         "-f", "--file"):
        return
    client = _Client(cmd, ctx, "postgres", "psql")
    if not _run_sources(client, opts, ("-c", "--command"), ("-f", "--file")):
        client.stdin()


def mysql(cmd, ctx):
    """mysql, mariadb, mycli: -e/--execute (and --init-command); otherwise stdin (`mysql db < dump.sql`)."""
    opts, _pos = _getopt(cmd.args, short_values="eDhPuSOR", short_optional="p",
                         long_values={"--execute", "--database", "--host", "--port", "--user", "--socket",
                                      "--init-command", "--default-character-set", "--defaults-file",
                                      "--defaults-extra-file", "--login-path", "--protocol", "--delimiter", "--tee",
                                      "--pager", "--prompt", "--ssl-ca", "--ssl-cert", "--ssl-key", "--ssl-mode",
                                      "--ssl-cipher", "--tls-version", "--connect-timeout", "--max-allowed-packet",
                                      "--character-sets-dir", "--plugin-dir", "--default-auth", "--bind-address"})
    if _values(opts, "--help", "-?", "--version", "-V") and not _values(opts, "-e", "--execute"):
        return
    client = _Client(cmd, ctx, "mysql", "mysql")
    if not _run_sources(client, opts, ("-e", "--execute"), (), extra_inline=("--init-command",)):
        client.stdin()


_SQLITE_VALUES = ("-cmd", "-init", "-separator", "-newline", "-nullvalue", "-vfs", "-mmap", "-maxsize", "-nonce",
                  "-storage-version", "-s", "-c", "-f", "-lookaside", "-pagecache", "-heap")


def _sqlite_like(cmd, ctx, dialect, inline_flags, file_flags):
    single = set(_SQLITE_VALUES) | {"-" + v for v in _SQLITE_VALUES}
    opts, pos = _getopt(cmd.args, single_dash_long=single)
    opts = [(k.lstrip("-"), v) for k, v in opts]
    if any(k in ("help", "version") for k, _ in opts):
        return
    client = _Client(cmd, ctx, dialect, "sqlite")
    ran = False
    for k, v in opts:
        if k == "cmd":
            client.inline(v, "-cmd")
        elif k == "init":
            client.file(v, "-init")
        elif k in inline_flags:
            client.inline(v, "-" + k)
            ran = True
        elif k in file_flags:
            client.file(v, "-" + k)
            ran = True
    for a in pos[1:]:        # sqlite3 DB "SQL" ".dot" …: each argument after the database is one command
        client.inline(a, "")
        ran = True
    if not ran:
        client.stdin()


def sqlite3(cmd, ctx):
    """sqlite3 [options] DB [SQL…]: SQL and dot-commands as arguments, -cmd, -init FILE; otherwise stdin."""
    _sqlite_like(cmd, ctx, "sqlite", (), ())


def duckdb(cmd, ctx):
    """duckdb [options] [DB [SQL…]]: -c/-s SQL, -f FILE, -cmd, -init, arguments; otherwise stdin."""
    _sqlite_like(cmd, ctx, "duckdb", ("c", "s"), ("f",))


def clickhouse(cmd, ctx):
    """clickhouse-client / `clickhouse client|local`: --query/-q, --queries-file; otherwise stdin."""
    args = list(cmd.args)
    if cmd.name == "clickhouse":
        first = next((a for a in args if not a.text.startswith("-")), None)
        if first is not None and args and args[0] is first:
            if first.text not in ("client", "local"):
                return
            args = args[1:]
    opts, _pos = _getopt(args, short_values="qhudfCc",
                         long_values={"--query", "--host", "--port", "--user", "--password", "--database", "--format",
                                      "--queries-file", "--config-file", "--config", "--multiquery", "--log_comment"})
    if _values(opts, "--help", "--version", "-V") and not _values(opts, "-q", "--query"):
        return
    client = _Client(cmd, ctx, "clickhouse", "generic")
    if not _run_sources(client, opts, ("-q", "--query"), ("--queries-file",)):
        client.stdin()


def cqlsh(cmd, ctx):
    """cqlsh [host [port]]: -e/--execute, -f/--file; otherwise stdin."""
    opts, _pos = _getopt(cmd.args, short_values="efkupb",
                         long_values={"--execute", "--file", "--keyspace", "--username", "--password", "--cqlshrc",
                                      "--cqlversion", "--protocol-version", "--encoding", "--connect-timeout",
                                      "--request-timeout", "--secure-connect-bundle", "--consistency-level",
                                      "--serial-consistency-level"})
    if _values(opts, "--help", "-h", "--version") and not _values(opts, "-e", "--execute"):
        return
    client = _Client(cmd, ctx, None, "cql")
    if not _run_sources(client, opts, ("-e", "--execute"), ("-f", "--file")):
        client.stdin()


_BQ_VALUES = {
    "--project_id", "--dataset_id", "--location", "--format", "--api", "--api_version", "--apilog", "--bigqueryrc",
    "--credential_file", "--service_account", "--service_account_credential_file", "--job_id", "--destination_table",
    "--parameter", "--max_rows", "--maximum_bytes_billed", "--label", "--schema_update_option", "--clustering_fields",
    "--destination_kms_key", "--external_table_definition", "--udf_resource", "--job_timeout_ms", "--session_id",
    "--connection_property", "--range_partitioning", "--time_partitioning_field", "--time_partitioning_type",
    "--time_partitioning_expiration", "--script_statement_timeout_ms", "--flagfile", "--httplib2_debuglevel",
    "--trace", "--max_statement_results", "--request_id", "--reservation_id", "--destination_schema",
    "--min_completion_ratio", "--max_child_jobs",
}


def bq(cmd, ctx):
    """bq [global flags] query [flags] 'SQL' (or the SQL on stdin). --dry_run runs nothing."""
    opts, pos = _getopt(cmd.args, short_values="n", long_values=_BQ_VALUES)
    if not pos or pos[0].dynamic or pos[0].text != "query":
        return
    flags = {k: (v.text.lower() if v is not None else "true") for k, v in opts}
    if flags.get("--dry_run", "false") in ("true", "1", "") or "--help" in flags:
        return
    client = _Client(cmd, ctx, "bigquery", "generic")
    dest = flags.get("--destination_table")
    if dest and flags.get("--replace", "false") in ("true", "1", ""):
        ctx.fact("sql:replace-table", "table " + dest, "bq query --replace overwrites table %s" % dest,
                 "bq query --destination_table=%s --replace" % dest)
    sql_args = pos[1:]
    if sql_args:
        from agentsh.model import Arg
        joined = Arg(" ".join(a.text for a in sql_args), any(a.dynamic for a in sql_args))
        client.inline(joined, "query")
    else:
        client.stdin()


def sqlcmd(cmd, ctx):
    """sqlcmd: -Q/-q SQL, -i FILE[,FILE…]; go-sqlcmd `sqlcmd query "SQL"`; otherwise stdin."""
    opts, pos = _getopt(cmd.args, short_values="SdUPioQqvhswltafHcVmyYzZK",
                        long_values={"--query", "--input-file", "--server", "--database", "--user-name",
                                     "--password", "--output-file", "--variables", "--text"})
    if _values(opts, "--help", "-?", "--version") and not _values(opts, "-Q", "-q", "--query"):
        return
    client = _Client(cmd, ctx, "tsql", "tsql")
    ran = False
    for k, v in opts:
        if k in ("-Q", "-q", "--query", "--text"):
            client.inline(v, k)
            ran = True
        elif k in ("-i", "--input-file") and v is not None:
            from agentsh.model import Arg
            for part in v.text.split(",") if not v.dynamic else [v.text]:
                client.file(Arg(part.strip(), v.dynamic), k)
            ran = True
    if pos and not pos[0].dynamic and pos[0].text == "query":
        for a in pos[1:]:
            client.inline(a, "query")
            ran = True
    if not ran:
        client.stdin()


def cockroach(cmd, ctx):
    """cockroach sql|demo: -e/--execute (repeatable), -f/--file; otherwise stdin."""
    opts, pos = _getopt(cmd.args, short_values="efpud",
                        long_values={"--execute", "--file", "--url", "--host", "--port", "--user", "--database",
                                     "--certs-dir", "--format", "--set", "--watch", "--cluster-name"})
    if not pos or pos[0].dynamic or pos[0].text not in ("sql", "demo"):
        return
    client = _Client(cmd, ctx, "postgres", "psql")
    if not _run_sources(client, opts, ("-e", "--execute"), ("-f", "--file")):
        client.stdin()


def snowsql(cmd, ctx):
    """snowsql: -q/--query SQL, -f/--filename FILE; otherwise stdin."""
    opts, _pos = _getopt(cmd.args, short_values="audsrwhpcqfoD",
                         long_values={"--accountname", "--username", "--dbname", "--schemaname", "--rolename",
                                      "--warehouse", "--host", "--port", "--connection", "--query", "--filename",
                                      "--option", "--variable", "--config", "--authenticator", "--private-key-path",
                                      "--region"})
    if _values(opts, "--help", "-?", "--version") and not _values(opts, "-q", "--query"):
        return
    client = _Client(cmd, ctx, "snowflake", "snowsql")
    if not _run_sources(client, opts, ("-q", "--query"), ("-f", "--filename")):
        client.stdin()


def turso(cmd, ctx):
    """turso db shell DB ["SQL"] (or the SQL on stdin)."""
    _opts, pos = _getopt(cmd.args, long_values={"--instance", "--location", "--proxy"})
    words = [a.text for a in pos[:2]]
    if words != ["db", "shell"] or any(a.dynamic for a in pos[:2]):
        return
    client = _Client(cmd, ctx, "sqlite", "sqlite")
    if len(pos) > 3:
        for a in pos[3:]:
            client.inline(a, "db shell")
    else:
        client.stdin()


def wrangler(cmd, ctx):
    """wrangler d1 execute DB --remote --command "SQL" | --file PATH."""
    opts, pos = _getopt(cmd.args, short_values="ec",
                        long_values={"--command", "--file", "--persist-to", "--env", "--config", "--batch-size"})
    if [a.text for a in pos[:2]] != ["d1", "execute"]:
        return
    if not _values(opts, "--remote", "--preview"):
        # wrangler 3+ runs d1 execute against the local simulator unless --remote is given (catalog section 23:
        # "wrangler d1 execute … --local" is a benign look-alike); the remote form is judged here and by paas.toml
        return
    client = _Client(cmd, ctx, "sqlite", "generic")
    _run_sources(client, opts, ("--command",), ("--file",))

"""Stage 4: payload analyzers. They read what a command carries (SQL for a database client, a GraphQL or REST
request for curl, code for an interpreter, the script a command runs) and turn it into facts that rules match
(`sql:drop`, `graphql:mutation`, `http:delete`, …).

Each analyzer is a function `analyze(cmd, ctx)` in a module of this package, imported only when a command
that needs it appears: sqlglot and graphql-core cost ~100 ms each to import, and most commands carry no payload.
`ctx` is a PayloadContext: the analyzers' whole interface to the rest of the pipeline.
"""
from __future__ import annotations

import os


# program name -> (module in this package, function). Keep this table import-free: it is on the hot path.
ANALYZERS = {
    # SQL clients
    "psql": ("sql", "psql"), "pgcli": ("sql", "psql"), "mysql": ("sql", "mysql"), "mariadb": ("sql", "mysql"),
    "mycli": ("sql", "mysql"), "sqlite3": ("sql", "sqlite3"), "clickhouse-client": ("sql", "clickhouse"),
    "clickhouse": ("sql", "clickhouse"), "cqlsh": ("sql", "cqlsh"), "duckdb": ("sql", "duckdb"),
    "bq": ("sql", "bq"), "sqlcmd": ("sql", "sqlcmd"), "cockroach": ("sql", "cockroach"),
    "snowsql": ("sql", "snowsql"), "turso": ("sql", "turso"), "wrangler": ("sql", "wrangler"),
    # NoSQL clients
    "redis-cli": ("nosql", "redis_cli"), "valkey-cli": ("nosql", "redis_cli"), "keydb-cli": ("nosql", "redis_cli"),
    "mongosh": ("nosql", "mongosh"), "mongo": ("nosql", "mongosh"),
    # HTTP clients and API CLIs
    "curl": ("http", "curl"), "wget": ("http", "wget"), "http": ("http", "httpie"), "https": ("http", "httpie"),
    "xh": ("http", "httpie"), "xhs": ("http", "httpie"), "gh": ("http", "gh_api"), "railway": ("http", "railway_api"),
    # interpreters
    "python": ("interpreters", "python"), "python3": ("interpreters", "python"), "python2": ("interpreters", "python"),
    "node": ("interpreters", "node"), "nodejs": ("interpreters", "node"), "deno": ("interpreters", "deno"),
    "bun": ("interpreters", "bun"), "ruby": ("interpreters", "ruby"), "perl": ("interpreters", "perl"),
    "php": ("interpreters", "php"), "pypy": ("interpreters", "python"), "pypy3": ("interpreters", "python"),
    "ipython": ("interpreters", "python"), "ipython3": ("interpreters", "python"),
    **{"python3.%d" % minor: ("interpreters", "python") for minor in range(6, 16)},
    "python2.7": ("interpreters", "python"),
    # scripts and task runners
    "make": ("scripts", "make"), "gmake": ("scripts", "make"), "just": ("scripts", "just"),
    "npm": ("scripts", "npm"), "pnpm": ("scripts", "npm"), "yarn": ("scripts", "npm"),
}


class PayloadContext:
    """What a payload analyzer may do: report facts, hand text to another analyzer, read files."""

    def __init__(self, analysis, cmd):
        self._analysis = analysis
        self.cmd = cmd

    @property
    def home(self) -> str:
        """The home directory of the analyzed session (not necessarily this process's)."""
        return self._analysis.context.home

    @property
    def environ(self) -> dict:
        """The environment the command runs with."""
        return self._analysis.context.environ

    def fact(self, kind: str, target: str = "", detail: str = "", payload: str = ""):
        """Report a fact for rules to match, e.g. fact("sql:drop", "users", "DROP TABLE users", sql_text)."""
        self._analysis.payload_fact(self.cmd, kind, target, detail, payload)

    def shell(self, text: str, step: str):
        """Analyze shell text this command runs (os.system("…"), a Makefile recipe, a package.json script)."""
        self._analysis.payload_shell(self.cmd, text, step)

    def sql(self, text: str, origin: str):
        """Analyze SQL this command sends to a database (from any analyzer: psql, a Python driver, …)."""
        from agentsh.payloads import sql
        sql.analyze_sql(text, origin, self)

    def http(self, method: str, url: str, body: str | None, headers=(), origin: str = ""):
        """Analyze an HTTP request this command makes (curl, requests.delete(…), fetch(…))."""
        from agentsh.payloads import http
        http.analyze_request(method, url, body, headers, origin, self)

    def path(self, name: str) -> str | None:
        """Absolute path of a file argument, or None when it depends on an unknown cwd."""
        if name == "~" or name.startswith("~/"):
            name = self.home + name[1:]
        if name.startswith("/"):
            return os.path.normpath(name)
        if self.cmd.cwd is None:
            return None
        return os.path.normpath(os.path.join(self.cmd.cwd, name))

    def read_file(self, name: str):
        """(text, None) or (None, reason). Bounded in size; relative paths resolve against the command's cwd;
        a file written earlier in the same command line is seen with the content written into it."""
        return self._analysis.read_file(self.cmd, name)

    def first_in_line(self) -> bool:
        """Nothing ran before this command in the line (only its own wrappers). A script file missing now is
        then missing when it runs too; after another command (`unzip x && bash install.sh`) it may not be."""
        return self._analysis.first_in_line(self.cmd)

    def unreadable(self, name: str, reason: str):
        """A payload agentsh should read but cannot: at least confirm (shell:unreadable-script)."""
        self._analysis.fact("shell:unreadable-script", name, reason, via=self.cmd.via)

    def script(self, path: str, step: str):
        """Analyze a shell script file this command runs (a file written earlier in the line counts)."""
        self._analysis.script_file(self.cmd, path, step)

    def run_as(self, program: str, args: list):
        """Analyze `program args…` as if the command had been written that way (`./x.py` runs `python3 x.py`)."""
        from agentsh.model import Arg
        new = self.cmd.replace(name=program, argv0=Arg(program), args=list(args),
                               via=self.cmd.via + ("#!" + program,))
        self._analysis.command(new, None)

    def unseen(self, what: str, reason: str):
        """A payload built at run time (a variable, a substitution): at least confirm."""
        self._analysis.fact("shell:dynamic-script", what, reason, via=self.cmd.via)


def analyze(cmd, analysis):
    """Run the payload analyzer for this command's program, if there is one."""
    entry = ANALYZERS.get(cmd.name)
    if entry is None:
        return
    module = __import__("agentsh.payloads." + entry[0], fromlist=[entry[1]])
    getattr(module, entry[1])(cmd, PayloadContext(analysis, cmd))

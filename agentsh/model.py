"""Plain data shared by every stage. No behaviour beyond small helpers; no imports beyond the standard library."""
from __future__ import annotations


class Record:
    """A tiny dataclass substitute: `dataclasses` costs ~10 ms to import and to apply, on every agent command.

    Subclasses list their fields in __slots__ and optional defaults in _defaults.
    """
    __slots__ = ()
    _defaults: dict = {}

    def __init__(self, *args, **kw):
        names = self.__slots__
        if len(args) > len(names):
            raise TypeError("%s takes %d fields" % (type(self).__name__, len(names)))
        for name, value in zip(names, args):
            object.__setattr__(self, name, value)
        defaults = self._defaults
        for name in names[len(args):]:
            if name in kw:
                value = kw.pop(name)
            elif name in defaults:
                value = defaults[name]
                if type(value) is list:
                    value = []
            else:
                raise TypeError("%s: missing field %r" % (type(self).__name__, name))
            object.__setattr__(self, name, value)
        if kw:
            raise TypeError("%s: unknown fields %s" % (type(self).__name__, ", ".join(kw)))

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join("%s=%r" % (n, getattr(self, n)) for n in self.__slots__))

    def __eq__(self, other):
        return type(self) is type(other) and all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None

    def replace(self, **changes):
        new = object.__new__(type(self))
        for n in self.__slots__:
            object.__setattr__(new, n, changes.pop(n) if n in changes else getattr(self, n))
        if changes:
            raise TypeError("unknown fields %s" % ", ".join(changes))
        return new

SEVERITIES = ("write", "high", "critical", "catastrophic")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
DECISIONS = ("allow", "confirm", "block")
DECISION_RANK = {d: i for i, d in enumerate(DECISIONS)}


# ---- syntax (parse stage) -------------------------------------------------------------------------------------
class Part(Record):
    """A piece of a word: `lit` text, a `var` reference, a `sub`stitution $(…)/`…`, a `procsub` <(…), or `dyn`."""
    __slots__ = ("kind", "value", "quoted", "body", "glob", "default", "var")
    _defaults = {"body": None, "glob": False, "default": None, "var": None}
    # body: Seq for sub/procsub; glob: unquoted * ? [ or {a,b}; default: ${x:-default}; var: what a dyn part is about


class Word(Record):
    __slots__ = ("parts", "source")


class Redirect(Record):
    __slots__ = ("op", "fd", "target", "body", "body_word", "heredoc_quoted")
    _defaults = {"body": None, "body_word": None, "heredoc_quoted": False}


class Invocation(Record):
    """One simple command as written: assignments, words, redirections. Unresolved."""
    __slots__ = ("assignments", "words", "redirects", "span", "source")


class Seq(Record):
    __slots__ = ("items",)


class AndOr(Record):
    __slots__ = ("left", "op", "right")


class Pipeline(Record):
    __slots__ = ("stages",)


class Block(Record):
    __slots__ = ("kind", "body")


class Redirected(Record):
    __slots__ = ("body", "redirects")


class IfNode(Record):
    __slots__ = ("branches", "has_else")


class Case(Record):
    __slots__ = ("subject", "items")


class Loop(Record):
    __slots__ = ("kind", "var", "words", "cond", "body")


class FuncDef(Record):
    __slots__ = ("name", "body")


class Assign(Record):
    __slots__ = ("pairs", "kind", "names", "flags")
    _defaults = {"flags": []}


class CmdNode(Record):
    __slots__ = ("inv",)


class ParseResult(Record):
    __slots__ = ("root", "invocations", "errors", "too_complex", "hidden")
    _defaults = {"hidden": []}


# ---- resolved commands and facts (expand / unwrap stages) -----------------------------------------------------
class Arg(Record):
    """A resolved word. `text` is what bash would pass when `dynamic` is False."""
    __slots__ = ("text", "dynamic", "glob", "quoted", "expanded")
    _defaults = {"dynamic": False, "glob": False, "quoted": False, "expanded": False}
    # expanded: part of the text came from a variable (provenance of credentials: `$TOKEN` vs a pasted token)


class Command(Record):
    """A command after expansion and unwrapping: what actually runs."""
    __slots__ = ("name", "args", "argv0", "assignments", "cwd", "redirects", "stdin", "via", "path", "depth", "source")
    _defaults = {"stdin": None, "via": (), "path": (), "depth": 0, "source": ""}

    def display(self) -> str:
        return " ".join([self.argv0.text] + [a.text for a in self.args])


class StdinSource(Record):
    """What flows into a command's stdin, as far as agentsh can tell."""
    __slots__ = ("kind", "text", "origin")
    _defaults = {"text": None, "origin": ""}


class Fact(Record):
    """Something the analyzer noticed that is not a plain argv: rules match facts by kind."""
    __slots__ = ("kind", "target", "detail", "target_arg", "cwd", "via", "payload", "origin")
    _defaults = {"target": "", "detail": "", "target_arg": None, "cwd": None, "via": (), "payload": "",
                 "origin": None}
    # origin: the Command the fact is about (its environment and credentials apply to the fact's findings)
    # payload: the extracted text a payload analyzer classified (SQL statement, GraphQL document, …), for explain


class Finding(Record):
    __slots__ = ("rule", "severity", "message", "why", "safer", "where", "via", "environment", "raised")
    _defaults = {"where": "", "via": (), "environment": None, "raised": False}
    # environment: where the matched command lands; raised: severity raised one level by credential provenance

    def location(self) -> str:
        """What the rule matched, and how agentsh got there: `rm -rf / (via make deploy (Makefile:3))`."""
        return "%s (via %s)" % (self.where, " > ".join(self.via)) if self.via else self.where

    def as_json(self) -> dict:
        from agentsh.redact import redact
        return {"rule": self.rule, "severity": self.severity, "message": self.message, "why": self.why,
                "safer": self.safer, "where": redact(self.location())}


class Context(Record):
    """Where agentsh runs: cwd, home, the process environment, the project. `environment` forces one environment
    for every command (`check --env`, tests); None resolves it per command from signals (agentsh.context)."""
    __slots__ = ("cwd", "home", "environ", "environment", "project_root", "settings", "agent", "tty", "prelude")
    _defaults = {"environment": None, "project_root": None, "settings": None, "agent": None, "tty": None,
                 "prelude": None}
    # prelude: shell text that already ran in this session (stdin mode); it sets the state, not the findings


class Decision(Record):
    __slots__ = ("command", "decision", "environment", "findings", "commands", "facts", "trace", "error",
                 "contexts", "agent", "tty")
    _defaults = {"commands": [], "facts": [], "trace": [], "error": None, "contexts": [], "agent": None,
                 "tty": None}
    # contexts: [(command display, CommandContext)] for explain

    def as_json(self) -> dict:
        from agentsh.redact import redact
        # a token pasted into a command is not repeated in the output (CI logs keep it forever)
        d = {"command": redact(self.command), "decision": self.decision, "environment": self.environment,
             "findings": [f.as_json() for f in self.findings]}
        if self.error:
            d["error"] = self.error
        return d


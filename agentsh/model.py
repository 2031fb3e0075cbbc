"""Plain data shared by every stage. No behaviour beyond small helpers; no imports beyond the standard library."""
from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("write", "high", "critical", "catastrophic")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
DECISIONS = ("allow", "confirm", "block")
DECISION_RANK = {d: i for i, d in enumerate(DECISIONS)}


# ---- syntax (parse stage) -------------------------------------------------------------------------------------
@dataclass(slots=True)
class Part:
    """A piece of a word: `lit` text, a `var` reference, a `sub`stitution $(…)/`…`, a `procsub` <(…), or `dyn`."""
    kind: str
    value: str
    quoted: bool
    body: object = None          # Seq for sub/procsub (and dyn parts that contain substitutions)
    glob: bool = False           # unquoted *, ?, [ or {a,b}
    default: str | None = None   # ${x:-default}
    var: str | None = None       # the variable a dyn part is about, when there is one


@dataclass(slots=True)
class Word:
    parts: tuple
    source: str


@dataclass(slots=True)
class Redirect:
    op: str                      # > >> >| < <> &> &>> >& <& << <<- <<<
    fd: str | None
    target: Word | None
    body: str | None = None      # heredoc text as written
    body_word: Word | None = None  # heredoc (unquoted delimiter) or here-string, for expansion
    heredoc_quoted: bool = False


@dataclass(slots=True)
class Invocation:
    """One simple command as written: assignments, words, redirections. Unresolved."""
    assignments: list
    words: list
    redirects: list
    span: tuple
    source: str


@dataclass(slots=True)
class Seq:
    items: list


@dataclass(slots=True)
class AndOr:
    left: object
    op: str
    right: object


@dataclass(slots=True)
class Pipeline:
    stages: list


@dataclass(slots=True)
class Block:
    kind: str                    # subshell group background not error test $() <()
    body: object


@dataclass(slots=True)
class Redirected:
    body: object
    redirects: list


@dataclass(slots=True)
class IfNode:
    branches: list               # [(cond Seq | None for else, body Seq)]
    has_else: bool


@dataclass(slots=True)
class Case:
    subject: Word | None
    items: list


@dataclass(slots=True)
class Loop:
    kind: str
    var: str | None
    words: list
    cond: object
    body: object


@dataclass(slots=True)
class FuncDef:
    name: str
    body: object


@dataclass(slots=True)
class Assign:
    pairs: list                  # [(name, Word, append)]
    kind: str                    # plain export local declare readonly typeset unset
    names: list
    flags: list = field(default_factory=list)


@dataclass(slots=True)
class CmdNode:
    inv: Invocation


@dataclass(slots=True)
class ParseResult:
    root: Seq
    invocations: list
    errors: list
    too_complex: list


# ---- resolved commands and facts (expand / unwrap stages) -----------------------------------------------------
@dataclass(slots=True)
class Arg:
    """A resolved word. `text` is what bash would pass when `dynamic` is False."""
    text: str
    dynamic: bool = False        # contains something agentsh could not resolve
    glob: bool = False           # unquoted glob characters that bash would expand
    quoted: bool = False


@dataclass(slots=True)
class Command:
    """A command after expansion and unwrapping: what actually runs."""
    name: str                    # basename of argv[0], or "" when dynamic
    args: list                   # list[Arg], argv[1:]
    argv0: Arg
    assignments: dict            # name -> str | None (None: dynamic)
    cwd: str | None              # None: unknown
    redirects: list              # resolved redirect targets: [(op, fd, Arg)]
    stdin: object = None         # StdinSource or None
    via: tuple = ()              # unwrapping steps, outermost first: ("sudo", "bash -c", …)
    path: tuple = ()             # constructs it sits in: ("pipeline", "$()", …)
    depth: int = 0               # nesting depth of shells it was found in
    source: str = ""             # the text it came from

    def display(self) -> str:
        return " ".join([self.argv0.text] + [a.text for a in self.args])


@dataclass(slots=True)
class StdinSource:
    """What flows into a command's stdin, as far as agentsh can tell."""
    kind: str                    # text | fetched | decoded | file | unknown
    text: str | None = None
    origin: str = ""             # the producing command, for messages


@dataclass(slots=True)
class Fact:
    """Something the analyzer noticed that is not a plain argv: rules match facts by kind."""
    kind: str
    target: str = ""
    detail: str = ""
    target_arg: Arg | None = None
    cwd: str | None = None
    via: tuple = ()


@dataclass(slots=True)
class Finding:
    rule: str
    severity: str
    message: str
    why: str
    safer: str
    where: str = ""              # the unwrapped command or fact the rule matched

    def as_json(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "message": self.message, "why": self.why,
                "safer": self.safer, "where": self.where}


@dataclass(slots=True)
class Context:
    """What policy needs to know about where the command runs. The context issue fills in more."""
    cwd: str
    home: str
    environ: dict
    environment: str = "local"
    project_root: str | None = None
    credential_mismatch: bool = False


@dataclass(slots=True)
class Decision:
    command: str
    decision: str
    environment: str
    findings: list
    commands: list = field(default_factory=list)   # the unwrapped commands, for explain
    facts: list = field(default_factory=list)
    trace: list = field(default_factory=list)      # unwrapping steps, for explain
    error: str | None = None

    def as_json(self) -> dict:
        d = {"command": self.command, "decision": self.decision, "environment": self.environment,
             "findings": [f.as_json() for f in self.findings]}
        if self.error:
            d["error"] = self.error
        return d

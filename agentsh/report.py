"""Machine output of `agentsh check` for CI: SARIF 2.1.0 (code scanning) and GitHub workflow annotations, and the
exit status `--fail-on` asks for. Plain Python: no click, no rich.

`results` everywhere is a list of (SourceCommand or None, Decision): the command's place in a file, or None for
a command read from stdin. Only what is stopped is reported: an allowed command has nothing to annotate. Each
reported finding is placed on the line of the file where the matched text is, when it can be found there, and
otherwise on the command's first line.
"""
from __future__ import annotations

import os
from urllib.parse import quote

from agentsh.model import DECISION_RANK, Finding

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVEL = {"block": "error", "confirm": "warning"}
GITHUB_COMMAND = {"block": "error", "confirm": "warning"}
# GitHub code scanning ranks alerts by this number (0.1-10, as CVSS); our four severities, spread over it
SECURITY_SEVERITY = {"write": "4.0", "high": "7.0", "critical": "9.0", "catastrophic": "10.0"}
FAIL_ON = {"confirm": DECISION_RANK["confirm"], "block": DECISION_RANK["block"]}


def exit_status(decisions, fail_on: str = "confirm") -> int:
    """1 when a decision reaches `fail_on` (confirm: anything not allowed; block: only blocks), else 0.
    Accepts Decisions or (source, Decision) pairs."""
    if fail_on not in FAIL_ON:
        raise ValueError("fail_on must be confirm or block, not %r" % (fail_on,))
    threshold = FAIL_ON[fail_on]
    for item in decisions:
        decision = item[1] if isinstance(item, tuple) else item
        if DECISION_RANK[decision.decision] >= threshold:
            return 1
    return 0


# ---- what is reported, and where ----------------------------------------------------------------------------------
def reported(decision) -> list:
    """[(finding, verdict)] for a stopped decision: each finding that stops the command on its own, with its own
    verdict (a `write` finding beside a `critical` one is not reported as a block). When none does alone (the
    command is stopped because something in it could not be seen), every finding, at the decision's verdict."""
    from agentsh.policy import decide
    if decision.decision == "allow":
        return []
    cap = DECISION_RANK[decision.decision]
    own = []
    for f in decision.findings:
        verdict = decide([f], [])
        if DECISION_RANK[verdict] > cap:
            verdict = decision.decision
        own.append((f, verdict))
    stopping = [(f, v) for f, v in own if v != "allow"]
    if stopping:
        return stopping
    if decision.findings:
        return [(f, decision.decision) for f in decision.findings]
    return [(Finding("agentsh.stopped", "high", "agentsh stopped this command",
                     decision.error or "the command was not allowed", "have a human review it", ""),
             decision.decision)]


def finding_line(source, finding) -> int:
    """The file line of what a finding matched: the line of `source.command` holding the matched text (or, for
    a payload finding like `psql stdin: DROP TABLE users`, the text after the label), else the first line."""
    if source is None:
        return 0
    where = (finding.where or "").split("\n", 1)[0]
    candidates = [where]
    if ": " in where:
        candidates.append(where.split(": ", 1)[1])
    for text in candidates:
        if len(text) >= 4:
            at = source.command.find(text)
            if at >= 0:
                return source.line_of(source.command.count("\n", 0, at))
    return source.line


def _message(finding, source) -> str:
    from agentsh.redact import redact
    parts = [finding.message]
    where = redact(finding.location())
    if where:
        parts.append("matched: " + where[:300])
    if source is not None and source.name:
        parts.append("in: " + redact(source.name))
    parts.append("safer: " + finding.safer)
    return "\n".join(parts)


def artifact_uri(path: str, root: str | None = None) -> str:
    """A file's SARIF URI: relative to `root` (default: the working directory) with `/` separators when the
    file is below it, an absolute file: URI otherwise. Characters a URI cannot hold are percent-encoded."""
    root = os.path.abspath(root or os.getcwd())
    full = os.path.abspath(path)
    rel = os.path.relpath(full, root)
    if rel != os.pardir and not rel.startswith(os.pardir + os.sep):
        return quote(rel.replace(os.sep, "/"), safe="/")
    return "file://" + quote(full.replace(os.sep, "/"), safe="/")


# ---- SARIF ----------------------------------------------------------------------------------------------------------
def to_sarif(results, root: str | None = None) -> dict:
    """One SARIF 2.1.0 log with one run: every rule that fired (once) and one result per reported finding."""
    from agentsh import __version__
    from agentsh.model import SEVERITY_RANK
    rules, index = [], {}
    out = []
    for source, decision in results:
        for finding, verdict in reported(decision):
            if finding.rule not in index:
                index[finding.rule] = len(rules)
                rules.append({
                    "id": finding.rule,
                    "name": finding.rule,
                    "shortDescription": {"text": finding.message},
                    "fullDescription": {"text": finding.why or finding.message},
                    "help": {"text": finding.safer or finding.message},
                    "defaultConfiguration": {"level": SARIF_LEVEL[verdict]},
                    "properties": {"severity": finding.severity, "tags": ["security"],
                                   "security-severity": SECURITY_SEVERITY[finding.severity]},
                })
            else:   # the rule's most severe occurrence describes it
                props = rules[index[finding.rule]]["properties"]
                if SEVERITY_RANK[finding.severity] > SEVERITY_RANK[props["severity"]]:
                    props["severity"] = finding.severity
                    props["security-severity"] = SECURITY_SEVERITY[finding.severity]
            result = {
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule],
                "level": SARIF_LEVEL[verdict],
                "message": {"text": _message(finding, source)},
                "properties": {"decision": verdict, "severity": finding.severity,
                               "environment": finding.environment or decision.environment},
            }
            if source is not None:
                result["locations"] = [{"physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(source.file, root)},
                    "region": {"startLine": max(1, finding_line(source, finding))},
                }}]
                result["properties"]["kind"] = source.kind
            out.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "agentsh", "version": __version__, "rules": rules}},
            "results": out,
        }],
    }


# ---- GitHub annotations ---------------------------------------------------------------------------------------------
def escape_data(text: str) -> str:
    """A workflow command's message, as GitHub's toolkit escapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file=, title=): also `:` and `,`, which end a property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_path(path: str, root: str | None = None) -> str:
    """The path GitHub matches against the repository: relative to `root` (default: the working directory, which
    is the checkout in a workflow) when the file is below it, as given otherwise."""
    root = os.path.abspath(root or os.getcwd())
    rel = os.path.relpath(os.path.abspath(path), root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        rel = path
    return rel.replace(os.sep, "/")


def to_github(results, root: str | None = None) -> str:
    """`::error file=F,line=N,title=agentsh RULE::message` lines (warning for confirm), one per reported finding."""
    lines = []
    for source, decision in results:
        for finding, verdict in reported(decision):
            props = []
            if source is not None:
                props.append("file=" + escape_property(github_path(source.file, root)))
                props.append("line=%d" % max(1, finding_line(source, finding)))
            props.append("title=" + escape_property("agentsh " + finding.rule))
            lines.append("::%s %s::%s" % (GITHUB_COMMAND[verdict], ",".join(props),
                                          escape_data(_message(finding, source))))
    return "".join(line + "\n" for line in lines)


__all__ = ["to_sarif", "to_github", "exit_status", "reported", "finding_line", "artifact_uri", "github_path"]

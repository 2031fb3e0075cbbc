"""Stage 7: findings x context -> allow | confirm | block (design notes section 4)."""
from __future__ import annotations

from agentsh.model import DECISION_RANK, Finding

# severity -> decision per environment class. Users may tighten this table, never loosen it.
DEFAULT_POLICY = {
    "catastrophic": {"local": "block", "staging": "block", "production": "block", "mismatch": "block"},
    "critical": {"local": "confirm", "staging": "confirm", "production": "block", "mismatch": "block"},
    "high": {"local": "confirm", "staging": "confirm", "production": "confirm", "mismatch": "block"},
    "write": {"local": "allow", "staging": "allow", "production": "confirm", "mismatch": "confirm"},
}

# Facts that mean "agentsh could not see what will run". Whatever the rule packs say, these are never allowed.
UNSEEN_KINDS = frozenset({
    "shell:parse-error", "shell:dynamic-command", "shell:fetch-exec", "shell:decode-exec", "shell:stdin-script",
    "shell:dynamic-script", "shell:unreadable-script", "shell:depth-limit", "shell:too-complex",
    "shell:procsub-exec", "shell:interactive-shell",
})


def decide(findings: list, facts: list, policy: dict | None = None) -> str:
    """Each finding is judged in the column of where its command lands (finding.environment: local, staging,
    production or mismatch); the most severe outcome wins."""
    table = policy or DEFAULT_POLICY
    decision = "allow"
    for f in findings:
        env = f.environment if f.environment in ("staging", "production", "mismatch") else "local"
        d = table.get(f.severity, DEFAULT_POLICY["high"])[env]
        if DECISION_RANK[d] > DECISION_RANK[decision]:
            decision = d
    if decision == "allow" and any(fact.kind in UNSEEN_KINDS for fact in facts):
        decision = "confirm"
    return decision


def fail_closed_findings(findings: list, facts: list) -> list:
    """A generic finding for each unseen fact no rule explained, so the verdict always names a reason."""
    explained = {f.where for f in findings}
    out = []
    for fact in facts:
        if fact.kind in UNSEEN_KINDS and (fact.detail or fact.target) not in explained:
            out.append(Finding("shell.unvetted", "high", "agentsh cannot see what this runs (%s)" % fact.kind,
                               fact.detail or "the command's effect depends on content agentsh cannot read",
                               "run the underlying command directly so it can be checked",
                               fact.detail or fact.target))
    return out

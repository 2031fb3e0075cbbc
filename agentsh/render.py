"""Plain-text messages for the agent (stderr). No rich here: this runs on the shell's fast path."""
from agentsh.model import SEVERITY_RANK

STOP_STATUS = 126   # bash's "cannot execute"; documented in the README


def stop_message(decision, approval=None) -> str:
    """approval: None (stopped), or {"state": "waiting"|"denied"|"expired", "minutes": N} for a confirm that went
    to the approval queue. The agent is never shown anything it could use to approve (no id, no code)."""
    verb = {"block": "blocked", "confirm": "needs human confirmation"}.get(decision.decision, decision.decision)
    lines = ["agentsh: %s: %s" % (verb, _one_line(decision.command))]
    if decision.environment != "local":
        lines.append("  environment: %s" % decision.environment)
    for f in sorted(decision.findings, key=lambda f: -SEVERITY_RANK.get(f.severity, 0)):
        lines.append("  [%s] %s: %s" % (f.severity, f.rule, f.message))
        if f.where and f.location() != decision.command:
            lines.append("    at: %s" % _one_line(f.location()))
        lines.append("    why: %s" % f.why)
        lines.append("    safer: %s" % f.safer)
    state = (approval or {}).get("state")
    if state == "waiting":
        lines.append("  Waiting up to %s for a human to approve it from their own terminal (`agentsh pending`, "
                     "then `agentsh approve`). The agent cannot approve it; do not retry with --yes or `yes |`."
                     % _duration(approval.get("seconds", 0)))
    elif state == "denied":
        lines.append("  A human denied it (exit status %d). Do not retry it; ask the user what to do instead."
                     % STOP_STATUS)
    elif state == "expired":
        lines.append("  No human approved it within %s, so it did not run (exit status %d). Ask the user to "
                     "review it with `agentsh pending` and retry once they are at their terminal."
                     % (_duration(approval.get("seconds", 0)), STOP_STATUS))
    elif decision.decision == "confirm":
        lines.append("  A human must approve this from their own terminal (`agentsh review` or `agentsh pending`);")
        lines.append("  the agent cannot. It did not run (exit status %d)." % STOP_STATUS)
    else:
        lines.append("  It did not run (exit status %d). Use the safer alternative above." % STOP_STATUS)
    return "\n".join(lines) + "\n"


def _duration(seconds) -> str:
    seconds = int(seconds)
    return "%d min" % (seconds // 60) if seconds >= 120 else "%d s" % seconds


def _one_line(s: str, limit=300) -> str:
    from agentsh.redact import redact
    s = redact(s).replace("\n", "\\n")
    return s if len(s) <= limit else s[:limit] + "…"

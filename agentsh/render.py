"""Plain-text messages for the agent (stderr). No rich here: this runs on the shell's fast path."""
from agentsh.model import SEVERITY_RANK

STOP_STATUS = 126   # bash's "cannot execute"; documented in the README


def stop_message(decision) -> str:
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
    if decision.decision == "confirm":
        lines.append("  A human must approve this from their own terminal; the agent cannot. Until the approval")
        lines.append("  queue is installed, a human can run the command themselves outside agentsh.")
    else:
        lines.append("  This command does not run through agentsh. Use the safer alternative above.")
    return "\n".join(lines) + "\n"


def _one_line(s: str, limit=300) -> str:
    from agentsh.redact import redact
    s = redact(s).replace("\n", "\\n")
    return s if len(s) <= limit else s[:limit] + "…"

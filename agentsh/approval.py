"""Pending requests for human approval (issue 6 fills this in). Until then a confirm stops like a block."""
from __future__ import annotations


def wait_for_human(decision, display, cwd, environ, agent, mode, stream):
    from agentsh.gate import Outcome
    from agentsh.render import stop_message
    msg = stop_message(decision)
    stream.write(msg)
    return Outcome(False, decision, decision.decision, msg)

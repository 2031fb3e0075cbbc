"""OpenHands software-agent-sdk's PreToolUse dialect (.openhands/hooks.json, openhands/sdk/hooks/executor.py).

In:  a HookEvent: {"event_type": "PreToolUse", "tool_name": "terminal", "tool_input": {"command", "is_input", …},
      "tool_output": null, "message": null, "session_id", "working_dir", "metadata": {}}
      (the terminal tool is "terminal" in the current SDK, "execute_bash" in older ones).
Out: exit 2 blocks; stdout is parsed whatever the exit status: {"decision": "deny"|"block", "reason"} blocks,
     {"decision": "allow"|"approve"} allows, {"continue": false} blocks. There is no ask: it becomes a deny.

With is_input true the command is text typed into the running process (a "y", a C-c, or a line for a nested
shell); it is vetted like any command.
"""
from __future__ import annotations

from .base import DENY_FALLBACK, check_event, make_call, reason_or, reply, stderr_line, text_or_none, tool_call_fields

SHELL_TOOLS = {"terminal": "bash", "execute_bash": "bash"}


def parse(payload: dict, agent: str = "openhands"):
    where = "openhands PreToolUse payload"
    check_event(payload, ("event_type",), ("PreToolUse",), where)
    tool_name, tool_input, command, shell = tool_call_fields(payload, SHELL_TOOLS, where)
    return make_call(agent, "openhands", payload, tool_name=tool_name, tool_input=tool_input,
                     commands=None if command is None else (command,), shell=shell or "bash",
                     cwd=payload.get("working_dir"), session_id=text_or_none(payload.get("session_id")))


def render(call, outcome: str, reason: str, user_message=None):
    if outcome == "allow":
        return reply({"decision": "allow"})
    return reply({"decision": "deny", "reason": reason_or(reason, DENY_FALLBACK)})


def no_opinion(call):
    return reply()


def fail_closed(message: str):
    # The executor reads stdout even on exit 2, so the JSON carries the reason to the agent.
    text = reason_or(message, DENY_FALLBACK)
    return reply({"decision": "deny", "reason": text}, stderr_line(text), 2)

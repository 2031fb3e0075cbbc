"""Goose's Open Plugins PreToolUse dialect (goose >= 1.38, plugin hooks/hooks.json).

In:  {"event": "PreToolUse", "session_id", "matcher_context": "developer__shell", "tool_name": "developer__shell",
      "tool_input": {"command", "timeout_secs"}, "working_dir", "tool_call_id"}
Out: exit 2 denies (stderr is the reason); stdout {"decision": "block", "reason"} denies whatever the exit status;
     exit 0 with empty stdout or {"decision": "allow"} allows; anything else is "no decision", which runs the call
     unless the hook entry says "on_failure": "block". There is no ask: it becomes a block.

Allow is written as the explicit {"decision": "allow"} so it stays an allow under on_failure: block, the setting
agentsh installs; a non-shell call gets empty stdout (no opinion).
"""
from __future__ import annotations

from .base import DENY_FALLBACK, check_event, make_call, reason_or, reply, stderr_line, text_or_none, tool_call_fields

SHELL_TOOLS = {"developer__shell": "bash"}


def parse(payload: dict, agent: str = "goose"):
    where = "goose PreToolUse payload"
    check_event(payload, ("event",), ("PreToolUse",), where)
    tool_name, tool_input, command, shell = tool_call_fields(payload, SHELL_TOOLS, where)
    return make_call(agent, "goose", payload, tool_name=tool_name, tool_input=tool_input,
                     commands=None if command is None else (command,), shell=shell or "bash",
                     cwd=payload.get("working_dir"), session_id=text_or_none(payload.get("session_id")))


def render(call, outcome: str, reason: str, user_message=None):
    if outcome == "allow":
        return reply({"decision": "allow"})
    return reply({"decision": "block", "reason": reason_or(reason, DENY_FALLBACK)})


def no_opinion(call):
    return reply()


def fail_closed(message: str):
    text = reason_or(message, DENY_FALLBACK)
    return reply({"decision": "block", "reason": text}, stderr_line(text), 2)

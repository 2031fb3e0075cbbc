"""Cursor's beforeShellExecution dialect (closed source: documented behaviour plus third-party reports).

In:  {"conversation_id", "generation_id", "model", "hook_event_name": "beforeShellExecution", "cursor_version",
      "workspace_roots": [...], "user_email", "command": "<full terminal command>", "cwd"}
Out: {"permission": "allow"|"deny"|"ask", "user_message", "agent_message"}; early builds read camelCase
     userMessage/agentMessage, so both spellings are written. Exit 2 also denies; other non-zero exits fail open
     unless the hook entry says "failClosed": true.

Only deny is reliable: since Nov 2025 users report that ask and allow on shell commands misbehave. So an ask is
turned into deny unless the caller opts in (use_unreliable_ask), and the agent should get human approval some other
way (agentsh's out-of-band approval) and answer allow or deny.

Newer builds also offer preToolUse (matcher "Shell", payload {"tool_name", "tool_input": {"command"}}), whose reply
is reported as {"decision", "reason"} [unverified]; for that variant both spellings are written in one object.
"""
from __future__ import annotations

from .base import (ASK_FALLBACK, DENY_FALLBACK, HookInputError, first_text, make_call, reason_or, reply,
                   require_text, stderr_line, text_or_none, tool_call_fields)

SHELL_TOOLS = {"Shell": "bash"}
SHELL_EVENT = "beforeShellExecution"
TOOL_EVENT = "preToolUse"


def parse(payload: dict, agent: str = "cursor"):
    where = "cursor hook payload"
    event = payload.get("hook_event_name")
    if event is None:
        event = SHELL_EVENT if "command" in payload else TOOL_EVENT if "tool_name" in payload else None
    session = text_or_none(payload.get("conversation_id"))
    if event == SHELL_EVENT:
        command = require_text(payload, "command", where)
        cwd = text_or_none(payload.get("cwd")) or first_text(payload.get("workspace_roots"))
        return make_call(agent, SHELL_EVENT, payload, commands=(command,), cwd=cwd, session_id=session)
    if event == TOOL_EVENT:
        tool_name, tool_input, command, shell = tool_call_fields(payload, SHELL_TOOLS, where)
        cwd = text_or_none(payload.get("cwd")) or first_text(payload.get("workspace_roots"))
        return make_call(agent, TOOL_EVENT, payload, tool_name=tool_name, tool_input=tool_input,
                         commands=None if command is None else (command,), cwd=cwd, session_id=session)
    raise HookInputError("%s: expected hook_event_name %s or %s, got %r" % (where, SHELL_EVENT, TOOL_EVENT, event))


def _permission(outcome: str, reason: str, user_message, with_decision: bool) -> dict:
    if outcome == "allow":
        out = {"permission": "allow"}
        if with_decision:
            out["decision"] = "allow"
        return out
    agent_text = reason_or(reason, ASK_FALLBACK if outcome == "ask" else DENY_FALLBACK)
    user_text = user_message or agent_text
    out = {"permission": outcome, "user_message": user_text, "agent_message": agent_text,
           "userMessage": user_text, "agentMessage": agent_text}
    if with_decision:
        out["decision"] = outcome
        out["reason"] = agent_text
    return out


def render(call, outcome: str, reason: str, user_message=None):
    return reply(_permission(outcome, reason, user_message, with_decision=call.variant == TOOL_EVENT))


def no_opinion(call):
    # `{}` rather than silence: hook authors report that Cursor wants JSON on every path, and under failClosed an
    # unparseable (empty) answer could block every non-shell tool.
    return reply({})


def fail_closed(message: str):
    # Both channels say deny: exit 2 (honoured) and the deny JSON (read if this build parses stdout on exit 2).
    text = reason_or(message, DENY_FALLBACK)
    return reply(_permission("deny", text, None, with_decision=True), stderr_line(text), 2)

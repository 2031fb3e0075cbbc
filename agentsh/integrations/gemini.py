"""Gemini CLI's BeforeTool dialect.

In:  {"session_id", "transcript_path", "cwd", "hook_event_name": "BeforeTool", "timestamp",
      "tool_name": "run_shell_command", "tool_input": {"command", "description", "dir_path", "is_background"}}
Out: stdout must be exactly one JSON document (hooks run through `bash -c`; any stray text breaks the parse).
     {"decision": "deny", "reason"} blocks, the reason going to the model; {"decision": "ask"} forces Gemini's own
     confirmation dialog (implemented in the scheduler though missing from the reference table), with
     systemMessage shown to the human; exit 2 blocks with stderr as the reason; other exits only warn.

Allow is `{}`, not {"decision": "allow"}: `{}` is Gemini's documented "nothing to say", so the user's own policy
engine and confirmation settings stay in charge, whereas an explicit allow could be read as an approval by a
future version. agentsh's job is to stop what is dangerous, not to pre-approve the rest.
"""
from __future__ import annotations

from .base import (ASK_FALLBACK, DENY_FALLBACK, check_event, make_call, reason_or, reply, resolve_dir, stderr_line,
                   text_or_none, tool_call_fields)

SHELL_TOOLS = {"run_shell_command": "bash"}


def parse(payload: dict, agent: str = "gemini"):
    where = "gemini BeforeTool payload"
    check_event(payload, ("hook_event_name",), ("BeforeTool",), where)
    tool_name, tool_input, command, shell = tool_call_fields(payload, SHELL_TOOLS, where)
    cwd = payload.get("cwd")
    if command is not None:
        cwd = resolve_dir(text_or_none(cwd), tool_input.get("dir_path"))  # the command runs in dir_path
    return make_call(agent, "gemini", payload, tool_name=tool_name, tool_input=tool_input,
                     commands=None if command is None else (command,), shell=shell or "bash", cwd=cwd,
                     session_id=text_or_none(payload.get("session_id")))


def render(call, outcome: str, reason: str, user_message=None):
    if outcome == "allow":
        return reply({})
    if outcome == "ask":
        text = reason_or(reason, ASK_FALLBACK)
        return reply({"decision": "ask", "reason": text, "systemMessage": user_message or text})
    out = {"decision": "deny", "reason": reason_or(reason, DENY_FALLBACK)}
    if user_message:
        out["systemMessage"] = user_message
    return reply(out)


def no_opinion(call):
    return reply({})


def fail_closed(message: str):
    return reply(None, stderr_line(reason_or(message, DENY_FALLBACK)), 2)

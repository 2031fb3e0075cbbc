"""Cline's file-hook dialect (~/Documents/Cline/Hooks/PreToolUse or .clinerules/hooks/PreToolUse).

In:  {"clineVersion", "hookName": "PreToolUse", "timestamp", "taskId", "workspaceRoots": [...], "userId",
      "preToolUse": {"toolName": "execute_command" | "run_commands" | …, "parameters": {…}}}
      execute_command carries parameters.command; run_commands carries parameters.commands, a list run one by one.
Out: stdout {"cancel": true, "errorMessage"} blocks and shows errorMessage to the user; {"cancel": false} lets the
     call run; "contextModification" is added to the model's context for its next request. Every hook must
     print JSON, whatever the tool. There is no ask: it becomes a cancel.
Exit statuses are not part of the protocol, so even a fail-closed reply exits 0 with a cancel.
"""
from __future__ import annotations

from .base import (DENY_FALLBACK, HookInputError, check_event, command_from, first_text, make_call, reason_or, reply,
                   require_object, require_text, stderr_line, text_or_none)

SINGLE_COMMAND_TOOLS = frozenset(("execute_command",))
MULTI_COMMAND_TOOLS = frozenset(("run_commands",))


def _commands(tool_name: str, parameters: dict, where: str) -> tuple:
    if tool_name in SINGLE_COMMAND_TOOLS:
        return (command_from(parameters, "command", where),)
    commands = parameters.get("commands")
    if commands is None and "command" in parameters:
        return (command_from(parameters, "command", where),)
    if not (isinstance(commands, list) and commands and all(isinstance(c, str) for c in commands)):
        raise HookInputError("%s: %s's 'commands' must be a non-empty list of strings" % (where, tool_name))
    return tuple(commands)


def parse(payload: dict, agent: str = "cline"):
    where = "cline PreToolUse payload"
    check_event(payload, ("hookName",), ("PreToolUse",), where)
    body = require_object(payload.get("preToolUse"), "%s: preToolUse" % where)
    tool_name = require_text(body, "toolName", where)
    parameters = body.get("parameters")
    commands = None
    if tool_name in SINGLE_COMMAND_TOOLS or tool_name in MULTI_COMMAND_TOOLS:
        parameters = require_object(parameters, "%s: %s's parameters" % (where, tool_name))
        commands = _commands(tool_name, parameters, where)
    elif not isinstance(parameters, dict):
        parameters = None
    return make_call(agent, "cline", payload, tool_name=tool_name, tool_input=parameters, commands=commands,
                     cwd=first_text(payload.get("workspaceRoots")), session_id=text_or_none(payload.get("taskId")))


def _cancel(reason: str, user_message=None) -> dict:
    text = reason_or(reason, DENY_FALLBACK)
    out = {"cancel": True, "errorMessage": user_message or text}
    if user_message and user_message != text:
        out["contextModification"] = text  # errorMessage went to the human; make sure the model hears why
    return out


def render(call, outcome: str, reason: str, user_message=None):
    if outcome == "allow":
        return reply({"cancel": False})
    return reply(_cancel(reason, user_message))


def no_opinion(call):
    return reply({"cancel": False})


def fail_closed(message: str):
    text = reason_or(message, DENY_FALLBACK)
    return reply(_cancel(text), stderr_line(text), 0)

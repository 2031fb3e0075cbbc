"""OpenAI Codex CLI's PreToolUse dialect (codex-rs/hooks).

In:  {"session_id", "turn_id", "cwd", "hook_event_name": "PreToolUse", "model", "permission_mode",
      "tool_name": "Bash", "tool_input": {"command": …}, "tool_use_id"}; shell_command / exec_command / the legacy
      shell tool all arrive as tool_name "Bash". apply_patch and mcp__* tools arrive too.
Out: deny only. exit 0 + {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
     "permissionDecisionReason": <non-empty>}}, or exit 2 with a non-empty stderr.
     A bare "allow" or an "ask" is rejected as unsupported; Codex reports the hook as failed and RUNS the call.
     So allow prints nothing, and ask must never be printed: it is turned into deny (fail closed).
"""
from __future__ import annotations

from .base import (DENY_FALLBACK, HookInputError, check_event, make_call, reason_or, reply, require_object,
                   require_text, stderr_line, text_or_none)

# Codex normalises its shell tools to "Bash"; the raw names are accepted in case a build passes them through.
SHELL_TOOLS = frozenset(("Bash", "shell", "shell_command", "exec_command", "local_shell"))


def _command(tool_input: dict, where: str) -> str:
    value = tool_input.get("command", tool_input.get("cmd"))
    if isinstance(value, str):
        return value
    # The legacy `shell` tool takes an argv list; vet it as the exact command line it stands for.
    if isinstance(value, list) and value and all(isinstance(word, str) for word in value):
        import shlex  # rare path: keep it off the import-time budget
        return shlex.join(value)
    raise HookInputError("%s: the shell tool's 'command' must be a string or a list of strings" % where)


def parse(payload: dict, agent: str = "codex"):
    where = "codex PreToolUse payload"
    check_event(payload, ("hook_event_name",), ("PreToolUse",), where)
    tool_name = require_text(payload, "tool_name", where)
    tool_input = payload.get("tool_input")
    commands = None
    if tool_name in SHELL_TOOLS:
        tool_input = require_object(tool_input, "%s: %s's tool_input" % (where, tool_name))
        commands = (_command(tool_input, where),)
    elif not isinstance(tool_input, dict):
        tool_input = None
    return make_call(agent, "codex", payload, tool_name=tool_name, tool_input=tool_input, commands=commands,
                     cwd=payload.get("cwd"), session_id=text_or_none(payload.get("session_id")))


def render(call, outcome: str, reason: str, user_message=None):
    if outcome == "allow":
        return reply()  # the only allow Codex accepts is silence
    # ask never reaches here (degraded to deny by the caller); deny needs a non-empty reason or it is "invalid"
    return reply({"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                         "permissionDecisionReason": reason_or(reason, DENY_FALLBACK)}})


def no_opinion(call):
    return reply()


def fail_closed(message: str):
    # Exit 2 blocks only with a non-empty stderr; stdout is not read on exit 2.
    return reply(None, stderr_line(reason_or(message, DENY_FALLBACK)), 2)

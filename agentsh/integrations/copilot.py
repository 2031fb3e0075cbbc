"""GitHub Copilot: two hosts read .github/hooks/*.json, and the payload tells them apart.

Copilot cloud agent / Copilot CLI ("copilot-cli" variant):
  In:  {"timestamp", "cwd", "toolName": "bash", "toolArgs": "{\"command\": …}"}; toolArgs is documented as a JSON
       *string*, but live CLI sessions have sent an object, so both are accepted. Windows sessions name the
       shell tool "powershell". sessionId appears in recent builds.
  Out: {"permissionDecision": "deny", "permissionDecisionReason"}. Only deny is processed, and the 1.0.x CLI
       treats ANY non-empty JSON object as a deny, so allow must print nothing at all, and ask becomes deny.
       Exit codes are disputed (the docs say non-zero exits deny; a read of the 1.0.73 bundle says hook errors
       run the call), so a fail-closed reply is an exit-0 deny object, which denies under both readings.

VS Code agent mode ("vscode" variant):
  In:  {"timestamp", "cwd", "sessionId", "hookEventName": "PreToolUse", "transcript_path", "tool_name",
        "tool_input", "tool_use_id"}; the terminal tool is run_in_terminal {command, explanation, isBackground}.
  Out: Claude's hookSpecificOutput dialect (allow / deny / ask; most restrictive hook wins); exit 2 blocks.
"""
from __future__ import annotations

from . import claude
from .base import (DENY_FALLBACK, HookInputError, command_from, make_call, reason_or, reply, require_text,
                   stderr_line, strict_json, text_or_none)

CLI_SHELL_TOOLS = {"bash": "bash", "shell": "bash", "powershell": "powershell", "pwsh": "powershell", "cmd": "cmd"}
CLI = "copilot-cli"
VSCODE = "vscode"


def _tool_args(payload: dict, where: str) -> dict:
    args = payload.get("toolArgs")
    if isinstance(args, str):
        args = strict_json(args, "%s: toolArgs" % where)
    if not isinstance(args, dict):
        raise HookInputError("%s: toolArgs must be a JSON object (or a string holding one)" % where)
    return args


def parse(payload: dict, agent: str = "copilot"):
    cli_keys = "toolName" in payload or "toolArgs" in payload
    vscode_keys = "tool_name" in payload or "tool_input" in payload
    if cli_keys and vscode_keys:
        raise HookInputError("copilot hook payload: has both toolName/toolArgs and tool_name/tool_input")
    if vscode_keys:
        return claude.parse(payload, agent=agent, variant=VSCODE)
    if not cli_keys:
        raise HookInputError("copilot hook payload: neither toolName/toolArgs (Copilot CLI) nor "
                             "tool_name/tool_input (VS Code)")
    where = "copilot preToolUse payload"
    tool_name = require_text(payload, "toolName", where)
    shell = CLI_SHELL_TOOLS.get(tool_name)
    tool_input, commands = None, None
    if shell is not None:
        tool_input = _tool_args(payload, where)
        commands = (command_from(tool_input, "command", where),)
    elif isinstance(payload.get("toolArgs"), dict):
        tool_input = payload["toolArgs"]
    # Non-shell toolArgs strings are left undecoded: their content decides nothing here.
    session = text_or_none(payload.get("sessionId")) or text_or_none(payload.get("session_id"))
    return make_call(agent, CLI, payload, tool_name=tool_name, tool_input=tool_input, commands=commands,
                     shell=shell or "bash", cwd=payload.get("cwd"), session_id=session)


def _cli_deny(reason: str) -> dict:
    return {"permissionDecision": "deny", "permissionDecisionReason": reason_or(reason, DENY_FALLBACK)}


def render(call, outcome: str, reason: str, user_message=None):
    if call.variant == VSCODE:
        return claude.render(call, outcome, reason, user_message)
    if outcome == "allow":
        return reply()  # any non-empty object would read as a deny
    # The CLI has no field for a human-facing message; stderr is where its hook log looks.
    return reply(_cli_deny(reason), stderr_line(user_message) if user_message else "")


def no_opinion(call):
    return reply()


def fail_closed(message: str):
    # The variant may be unknown here (unreadable input), so one reply must deny on both hosts: the CLI's flat
    # field plus VS Code's hookSpecificOutput, with exit 0 so neither host discards stdout.
    text = reason_or(message, DENY_FALLBACK)
    out = _cli_deny(text)
    out["hookSpecificOutput"] = {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                 "permissionDecisionReason": text}
    return reply(out, stderr_line(text), 0)

"""Claude Code's PreToolUse dialect, which VS Code's agent hooks speak too.

In:  {"session_id", "cwd", "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command", …}, …}
Out: exit 0 + {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow"|"deny"|"ask",
     "permissionDecisionReason": …}}; empty stdout leaves the decision to Claude's own permission rules.
Exit 2 blocks with stderr fed to the model, and stdout is then ignored; any other exit lets the call run.

VS Code reads the same hook files (~/.claude/settings.json, .claude/settings*.json) but ignores matchers, so
`agentsh hook claude` also receives VS Code calls: camelCase hookEventName/sessionId and the terminal tool
run_in_terminal. Same reply, but VS Code's default timeout is 30 s, not Claude's 10 minutes. Cursor can load
these files too ("third-party hooks"); such calls get the "cursor" variant, whose ask is not trusted.
"""
from __future__ import annotations

from .base import (ALLOW_FALLBACK, ASK_FALLBACK, DENY_FALLBACK, check_event, make_call, reason_or, reply,
                   stderr_line, text_or_none, tool_call_fields)

# Shell-running tools by name; listing a name can only widen what is vetted.
SHELL_TOOLS = {"Bash": "bash", "PowerShell": "powershell", "Shell": "bash",
               "run_in_terminal": "bash", "runTerminalCommand": "bash"}
VSCODE_TOOLS = frozenset(("run_in_terminal", "runTerminalCommand"))
# Cursor also runs Claude-format hooks (third-party hooks: .claude/settings*.json) under its own lowerCamelCase
# event name, and calls its terminal tool "Shell" [unverified payload]. Its ask is unreliable, hence a variant.
CURSOR_TOOLS = frozenset(("Shell",))


def _variant(payload: dict, tool_name: str) -> str:
    if "hookEventName" in payload or tool_name in VSCODE_TOOLS:
        return "vscode"
    if payload.get("hook_event_name") == "preToolUse" or tool_name in CURSOR_TOOLS:
        return "cursor"
    return "claude-code"


def parse(payload: dict, agent: str = "claude-code", variant: str | None = None):
    where = "%s PreToolUse payload" % agent
    check_event(payload, ("hook_event_name", "hookEventName"), ("PreToolUse", "preToolUse"), where)
    tool_name, tool_input, command, shell = tool_call_fields(payload, SHELL_TOOLS, where)
    if variant is None:
        variant = _variant(payload, tool_name)
    session = text_or_none(payload.get("session_id")) or text_or_none(payload.get("sessionId"))
    return make_call(agent, variant, payload, tool_name=tool_name, tool_input=tool_input,
                     commands=None if command is None else (command,), shell=shell or "bash",
                     cwd=payload.get("cwd"), session_id=session)


_FALLBACKS = {"allow": ALLOW_FALLBACK, "deny": DENY_FALLBACK, "ask": ASK_FALLBACK}


def render(call, outcome: str, reason: str, user_message=None):
    out = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": outcome,
                                  "permissionDecisionReason": reason_or(reason, _FALLBACKS[outcome])}}
    if user_message:
        out["systemMessage"] = user_message  # shown to the human; the reason above goes to the model (deny)
    return reply(out)


def no_opinion(call):
    return reply()


def fail_closed(message: str):
    # Exit 2: Claude and VS Code block and feed stderr to the model; stdout is ignored on exit 2, so none is written.
    return reply(None, stderr_line(message), 2)

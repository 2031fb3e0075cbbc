"""What every hook dialect shares: the call and reply records, strict payload reading, reply writing.

Pure functions only: bytes in, records out. No I/O, no clock, and nothing heavier than `json` is imported, because a
host runs `agentsh hook AGENT` before every tool call (VS Code even for every non-shell tool).
"""
from __future__ import annotations

import json
import os

from agentsh.model import Record

OUTCOMES = ("allow", "deny", "ask")


class HookInputError(ValueError):
    """The host sent something that cannot be read as a pre-tool-use call. The caller must fail closed."""


class HostInfo(Record):
    """What one host (or one variant of a host) does with a hook's answer.

    timeout_seconds: the host's default hook timeout; a human-approval wait must end well before it.
    honours_ask: the host turns an `ask` into its own confirmation prompt.
    ask_unreliable: the host documents `ask` but is reported to mishandle it (Cursor); used only on request.
    deny_only: the host acts on deny alone; an allow answer changes nothing (or is rejected, as in Codex).
    exit2_blocks: exit status 2 (reason on stderr) blocks the call.
    """
    __slots__ = ("name", "timeout_seconds", "honours_ask", "ask_unreliable", "deny_only", "exit2_blocks", "note")
    _defaults = {"ask_unreliable": False, "note": ""}


class HookCall(Record):
    """One pre-tool-use call, read from a host's payload.

    command: the shell command text, or None when the tool is not a shell (Claude's Read, an MCP tool, …).
    commands: the commands to vet one by one (Cline's run_commands carries several); () for a non-shell call.
      `command` is them joined by newlines, for display and audit only: vet each of `commands` separately, since
      text from one command (an open quote, a heredoc) could otherwise hide the next.
    shell: "bash", or "powershell" / "cmd" for Windows shell tools (agentsh's parser reads bash).
    tool_input: the tool's arguments as an object (Copilot's JSON-string toolArgs already decoded), or None.
    host: the HostInfo for this agent and variant; can_ask: whether an `ask` reaches a human in this call.
    """
    __slots__ = ("agent", "variant", "command", "commands", "shell", "cwd", "session_id", "tool_name", "tool_input",
                 "payload", "host", "can_ask")
    _defaults = {"host": None, "can_ask": False}


class HookReply(Record):
    """Exactly what the hook process writes and how it exits."""
    __slots__ = ("stdout", "stderr", "exit_code")


# ---- reading ------------------------------------------------------------------------------------------------------
def _reject_duplicate_keys(pairs):
    # {"command": "ls", "command": "rm -rf ~"}: parsers disagree on which one wins, so the host might run the
    # command agentsh did not vet. Refuse instead of guessing.
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise HookInputError("duplicate key %r in the hook payload" % key)
        obj[key] = value
    return obj


def strict_json(text: str, what: str):
    """json.loads that refuses duplicate keys; every failure is a HookInputError naming `what`."""
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicate_keys)
    except HookInputError:
        raise
    except ValueError as err:
        raise HookInputError("%s is not valid JSON (%s)" % (what, err)) from None
    except RecursionError:
        raise HookInputError("%s is nested too deeply" % what) from None


def load_object(raw) -> dict:
    """The payload as a JSON object; HookInputError for anything else (bad UTF-8, not JSON, an array, …)."""
    if isinstance(raw, (bytes, bytearray, memoryview)):
        try:
            text = bytes(raw).decode("utf-8-sig")  # tolerate a BOM, which Windows tools like to prepend
        except UnicodeDecodeError as err:
            raise HookInputError("the hook payload is not UTF-8 (%s)" % err.reason) from None
    elif isinstance(raw, str):
        text = raw
    else:
        raise HookInputError("the hook payload must be bytes or text, not %s" % type(raw).__name__)
    if not text.strip():
        raise HookInputError("the hook payload is empty")
    payload = strict_json(text, "the hook payload")
    if not isinstance(payload, dict):
        raise HookInputError("the hook payload must be a JSON object, not %s" % _json_type(payload))
    return payload


def _json_type(value) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "an object"


def text_or_none(value):
    return value if isinstance(value, str) and value else None


def _found(obj: dict, key: str) -> str:
    return _json_type(obj[key]) if key in obj else "nothing"


def require_text(obj: dict, key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise HookInputError("%s: %r must be a string, got %s" % (where, key, _found(obj, key)))
    return value


def check_event(payload: dict, keys, expected, where: str):
    """Refuse a payload for another event (a PostToolUse wiring, say): our answer would be in the wrong dialect."""
    for key in keys:
        if key in payload:
            value = payload[key]
            if value not in expected:
                raise HookInputError("%s: this adapter answers %s only, got %s=%r"
                                     % (where, " / ".join(expected), key, value))


def require_object(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise HookInputError("%s must be a JSON object, got %s" % (what, _json_type(value)))
    return value


def command_from(tool_input: dict, key: str, where: str) -> str:
    value = tool_input.get(key)
    if not isinstance(value, str):
        raise HookInputError("%s: the shell tool's %r must be a string, got %s" % (where, key, _found(tool_input, key)))
    return value


def tool_call_fields(payload: dict, shell_tools: dict, where: str):
    """(tool_name, tool_input, command, shell) for the common {"tool_name", "tool_input": {"command"}} shape.

    command and shell are None for a tool that is not a shell. A shell tool must carry an object with a string
    command: anything else is malformed, and malformed means blocked.
    """
    tool_name = require_text(payload, "tool_name", where)
    tool_input = payload.get("tool_input")
    shell = shell_tools.get(tool_name)
    if shell is None:
        return tool_name, tool_input if isinstance(tool_input, dict) else None, None, None
    tool_input = require_object(tool_input, "%s: %s's tool_input" % (where, tool_name))
    return tool_name, tool_input, command_from(tool_input, "command", where), shell


def resolve_dir(base, sub):
    """The directory a command runs in: `sub` (absolute, or relative to `base`) when given, else `base`."""
    sub = text_or_none(sub)
    if sub is None:
        return base
    if os.path.isabs(sub) or not base:
        return sub
    return os.path.join(base, sub)


def first_text(values):
    if isinstance(values, list):
        for value in values:
            if isinstance(value, str) and value:
                return value
    return None


def make_call(agent, variant, payload, *, tool_name=None, tool_input=None, commands=None, shell="bash", cwd=None,
              session_id=None) -> HookCall:
    commands = tuple(commands) if commands else ()
    return HookCall(agent=agent, variant=variant, command="\n".join(commands) if commands else None,
                    commands=commands, shell=shell, cwd=text_or_none(cwd), session_id=text_or_none(session_id),
                    tool_name=tool_name, tool_input=tool_input, payload=payload)


# ---- writing ------------------------------------------------------------------------------------------------------
def json_line(obj) -> str:
    # ASCII only: a reason quoting a non-ASCII file name must not crash the write on a C-locale stdout (a crash
    # is a non-zero exit, which most hosts treat as "no opinion" and run the command).
    return json.dumps(obj, ensure_ascii=True, separators=(",", ":")) + "\n"


def reply(obj=None, stderr: str = "", exit_code: int = 0) -> HookReply:
    return HookReply(stdout="" if obj is None else json_line(obj), stderr=stderr, exit_code=exit_code)


def stderr_line(message: str) -> str:
    return message if message.endswith("\n") else message + "\n"


def reason_or(reason, fallback: str) -> str:
    return reason if isinstance(reason, str) and reason.strip() else fallback


DENY_FALLBACK = "agentsh blocked this command"
ASK_FALLBACK = "agentsh asks a human to confirm this command"
ALLOW_FALLBACK = "agentsh allowed this command"

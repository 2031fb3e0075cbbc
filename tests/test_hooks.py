"""`agentsh hook AGENT` adapters: each host's payload in, each host's exact reply out, and fail-closed everywhere.

Payloads are the documented examples from /work/shared/reference/agent-integrations.md (sections 1, 2 and 5).
Commands are only ever strings handed to a stub decider: nothing here runs them.
"""
import json
import os
import subprocess
import sys

import pytest

from agentsh.integrations import (AGENTS, HOSTS, HookInputError, ask_capable, fail_closed_reply, host_info,
                                  parse_call, render, run_hook)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BENIGN = "npm test"
DESTRUCTIVE = "rm -rf ~/project && git push --force origin main"
ALLOW_REASON = "runs the test suite"
DENY_REASON = "rm -rf deletes ~/project (fs.rm-home)"
ASK_REASON = "git push --force rewrites a shared branch (git.force-push)"
DEGRADED_ASK_REASON = ("git push --force rewrites a shared branch (git.force-push) (a human must confirm this "
                       "command, and this agent's hooks cannot ask, so agentsh blocks it)")


# ---- the hosts' payloads ----------------------------------------------------------------------------------------
def claude_payload(command=BENIGN, tool_name="Bash", tool_input=None):
    return {"session_id": "sess-claude", "transcript_path": "/home/u/.claude/projects/p/x.jsonl", "cwd": "/proj",
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool_name,
            "tool_input": tool_input if tool_input is not None else
            {"command": command, "description": "Run test suite", "timeout": 120000, "run_in_background": False},
            "tool_use_id": "toolu_01"}


def cursor_payload(command=BENIGN):
    return {"conversation_id": "conv-1", "generation_id": "gen-1", "model": "gpt-5",
            "hook_event_name": "beforeShellExecution", "cursor_version": "2.0.0", "workspace_roots": ["/ws"],
            "user_email": "dev@example.com", "command": command, "cwd": "/ws/app"}


def codex_payload(command=BENIGN, tool_name="Bash", tool_input=None):
    return {"session_id": "sess-codex", "turn_id": "turn-1", "transcript_path": None, "cwd": "/repo",
            "hook_event_name": "PreToolUse", "model": "gpt-5-codex", "permission_mode": "default",
            "tool_name": tool_name, "tool_input": tool_input if tool_input is not None else {"command": command},
            "tool_use_id": "call_1"}


def gemini_payload(command=BENIGN, tool_name="run_shell_command", tool_input=None):
    return {"session_id": "sess-gemini", "transcript_path": "/home/u/.gemini/t.json", "cwd": "/proj",
            "hook_event_name": "BeforeTool", "timestamp": "2026-08-25T10:00:00Z", "tool_name": tool_name,
            "tool_input": tool_input if tool_input is not None else
            {"command": command, "description": "Run tests", "dir_path": "packages/app", "is_background": False}}


def copilot_cli_payload(command=BENIGN, tool_name="bash", tool_args=None):
    return {"timestamp": 1704614600000, "cwd": "/path/to/project", "toolName": tool_name,
            "toolArgs": tool_args if tool_args is not None else
            json.dumps({"command": command, "description": "Run tests"})}


def vscode_payload(command=BENIGN, tool_name="run_in_terminal", tool_input=None):
    return {"timestamp": "2026-02-09T10:30:00.000Z", "cwd": "/workspace", "sessionId": "sess-vscode",
            "hookEventName": "PreToolUse", "transcript_path": "/t/transcript.json", "tool_name": tool_name,
            "tool_input": tool_input if tool_input is not None else
            {"command": command, "explanation": "Run tests", "isBackground": False},
            "tool_use_id": "tool-123"}


def goose_payload(command=BENIGN, tool_name="developer__shell", tool_input=None):
    return {"event": "PreToolUse", "session_id": "sess-goose", "matcher_context": tool_name, "tool_name": tool_name,
            "tool_input": tool_input if tool_input is not None else {"command": command, "timeout_secs": 300},
            "working_dir": "/home/u/proj", "tool_call_id": "call_9"}


def openhands_payload(command=BENIGN, tool_name="terminal", tool_input=None):
    return {"event_type": "PreToolUse", "tool_name": tool_name,
            "tool_input": tool_input if tool_input is not None else {"command": command, "is_input": False},
            "tool_output": None, "message": None, "session_id": "sess-oh", "working_dir": "/workspace",
            "metadata": {}}


def cline_payload(command=BENIGN, tool_name="execute_command", parameters=None):
    return {"clineVersion": "3.36.0", "hookName": "PreToolUse", "timestamp": "2026-08-25T10:00:00Z",
            "taskId": "task-7", "workspaceRoots": ["/home/u/site"], "userId": "u-1",
            "preToolUse": {"toolName": tool_name, "parameters": parameters if parameters is not None else
                           {"command": command, "requires_approval": "false"}}}


def encode(payload):
    return json.dumps(payload).encode("utf-8")


# ---- helpers ----------------------------------------------------------------------------------------------------
def stdout_document(stdout):
    """None for empty stdout; otherwise the one JSON document it holds (and nothing else but a final newline)."""
    if stdout == "":
        return None
    assert stdout.isascii()
    obj, end = json.JSONDecoder().raw_decode(stdout)
    assert stdout[end:] == "\n", "stdout must be one JSON document and a newline, got %r" % stdout
    return obj


class Decider:
    """A stub for the caller's decide(): a fixed answer per command, and a record of what it was asked."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, call):
        self.calls.append(call)
        return self.answers[call.command]


def never_called(call):
    raise AssertionError("decide() must not be called for %r" % (call,))


def exploding(call):
    raise RuntimeError("audit log is unwritable")


def claude_reply(decision, reason):
    return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": decision,
                                   "permissionDecisionReason": reason}}


def cursor_reply(permission, reason):
    return {"permission": permission, "user_message": reason, "agent_message": reason, "userMessage": reason,
            "agentMessage": reason}


# ---- every host: allow, deny and ask ------------------------------------------------------------------------------
# (agent, payload builder, {outcome: (stdout document or None, stderr, exit code)})
HOST_CASES = {
    "claude-code": ("claude-code", claude_payload, {
        "allow": (claude_reply("allow", ALLOW_REASON), "", 0),
        "deny": (claude_reply("deny", DENY_REASON), "", 0),
        "ask": (claude_reply("ask", ASK_REASON), "", 0),
    }),
    "cursor": ("cursor", cursor_payload, {
        "allow": ({"permission": "allow"}, "", 0),
        "deny": (cursor_reply("deny", DENY_REASON), "", 0),
        "ask": (cursor_reply("deny", DEGRADED_ASK_REASON), "", 0),
    }),
    "codex": ("codex", codex_payload, {
        "allow": (None, "", 0),
        "deny": (claude_reply("deny", DENY_REASON), "", 0),
        "ask": (claude_reply("deny", DEGRADED_ASK_REASON), "", 0),
    }),
    "gemini": ("gemini", gemini_payload, {
        "allow": ({}, "", 0),
        "deny": ({"decision": "deny", "reason": DENY_REASON}, "", 0),
        "ask": ({"decision": "ask", "reason": ASK_REASON, "systemMessage": ASK_REASON}, "", 0),
    }),
    "copilot-cli": ("copilot", copilot_cli_payload, {
        "allow": (None, "", 0),
        "deny": ({"permissionDecision": "deny", "permissionDecisionReason": DENY_REASON}, "", 0),
        "ask": ({"permissionDecision": "deny", "permissionDecisionReason": DEGRADED_ASK_REASON}, "", 0),
    }),
    "copilot-vscode": ("copilot", vscode_payload, {
        "allow": (claude_reply("allow", ALLOW_REASON), "", 0),
        "deny": (claude_reply("deny", DENY_REASON), "", 0),
        "ask": (claude_reply("ask", ASK_REASON), "", 0),
    }),
    "goose": ("goose", goose_payload, {
        "allow": ({"decision": "allow"}, "", 0),
        "deny": ({"decision": "block", "reason": DENY_REASON}, "", 0),
        "ask": ({"decision": "block", "reason": DEGRADED_ASK_REASON}, "", 0),
    }),
    "openhands": ("openhands", openhands_payload, {
        "allow": ({"decision": "allow"}, "", 0),
        "deny": ({"decision": "deny", "reason": DENY_REASON}, "", 0),
        "ask": ({"decision": "deny", "reason": DEGRADED_ASK_REASON}, "", 0),
    }),
    "cline": ("cline", cline_payload, {
        "allow": ({"cancel": False}, "", 0),
        "deny": ({"cancel": True, "errorMessage": DENY_REASON}, "", 0),
        "ask": ({"cancel": True, "errorMessage": DEGRADED_ASK_REASON}, "", 0),
    }),
}

ANSWERS = {
    "allow": (BENIGN, ("allow", ALLOW_REASON)),
    "deny": (DESTRUCTIVE, ("deny", DENY_REASON)),
    "ask": (DESTRUCTIVE, ("ask", ASK_REASON)),
}


@pytest.mark.parametrize("outcome", ["allow", "deny", "ask"])
@pytest.mark.parametrize("case", sorted(HOST_CASES))
def test_each_host_answers_in_its_own_dialect(case, outcome):
    agent, build, expected = HOST_CASES[case]
    command, answer = ANSWERS[outcome]
    decide = Decider({command: answer})
    reply = run_hook(agent, encode(build(command)), decide)
    want_stdout, want_stderr, want_exit = expected[outcome]
    assert stdout_document(reply.stdout) == want_stdout
    assert reply.stderr == want_stderr
    assert reply.exit_code == want_exit
    assert [call.command for call in decide.calls] == [command]


def test_the_matrix_covers_every_agent():
    assert {agent for agent, _, _ in HOST_CASES.values()} == set(AGENTS)


# ---- what the decider is given ------------------------------------------------------------------------------------
PARSED = [
    # (agent, payload, variant, tool_name, cwd, session_id, shell, can_ask)
    ("claude-code", claude_payload(), "claude-code", "Bash", "/proj", "sess-claude", "bash", True),
    ("cursor", cursor_payload(), "beforeShellExecution", None, "/ws/app", "conv-1", "bash", False),
    ("codex", codex_payload(), "codex", "Bash", "/repo", "sess-codex", "bash", False),
    ("gemini", gemini_payload(), "gemini", "run_shell_command", "/proj/packages/app", "sess-gemini", "bash", True),
    ("copilot", copilot_cli_payload(), "copilot-cli", "bash", "/path/to/project", None, "bash", False),
    ("copilot", vscode_payload(), "vscode", "run_in_terminal", "/workspace", "sess-vscode", "bash", True),
    ("goose", goose_payload(), "goose", "developer__shell", "/home/u/proj", "sess-goose", "bash", False),
    ("openhands", openhands_payload(), "openhands", "terminal", "/workspace", "sess-oh", "bash", False),
    ("cline", cline_payload(), "cline", "execute_command", "/home/u/site", "task-7", "bash", False),
]


@pytest.mark.parametrize("agent, payload, variant, tool_name, cwd, session_id, shell, can_ask", PARSED)
def test_parse_call_reads_the_fields_the_decider_needs(agent, payload, variant, tool_name, cwd, session_id, shell,
                                                       can_ask):
    call = parse_call(agent, encode(payload))
    assert (call.agent, call.variant, call.command, call.commands) == (agent, variant, BENIGN, (BENIGN,))
    assert (call.tool_name, call.cwd, call.session_id, call.shell, call.can_ask) == (tool_name, cwd, session_id,
                                                                                     shell, can_ask)
    assert call.payload == payload
    assert call.host == host_info(agent, variant)


def test_copilot_tool_args_are_decoded_for_the_decider():
    call = parse_call("copilot", encode(copilot_cli_payload()))
    assert call.tool_input == {"command": BENIGN, "description": "Run tests"}


def test_copilot_cli_tool_args_as_an_object_are_accepted_too():
    # Live CLI sessions have sent toolArgs as an object, with a sessionId, and named the Windows shell powershell.
    payload = {"sessionId": "85a6", "timestamp": 1788992290306, "cwd": "C:\\code\\capture-test",
               "toolName": "powershell", "toolArgs": {"command": "echo hi", "mode": "sync", "initial_wait": 10}}
    call = parse_call("copilot", encode(payload))
    assert (call.variant, call.command, call.shell, call.session_id) == ("copilot-cli", "echo hi", "powershell",
                                                                         "85a6")


def test_gemini_runs_the_command_in_dir_path():
    absolute = gemini_payload(tool_input={"command": BENIGN, "dir_path": "/elsewhere"})
    assert parse_call("gemini", encode(absolute)).cwd == "/elsewhere"
    missing = gemini_payload(tool_input={"command": BENIGN})
    assert parse_call("gemini", encode(missing)).cwd == "/proj"


def test_claude_alias_and_case_are_accepted():
    for name in ("claude", "Claude-Code", " claude-code "):
        assert parse_call(name, encode(claude_payload())).agent == "claude-code"


def test_vscode_calling_the_claude_hook_is_vetted_and_answered_in_the_same_dialect():
    # VS Code reads ~/.claude/settings.json and ignores matchers: `agentsh hook claude` sees run_in_terminal.
    decide = Decider({DESTRUCTIVE: ("deny", DENY_REASON)})
    reply = run_hook("claude", encode(vscode_payload(DESTRUCTIVE)), decide)
    assert stdout_document(reply.stdout) == claude_reply("deny", DENY_REASON)
    assert decide.calls[0].variant == "vscode"
    assert decide.calls[0].host.timeout_seconds == 30


def test_cursor_running_the_claude_hook_does_not_trust_cursor_ask():
    # Cursor loads .claude/settings.json hooks too ("third-party hooks"), with its own event and tool names.
    payload = {"conversation_id": "c", "hook_event_name": "preToolUse", "tool_name": "Shell",
               "tool_input": {"command": DESTRUCTIVE}, "cwd": "/ws"}
    decide = Decider({DESTRUCTIVE: ("ask", ASK_REASON)})
    reply = run_hook("claude", encode(payload), decide)
    assert stdout_document(reply.stdout) == claude_reply("deny", DEGRADED_ASK_REASON)
    assert (decide.calls[0].variant, decide.calls[0].can_ask) == ("cursor", False)


def test_claude_powershell_is_vetted_and_marked():
    call = parse_call("claude-code", encode(claude_payload(tool_name="PowerShell", tool_input={"command": "dir"})))
    assert (call.command, call.shell) == ("dir", "powershell")


def test_codex_argv_commands_are_vetted_as_the_command_line_they_stand_for():
    payload = codex_payload(tool_name="shell", tool_input={"command": ["bash", "-lc", "rm -rf build"]})
    assert parse_call("codex", encode(payload)).command == "bash -lc 'rm -rf build'"


def test_reasons_stay_ascii_on_stdout_and_round_trip():
    reason = "rm -rf supprime ~/données"
    reply = run_hook("gemini", encode(gemini_payload(DESTRUCTIVE)), Decider({DESTRUCTIVE: ("deny", reason)}))
    assert stdout_document(reply.stdout) == {"decision": "deny", "reason": reason}


def test_user_message_goes_where_the_host_shows_the_human():
    def decide(call):
        return "deny", DENY_REASON, "agentsh stopped a deletion of ~/project"

    claude = run_hook("claude-code", encode(claude_payload(DESTRUCTIVE)), decide)
    assert stdout_document(claude.stdout) == dict(claude_reply("deny", DENY_REASON),
                                                  systemMessage="agentsh stopped a deletion of ~/project")
    cursor = run_hook("cursor", encode(cursor_payload(DESTRUCTIVE)), decide)
    assert stdout_document(cursor.stdout) == {
        "permission": "deny", "user_message": "agentsh stopped a deletion of ~/project",
        "agent_message": DENY_REASON, "userMessage": "agentsh stopped a deletion of ~/project",
        "agentMessage": DENY_REASON}
    cline = run_hook("cline", encode(cline_payload(DESTRUCTIVE)), decide)
    assert stdout_document(cline.stdout) == {"cancel": True, "errorMessage": "agentsh stopped a deletion of ~/project",
                                             "contextModification": DENY_REASON}
    copilot = run_hook("copilot", encode(copilot_cli_payload(DESTRUCTIVE)), decide)
    assert stdout_document(copilot.stdout) == {"permissionDecision": "deny", "permissionDecisionReason": DENY_REASON}
    assert copilot.stderr == "agentsh stopped a deletion of ~/project\n"


def test_an_empty_reason_still_gives_codex_the_non_empty_reason_it_requires():
    reply = run_hook("codex", encode(codex_payload(DESTRUCTIVE)), lambda call: ("deny", ""))
    assert stdout_document(reply.stdout) == claude_reply("deny", "agentsh blocked this command")


# ---- ask where it is unreliable -------------------------------------------------------------------------------------
def test_cursor_ask_is_passed_through_only_on_request():
    decide = Decider({DESTRUCTIVE: ("ask", ASK_REASON)})
    reply = run_hook("cursor", encode(cursor_payload(DESTRUCTIVE)), decide, use_unreliable_ask=True)
    assert stdout_document(reply.stdout) == cursor_reply("ask", ASK_REASON)
    assert decide.calls[0].can_ask is True


def test_cursor_pretooluse_variant_writes_both_spellings():
    payload = {"conversation_id": "c", "hook_event_name": "preToolUse", "tool_name": "Shell",
               "tool_input": {"command": DESTRUCTIVE}, "workspace_roots": ["/ws"]}
    reply = run_hook("cursor", encode(payload), Decider({DESTRUCTIVE: ("deny", DENY_REASON)}))
    assert stdout_document(reply.stdout) == dict(cursor_reply("deny", DENY_REASON), decision="deny",
                                                 reason=DENY_REASON)
    allowed = run_hook("cursor", encode(payload), Decider({DESTRUCTIVE: ("allow", ALLOW_REASON)}))
    assert stdout_document(allowed.stdout) == {"permission": "allow", "decision": "allow"}


@pytest.mark.parametrize("agent, variant, expected", [
    ("claude-code", None, True), ("claude-code", "vscode", True), ("gemini", None, True),
    ("copilot", "vscode", True), ("copilot", "copilot-cli", False), ("copilot", None, False),
    ("codex", None, False), ("cursor", None, False), ("goose", None, False), ("openhands", None, False),
    ("cline", None, False),
])
def test_ask_capable(agent, variant, expected):
    assert ask_capable(agent, variant) is expected


def test_ask_capable_with_unreliable_ask_trusts_cursor_only():
    assert ask_capable("cursor", use_unreliable_ask=True) is True
    assert ask_capable("codex", use_unreliable_ask=True) is False


def test_host_timeouts():
    assert {name: host.timeout_seconds for name, host in HOSTS.items()} == {
        "claude-code": 600, "cursor": 30, "codex": 30, "gemini": 60, "copilot": 30, "goose": 30,
        "openhands": 60, "cline": 30}
    assert host_info("copilot", "vscode").timeout_seconds == 30
    assert host_info("claude", "vscode").timeout_seconds == 30


# ---- non-shell tool calls -----------------------------------------------------------------------------------------
NON_SHELL = [
    ("claude-code", claude_payload(tool_name="Read", tool_input={"file_path": "/proj/README.md"}), None),
    ("cursor", {"conversation_id": "c", "hook_event_name": "preToolUse", "tool_name": "Read",
                "tool_input": {"path": "a.py"}}, {}),
    ("codex", codex_payload(tool_name="apply_patch", tool_input={"input": "*** Begin Patch"}), None),
    ("gemini", gemini_payload(tool_name="read_file", tool_input={"absolute_path": "/proj/a.py"}), {}),
    ("copilot", copilot_cli_payload(tool_name="view", tool_args=json.dumps({"path": "src/a.ts"})), None),
    ("copilot", vscode_payload(tool_name="read_file", tool_input={"filePath": "/workspace/a.ts"}), None),
    ("goose", goose_payload(tool_name="developer__text_editor", tool_input={"path": "a.py"}), None),
    ("openhands", openhands_payload(tool_name="file_editor", tool_input={"path": "/workspace/a.py"}), None),
    ("cline", cline_payload(tool_name="read_file", parameters={"path": "src/a.ts"}), {"cancel": False}),
]


@pytest.mark.parametrize("agent, payload, expected", NON_SHELL)
def test_non_shell_calls_get_no_opinion_and_skip_the_decider(agent, payload, expected):
    reply = run_hook(agent, encode(payload), never_called)
    assert stdout_document(reply.stdout) == expected
    assert (reply.stderr, reply.exit_code) == ("", 0)
    assert parse_call(agent, encode(payload)).command is None


def test_copilot_non_shell_tool_args_are_not_judged():
    # A non-shell tool's arguments decide nothing, so even unreadable ones do not block it.
    reply = run_hook("copilot", encode(copilot_cli_payload(tool_name="view", tool_args="{oops")), never_called)
    assert (reply.stdout, reply.exit_code) == ("", 0)


# ---- fail closed --------------------------------------------------------------------------------------------------
def fail_closed_shape(agent, reply):
    """Assert `reply` is the agent's blocking reply; return the message it carries."""
    message = reply.stderr.rstrip("\n")
    assert message and reply.stderr.endswith("\n")
    document = stdout_document(reply.stdout)
    expected = {
        "claude-code": (None, 2),
        "codex": (None, 2),
        "gemini": (None, 2),
        "cursor": (dict(cursor_reply("deny", message), decision="deny", reason=message), 2),
        "copilot": ({"permissionDecision": "deny", "permissionDecisionReason": message,
                     "hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                            "permissionDecisionReason": message}}, 0),
        "goose": ({"decision": "block", "reason": message}, 2),
        "openhands": ({"decision": "deny", "reason": message}, 2),
        "cline": ({"cancel": True, "errorMessage": message}, 0),
    }[agent]
    assert (document, reply.exit_code) == expected
    return message


def missing_command(agent):
    return {
        "claude-code": claude_payload(tool_input={"description": "no command"}),
        "cursor": {k: v for k, v in cursor_payload().items() if k != "command"},
        "codex": codex_payload(tool_input={"description": "no command"}),
        "gemini": gemini_payload(tool_input={"description": "no command"}),
        "copilot": copilot_cli_payload(tool_args=json.dumps({"description": "no command"})),
        "goose": goose_payload(tool_input={"timeout_secs": 5}),
        "openhands": openhands_payload(tool_input={"is_input": False}),
        "cline": cline_payload(parameters={"requires_approval": "false"}),
    }[agent]


def command_not_a_string(agent):
    return {
        "claude-code": claude_payload(tool_input={"command": ["rm", "-rf", "/"]}),
        "cursor": dict(cursor_payload(), command=42),
        "codex": codex_payload(tool_input={"command": 42}),
        "gemini": gemini_payload(tool_input={"command": None}),
        "copilot": copilot_cli_payload(tool_args=json.dumps({"command": {"script": "rm -rf /"}})),
        "goose": goose_payload(tool_input={"command": True}),
        "openhands": openhands_payload(tool_input={"command": ["ls"]}),
        "cline": cline_payload(parameters={"command": 7}),
    }[agent]


def tool_input_not_an_object(agent):
    return {
        "claude-code": claude_payload(tool_input="rm -rf /"),
        "cursor": {"conversation_id": "c", "hook_event_name": "preToolUse", "tool_name": "Shell",
                   "tool_input": "rm -rf /"},
        "codex": codex_payload(tool_input=["rm -rf /"]),
        "gemini": gemini_payload(tool_input="rm -rf /"),
        "copilot": copilot_cli_payload(tool_args=json.dumps(["rm -rf /"])),
        "goose": goose_payload(tool_input="rm -rf /"),
        "openhands": openhands_payload(tool_input=17),
        "cline": cline_payload(parameters="rm -rf /"),
    }[agent]


MALFORMED = {
    "not JSON": lambda agent: b"tool_name=Bash command=rm",
    "empty": lambda agent: b"",
    "array": lambda agent: b'[{"tool_name": "Bash"}]',
    "string": lambda agent: b'"rm -rf /"',
    "not UTF-8": lambda agent: b'{"command": "\xff\xfe"}',
    "missing command": lambda agent: encode(missing_command(agent)),
    "command not a string": lambda agent: encode(command_not_a_string(agent)),
    "tool input not an object": lambda agent: encode(tool_input_not_an_object(agent)),
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
@pytest.mark.parametrize("agent", AGENTS)
def test_malformed_input_fails_closed(agent, kind):
    raw = MALFORMED[kind](agent)
    with pytest.raises(HookInputError):
        parse_call(agent, raw)
    reply = run_hook(agent, raw, never_called)
    message = fail_closed_shape(agent, reply)
    assert message.startswith("agentsh could not read the %s hook input: " % agent)
    assert message.endswith("The tool call is blocked to be safe.")


@pytest.mark.parametrize("tool_args", ["{\"command\": \"npm test\"", "not json at all", "[]", "null", "42"])
def test_copilot_tool_args_that_are_not_a_json_object_fail_closed(tool_args):
    reply = run_hook("copilot", encode(copilot_cli_payload(tool_args=tool_args)), never_called)
    assert "toolArgs" in fail_closed_shape("copilot", reply)


def test_copilot_payload_of_neither_shape_fails_closed():
    reply = run_hook("copilot", encode({"timestamp": 1, "cwd": "/p"}), never_called)
    assert "neither toolName/toolArgs" in fail_closed_shape("copilot", reply)
    both = dict(copilot_cli_payload(), tool_name="run_in_terminal", tool_input={"command": "ls"})
    assert "both" in fail_closed_shape("copilot", run_hook("copilot", encode(both), never_called))


def test_missing_tool_name_fails_closed():
    payload = claude_payload()
    del payload["tool_name"]
    assert "'tool_name' must be a string" in fail_closed_shape("claude-code",
                                                               run_hook("claude", encode(payload), never_called))


def test_duplicate_keys_fail_closed():
    # Which of two "command" keys wins differs between parsers; agentsh must not vet one and let the host run the other.
    raw = (b'{"hook_event_name": "PreToolUse", "tool_name": "Bash",'
           b' "tool_input": {"command": "ls", "command": "rm -rf ~"}}')
    message = fail_closed_shape("claude-code", run_hook("claude-code", raw, never_called))
    assert "duplicate key 'command'" in message


def test_a_payload_for_another_event_fails_closed():
    payload = dict(claude_payload(), hook_event_name="PostToolUse")
    message = fail_closed_shape("claude-code", run_hook("claude-code", encode(payload), never_called))
    assert "PostToolUse" in message


def test_a_byte_order_mark_is_tolerated():
    decide = Decider({BENIGN: ("allow", ALLOW_REASON)})
    reply = run_hook("gemini", b"\xef\xbb\xbf" + encode(gemini_payload()), decide)
    assert stdout_document(reply.stdout) == {}


def test_cline_requires_the_pretooluse_object():
    payload = cline_payload()
    del payload["preToolUse"]
    assert "preToolUse" in fail_closed_shape("cline", run_hook("cline", encode(payload), never_called))


@pytest.mark.parametrize("case", sorted(HOST_CASES))
def test_a_decider_that_raises_fails_closed(case):
    agent, build, _ = HOST_CASES[case]
    reply = run_hook(agent, encode(build(DESTRUCTIVE)), exploding)
    message = fail_closed_shape(agent, reply)
    assert message == ("agentsh hit an internal error while vetting this command (RuntimeError: audit log is "
                       "unwritable). It is blocked to be safe.")


@pytest.mark.parametrize("bad", [None, "deny", ("maybe", "x"), ("allow",), ("deny", 5), ("deny", "x", 3),
                                 ("allow", "a", "b", "c")])
@pytest.mark.parametrize("agent", ["claude-code", "codex", "cline"])
def test_a_malformed_decision_fails_closed(agent, bad):
    build = {"claude-code": claude_payload, "codex": codex_payload, "cline": cline_payload}[agent]
    reply = run_hook(agent, encode(build(BENIGN)), lambda call: bad)
    assert "internal error while vetting" in fail_closed_shape(agent, reply)


def test_unknown_agent_fails_closed_and_names_the_known_ones():
    reply = run_hook("aider", encode(claude_payload()), never_called)
    assert (reply.stdout, reply.exit_code) == ("", 2)
    assert reply.stderr == ("agentsh hook: unknown agent 'aider'; known agents: claude-code, cursor, codex, gemini, "
                            "copilot, goose, openhands, cline (and claude, for claude-code). The tool call is "
                            "blocked.\n")
    with pytest.raises(HookInputError):
        parse_call("aider", encode(claude_payload()))


@pytest.mark.parametrize("agent", AGENTS)
def test_fail_closed_reply_is_never_an_allow(agent):
    message = fail_closed_shape(agent, fail_closed_reply(agent, "agentsh: the rules could not be loaded"))
    assert message == "agentsh: the rules could not be loaded"


def test_render_rejects_an_unknown_outcome():
    call = parse_call("claude-code", encode(claude_payload()))
    with pytest.raises(ValueError):
        render(call, "confirm", "x")


# ---- Cline's run_commands: several commands, each vetted ------------------------------------------------------------
def run_commands_payload(commands):
    return cline_payload(tool_name="run_commands", parameters={"commands": commands})


def test_run_commands_vets_each_command_and_any_deny_blocks():
    decide = Decider({"npm ci": ("allow", "installs"), DESTRUCTIVE: ("deny", DENY_REASON),
                      "npm test": ("allow", ALLOW_REASON)})
    reply = run_hook("cline", encode(run_commands_payload(["npm ci", DESTRUCTIVE, "npm test"])), decide)
    assert stdout_document(reply.stdout) == {"cancel": True, "errorMessage": DENY_REASON}
    # Each command is decided on its own (text from one cannot hide the next), stopping at the first deny.
    assert [(call.command, call.commands) for call in decide.calls] == [("npm ci", ("npm ci",)),
                                                                        (DESTRUCTIVE, (DESTRUCTIVE,))]


def test_run_commands_all_allowed_is_allowed():
    decide = Decider({"npm ci": ("allow", "installs"), "npm test": ("allow", ALLOW_REASON)})
    reply = run_hook("cline", encode(run_commands_payload(["npm ci", "npm test"])), decide)
    assert stdout_document(reply.stdout) == {"cancel": False}
    assert len(decide.calls) == 2


def test_run_commands_an_ask_among_allows_is_an_ask_and_cline_cannot_ask():
    decide = Decider({"npm ci": ("allow", "installs"), DESTRUCTIVE: ("ask", ASK_REASON)})
    reply = run_hook("cline", encode(run_commands_payload(["npm ci", DESTRUCTIVE])), decide)
    assert stdout_document(reply.stdout) == {"cancel": True, "errorMessage": DEGRADED_ASK_REASON}


def test_run_commands_call_shows_all_commands_for_audit():
    call = parse_call("cline", encode(run_commands_payload(["npm ci", "npm test"])))
    assert (call.command, call.commands) == ("npm ci\nnpm test", ("npm ci", "npm test"))


@pytest.mark.parametrize("commands", [[], ["ls", 3], "ls"])
def test_run_commands_with_a_bad_list_fails_closed(commands):
    reply = run_hook("cline", encode(run_commands_payload(commands)), never_called)
    assert "non-empty list of strings" in fail_closed_shape("cline", reply)


# ---- the fast path stays light ------------------------------------------------------------------------------------
def test_importing_the_adapters_loads_no_heavy_modules():
    code = ("import sys, agentsh.integrations as h; "
            "h.run_hook('codex', b'{\"tool_name\": \"Bash\", \"tool_input\": {\"command\": \"ls\"}}', "
            "lambda call: ('allow', '')); "
            "print(sorted(m for m in sys.modules if m in ('click', 'rich', 'agentsh.analyze', 'tree_sitter', "
            "'dataclasses') or m.startswith('agentsh.integrations.')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["['agentsh.integrations.base',", "'agentsh.integrations.codex',",
                           "'agentsh.integrations.hooks',", "'agentsh.integrations.hosts']"]

"""End-to-end through the real `agentsh` binary: `agentsh hook AGENT` for every host, `agentsh install` (merge,
idempotency, --print, --uninstall, backups) on real settings files, `agentsh doctor`, `agentsh check`'s CI output
(SARIF, GitHub annotations, JSON, --fail-on) and the pre-commit hook.

Every run gets a temporary HOME and XDG dirs. Dangerous commands appear only in hook payloads and in files that
agentsh analyses; nothing here runs them (the hook and `check` only judge).
"""
import copy
import json
import os
import re
import shlex
import stat
import subprocess
import sys

import pytest
import yaml

from agentsh import installer
from tests.test_hooks import (claude_payload, cline_payload, codex_payload, copilot_cli_payload, cursor_payload,
                              gemini_payload, goose_payload, openhands_payload, vscode_payload)

AGENTSH = os.path.join(os.path.dirname(sys.executable), "agentsh")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = os.path.join(ROOT, "tests", "fixtures", "sources")
SARIF_SCHEMA = os.path.join(ROOT, "tests", "fixtures", "sarif-schema-2.1.0.json")

BENIGN = "npm test"
BLOCKED = "rm -rf /"                                  # catastrophic: blocked outright
CONFIRM = "terraform destroy -auto-approve"           # critical: needs a human

NO_WAIT = "[approval]\nwait = 0\n"                    # no human here: a confirm stops at once
HOST_ASK = NO_WAIT + '[hooks]\nask = "host"\n'

# How the agent's hook invokes agentsh (installer.agentsh_command of the launcher we run) and the bash shim
# `install claude-code` points CLAUDE_CODE_SHELL at (None when this checkout has none).
CMD = shlex.quote(AGENTSH)
SHIM = installer.find_shim(os.path.join(os.path.dirname(AGENTSH), "python"))


class Sandbox:
    """A temporary HOME with XDG dirs and a project directory; runs the agentsh binary in them."""

    def __init__(self, tmp_path, config=NO_WAIT):
        self.root = str(tmp_path)
        self.home = os.path.join(self.root, "home")
        self.project = os.path.join(self.root, "project")
        os.makedirs(self.project)
        self.env = {"HOME": self.home, "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
                    "XDG_STATE_HOME": os.path.join(self.home, ".local", "state"),
                    "XDG_CACHE_HOME": os.path.join(self.home, ".cache"),
                    "XDG_DATA_HOME": os.path.join(self.home, ".local", "share"),
                    "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
        self.configure(config)

    def configure(self, text):
        write(os.path.join(self.env["XDG_CONFIG_HOME"], "agentsh", "config.toml"), text)

    def run(self, *args, stdin=None, cwd=None, argv=None, env=None):
        return subprocess.run(argv or [AGENTSH, *args], input=stdin, capture_output=True, text=True,
                              env=dict(self.env, **(env or {})), cwd=cwd or self.project, timeout=120)

    def audit_records(self):
        path = os.path.join(self.env["XDG_STATE_HOME"], "agentsh", "audit.jsonl")
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]


@pytest.fixture
def sandbox(tmp_path):
    return Sandbox(tmp_path)


def write(path, text, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    if mode is not None:
        os.chmod(path, mode)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def read_json(path):
    return json.loads(read(path))


def stdout_document(stdout):
    """None for empty stdout; else the single JSON document it holds, followed by one newline and nothing else."""
    if stdout == "":
        return None
    obj, end = json.JSONDecoder().raw_decode(stdout)
    assert stdout[end:] == "\n", "stdout must be one JSON document and a newline, got %r" % stdout
    return obj


def stop_reason(sandbox, command):
    """The stop message agentsh's gate prints for `command` in the sandbox: what every host's deny carries."""
    from agentsh.analyze import analyze, make_context
    from agentsh.render import stop_message
    # a hook reply has no exit status, so the shell's "(exit status 126)" is left out
    return stop_message(analyze(command, make_context(sandbox.env, sandbox.project))).strip().replace(
        " (exit status 126)", "")


# ---- 1. `agentsh hook AGENT` for every host -------------------------------------------------------------------------
# case: (agent argument, payload builder, the session id the payload carries, the variant agentsh reads)
HOSTS = {
    "claude-code": ("claude-code", claude_payload, "sess-claude", "claude-code"),
    "cursor": ("cursor", cursor_payload, "conv-1", "beforeShellExecution"),
    "codex": ("codex", codex_payload, "sess-codex", "codex"),
    "gemini": ("gemini", gemini_payload, "sess-gemini", "gemini"),
    "copilot-cli": ("copilot", copilot_cli_payload, None, "copilot-cli"),
    "copilot-vscode": ("copilot", vscode_payload, "sess-vscode", "vscode"),
    "goose": ("goose", goose_payload, "sess-goose", "goose"),
    "openhands": ("openhands", openhands_payload, "sess-oh", "openhands"),
    "cline": ("cline", cline_payload, "task-7", "cline"),
}
ASKING_HOSTS = ("claude-code", "gemini", "copilot-vscode")

# What a plainly allowed command gets: the host's "no opinion" (its own permission rules stay in charge).
# what an allowed command gets: "no opinion" where an allow would skip the host's own prompts (Claude Code,
# Copilot/VS Code, Cursor), elsewhere the host's plain allow (explicit for Goose and OpenHands)
NO_OPINION = {"claude-code": None, "cursor": {}, "codex": None, "gemini": {}, "copilot-cli": None,
              "copilot-vscode": None, "goose": {"decision": "allow"}, "openhands": {"decision": "allow"},
              "cline": {"cancel": False}}


def claude_dialect(decision, reason, system_message=True):
    out = {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": decision,
                                  "permissionDecisionReason": reason}}
    if system_message:
        out["systemMessage"] = reason
    return out


def denied(case, reason):
    """(stdout document, stderr, exit status) of the host's deny carrying `reason`."""
    return {
        "claude-code": (claude_dialect("deny", reason), "", 0),
        "cursor": ({"permission": "deny", "user_message": reason, "agent_message": reason, "userMessage": reason,
                    "agentMessage": reason}, "", 0),
        "codex": (claude_dialect("deny", reason, system_message=False), "", 0),
        "gemini": ({"decision": "deny", "reason": reason, "systemMessage": reason}, "", 0),
        "copilot-cli": ({"permissionDecision": "deny", "permissionDecisionReason": reason}, reason + "\n", 0),
        "copilot-vscode": (claude_dialect("deny", reason), "", 0),
        "goose": ({"decision": "block", "reason": reason}, "", 0),
        "openhands": ({"decision": "deny", "reason": reason}, "", 0),
        "cline": ({"cancel": True, "errorMessage": reason}, "", 0),
    }[case]


def asked(case, reason):
    return {
        "claude-code": (claude_dialect("ask", reason), "", 0),
        "gemini": ({"decision": "ask", "reason": reason, "systemMessage": reason}, "", 0),
        "copilot-vscode": (claude_dialect("ask", reason), "", 0),
    }[case]


def run_hook(sandbox, case, command):
    agent, build, _session, _variant = HOSTS[case]
    p = sandbox.run("hook", agent, stdin=json.dumps(build(command)))
    return stdout_document(p.stdout), p.stderr, p.returncode


def assert_one_hook_record(sandbox, case, command, event):
    agent, _build, session, variant = HOSTS[case]
    records = sandbox.audit_records()
    assert len(records) == 1, records
    record = records[0]
    # without a session id in the payload, the hook's own process session (shared with this test's) is used
    want_session = session if session is not None else "sid-%d" % os.getsid(0)
    assert {k: record.get(k) for k in ("event", "mode", "agent", "hook", "variant", "session", "command")} == {
        "event": event, "mode": "hook", "agent": agent, "hook": agent, "variant": variant, "session": want_session,
        "command": command}
    assert sandbox.run("audit", "verify").returncode == 0


@pytest.mark.parametrize("case", sorted(HOSTS))
def test_hook_benign_command_gets_the_hosts_allow_or_no_opinion(sandbox, case):
    assert run_hook(sandbox, case, BENIGN) == (NO_OPINION[case], "", 0)
    assert_one_hook_record(sandbox, case, BENIGN, "allow")


@pytest.mark.parametrize("case", sorted(HOSTS))
def test_hook_blocked_command_gets_the_hosts_deny(sandbox, case):
    reason = stop_reason(sandbox, BLOCKED)
    lines = reason.splitlines()
    assert lines[0] == "agentsh: blocked: rm -rf /"
    assert any(line.startswith("  [catastrophic] fs.rm-root: ") for line in lines)
    assert run_hook(sandbox, case, BLOCKED) == denied(case, reason)
    assert_one_hook_record(sandbox, case, BLOCKED, "block")


@pytest.mark.parametrize("case", sorted(HOSTS))
def test_hook_confirm_without_an_approval_wait_is_denied(sandbox, case):
    reason = stop_reason(sandbox, CONFIRM)
    lines = reason.splitlines()
    assert lines[0] == "agentsh: needs human confirmation: terraform destroy -auto-approve"
    assert any(line.startswith("  [critical] terraform.destroy-auto-approve: ") for line in lines)
    assert "agent cannot" in lines[-1]
    assert run_hook(sandbox, case, CONFIRM) == denied(case, reason)
    assert_one_hook_record(sandbox, case, CONFIRM, "confirm")


@pytest.mark.parametrize("case", ASKING_HOSTS)
def test_hook_confirm_with_host_ask_gets_the_hosts_ask(sandbox, case):
    sandbox.configure(HOST_ASK)
    reason = stop_reason(sandbox, CONFIRM)
    assert run_hook(sandbox, case, CONFIRM) == asked(case, reason)
    assert_one_hook_record(sandbox, case, CONFIRM, "confirm")


@pytest.mark.parametrize("case", sorted(set(HOSTS) - set(ASKING_HOSTS)))
def test_hook_confirm_with_host_ask_is_still_denied_where_the_host_cannot_ask(sandbox, case):
    sandbox.configure(HOST_ASK)
    assert run_hook(sandbox, case, CONFIRM) == denied(case, stop_reason(sandbox, CONFIRM))


@pytest.mark.parametrize("case", ASKING_HOSTS)
def test_hook_blocked_command_with_host_ask_is_denied_not_asked(sandbox, case):
    sandbox.configure(HOST_ASK)
    assert run_hook(sandbox, case, BLOCKED) == denied(case, stop_reason(sandbox, BLOCKED))


def fail_closed(case, message):
    """The host's blocking reply for unreadable input: (stdout document, stderr, exit status)."""
    cursor = {"permission": "deny", "user_message": message, "agent_message": message, "userMessage": message,
              "agentMessage": message, "decision": "deny", "reason": message}
    copilot = {"permissionDecision": "deny", "permissionDecisionReason": message,
               "hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "deny",
                                      "permissionDecisionReason": message}}
    doc, code = {"claude-code": (None, 2), "cursor": (cursor, 2), "codex": (None, 2), "gemini": (None, 2),
                 "copilot-cli": (copilot, 0), "copilot-vscode": (copilot, 0),
                 "goose": ({"decision": "block", "reason": message}, 2),
                 "openhands": ({"decision": "deny", "reason": message}, 2),
                 "cline": ({"cancel": True, "errorMessage": message}, 0)}[case]
    return doc, message + "\n", code


def without_command(case):
    """The host's payload for a shell call whose command is missing."""
    agent, build, _session, _variant = HOSTS[case]
    payload = build(BENIGN)
    if case == "cursor":
        del payload["command"]
    elif case == "copilot-cli":
        payload["toolArgs"] = json.dumps({"description": "Run tests"})
    elif case == "cline":
        del payload["preToolUse"]["parameters"]["command"]
    else:
        del payload["tool_input"]["command"]
    return payload


@pytest.mark.parametrize("case", sorted(HOSTS))
def test_hook_input_that_is_not_json_fails_closed(sandbox, case):
    agent = HOSTS[case][0]
    p = sandbox.run("hook", agent, stdin="tool_name=Bash command=ls")
    message = ("agentsh could not read the %s hook input: the hook payload is not valid JSON (Expecting value: line 1 "
               "column 1 (char 0)). The tool call is blocked to be safe." % agent)
    assert (stdout_document(p.stdout), p.stderr, p.returncode) == fail_closed(case, message)


@pytest.mark.parametrize("case", sorted(HOSTS))
def test_hook_payload_without_a_command_fails_closed(sandbox, case):
    agent = HOSTS[case][0]
    p = sandbox.run("hook", agent, stdin=json.dumps(without_command(case)))
    message = p.stderr.rstrip("\n")
    assert message.startswith("agentsh could not read the %s hook input: " % agent)
    assert message.endswith("The tool call is blocked to be safe.")
    assert "'command'" in message
    assert (stdout_document(p.stdout), p.stderr, p.returncode) == fail_closed(case, message)


def test_hook_for_an_unknown_agent_or_without_one_blocks(sandbox):
    p = sandbox.run("hook", "aider", stdin=json.dumps(claude_payload(BENIGN)))
    assert (p.stdout, p.returncode) == ("", 2)
    assert p.stderr == ("agentsh hook: unknown agent 'aider'; known agents: claude-code, cursor, codex, gemini, "
                        "copilot, goose, openhands, cline (and claude, for claude-code). The tool call is blocked.\n")
    p = sandbox.run("hook", stdin="")
    assert (p.stdout, p.returncode) == ("", 2)
    assert p.stderr.startswith("usage: agentsh hook AGENT")


def test_hook_judges_the_command_in_the_payloads_directory(sandbox):
    payload = claude_payload(BENIGN)
    payload["cwd"] = sandbox.root
    p = sandbox.run("hook", "claude", stdin=json.dumps(payload))
    assert (p.stdout, p.stderr, p.returncode) == ("", "", 0)
    [record] = sandbox.audit_records()
    assert (record["cwd"], record["agent"], record["session"]) == (sandbox.root, "claude-code", "sess-claude")


# ---- 2. `agentsh install AGENT` on real settings files -------------------------------------------------------------
class Case:
    """One agent's install: the files there before (relative to HOME, or to the project with --project), the file
    agentsh merges into and what it must hold afterwards, and where the written hook command is."""

    def __init__(self, agent, target, before, after, hook, payload, project=False, others=None):
        self.agent, self.target, self.before, self.after = agent, target, before, after
        self.hook, self.payload, self.project, self.others = hook, payload, project, others or {}

    def args(self):
        return ["install", self.agent] + (["--project"] if self.project else [])


def grouped_hook(event):
    return lambda doc: doc["hooks"][event][-1]["hooks"][0]["command"]


def appended(original, event, entry, **top):
    doc = copy.deepcopy(original)
    doc.setdefault("hooks", {}).setdefault(event, []).append(entry)
    for key, value in top.items():
        doc.setdefault(key, {}).update(value)
    return doc


def claude_after(original, project=False):
    # a project's settings are shared: they name `agentsh` on the PATH and set no machine-specific shell path
    return appended(original, "PreToolUse", {"matcher": "Bash", "hooks": [
        {"type": "command", "command": ("agentsh" if project else CMD) + " hook claude-code", "timeout": 600}]},
        **({"env": {"CLAUDE_CODE_SHELL": SHIM}} if SHIM and not project else {}))


CLAUDE_USER = {"model": "opus", "permissions": {"allow": ["Bash(npm test)"]}, "env": {"FOO": "1"},
               "hooks": {"PreToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "lint-edit"}]}],
                         "PostToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "log-bash"}]}]}}
CLAUDE_PROJECT = {"permissions": {"deny": ["Read(.env)"]},
                  "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
                      {"type": "command", "command": "./scripts/check-bash.sh"}]}]}}
CURSOR = {"version": 1, "hooks": {"beforeShellExecution": [{"command": "./audit-shell.sh"}],
                                  "afterFileEdit": [{"command": "./format.sh"}]}}
CODEX = {"hooks": {"PreToolUse": [{"matcher": "apply_patch", "hooks": [
    {"type": "command", "command": "check-patch", "timeout": 30}]}]}}
GEMINI = {"theme": "GitHub", "general": {"vimMode": True},
          "hooks": {"BeforeTool": [{"matcher": "write_file", "hooks": [
              {"name": "fmt", "type": "command", "command": "fmt-check"}]}]}}
COPILOT = {"version": 1, "hooks": {"sessionStart": [{"type": "command", "bash": "./scripts/start.sh"}],
                                   "preToolUse": [{"type": "command", "bash": "./scripts/audit.sh", "timeoutSec": 10}]}}
OPENHANDS = {"hooks": {"PreToolUse": [{"matcher": "file_editor", "hooks": [
                           {"type": "command", "command": "check-edit"}]}],
                       "Stop": [{"matcher": "*", "hooks": [{"type": "command", "command": "notify"}]}]}}
GOOSE_AFTER = {"hooks": {"PreToolUse": [{"matcher": "^developer__shell$", "hooks": [
    {"type": "command", "command": CMD + " hook goose", "timeout": 30, "on_failure": "block"}]}]}}
CLINE_SCRIPT = "#!/bin/sh\nexec %s hook cline\n" % CMD


def cline_hook(text):
    # the script's own exec line is the command Cline runs
    [line] = [line for line in text.splitlines() if line.startswith("exec ")]
    return line[len("exec "):]


INSTALLS = {
    "claude-code": Case("claude-code", ".claude/settings.json", CLAUDE_USER, claude_after(CLAUDE_USER),
                        grouped_hook("PreToolUse"), "claude-code",
                        others={".claude/CLAUDE.md": "# notes\n", ".claude/settings.local.json": '{"model": "x"}\n'}),
    "claude-code --project": Case("claude-code", ".claude/settings.json", CLAUDE_PROJECT, claude_after(CLAUDE_PROJECT, project=True),
                                  grouped_hook("PreToolUse"), "claude-code", project=True),
    "cursor": Case("cursor", ".cursor/hooks.json", CURSOR, appended(CURSOR, "beforeShellExecution", {
        "command": CMD + " hook cursor", "failClosed": True}), lambda doc: doc["hooks"]["beforeShellExecution"][-1][
        "command"], "cursor", others={".cursor/mcp.json": '{"mcpServers": {}}\n'}),
    "codex": Case("codex", ".codex/hooks.json", CODEX, appended(CODEX, "PreToolUse", {"matcher": "Bash", "hooks": [
        {"type": "command", "command": CMD + " hook codex", "timeout": 600}]}), grouped_hook("PreToolUse"), "codex",
        others={".codex/config.toml": 'model = "gpt-5-codex"\n',
                ".codex/rules/default.rules": 'prefix_rule(pattern=["git", "status"], decision="allow")\n'}),
    "gemini": Case("gemini", ".gemini/settings.json", GEMINI, appended(GEMINI, "BeforeTool", {
        "matcher": "run_shell_command", "hooks": [{"name": "agentsh", "type": "command",
                                                   "command": CMD + " hook gemini", "timeout": 60000}]}),
        grouped_hook("BeforeTool"), "gemini"),
    "copilot --project": Case("copilot", ".github/hooks/agentsh.json", COPILOT, appended(COPILOT, "preToolUse", {
        "type": "command", "bash": "agentsh hook copilot", "timeoutSec": 30}),
        lambda doc: doc["hooks"]["preToolUse"][-1]["bash"], "copilot-cli", project=True,
        others={".github/hooks/policy.json": '{"version": 1, "hooks": {"sessionEnd": []}}\n'}),
    # goose and cline: agentsh's own plugin / script (created, then deleted); others' plugins and hooks stay
    "goose": Case("goose", ".agents/plugins/agentsh/hooks/hooks.json", None, GOOSE_AFTER, grouped_hook("PreToolUse"),
                  "goose", others={".agents/plugins/lint/plugin.json": '{"name": "lint", "version": "1.0.0"}\n',
                                   ".agents/plugins/lint/hooks/hooks.json": '{"hooks": {}}\n'}),
    "openhands": Case("openhands", ".openhands/hooks.json", OPENHANDS, appended(OPENHANDS, "PreToolUse", {
        "matcher": "terminal|execute_bash", "hooks": [{"type": "command", "command": CMD + " hook openhands",
                                                       "timeout": 60}]}), grouped_hook("PreToolUse"), "openhands"),
    "cline": Case("cline", "Documents/Cline/Hooks/PreToolUse", None, CLINE_SCRIPT, cline_hook, "cline",
                  others={"Documents/Cline/Hooks/PostToolUse": "#!/bin/sh\necho '{\"cancel\": false}'\n"}),
}


def snapshot(sandbox):
    """{path relative to the sandbox: bytes} of every file in it, except agentsh's own cache and state (rule cache,
    audit log), which running agentsh writes as a matter of course."""
    skip = (sandbox.env["XDG_CACHE_HOME"], sandbox.env["XDG_STATE_HOME"])
    out = {}
    for directory, dirs, files in os.walk(sandbox.root):
        dirs[:] = [d for d in dirs if os.path.join(directory, d) not in skip]
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, sandbox.root)] = f.read()
    return out


def content(path):
    return read_json(path) if path.endswith(".json") else read(path)


@pytest.mark.parametrize("name", sorted(INSTALLS))
def test_install_merges_is_idempotent_prints_and_uninstalls(sandbox, name):
    case = INSTALLS[name]
    base = sandbox.project if case.project else sandbox.home
    target = os.path.join(base, case.target)
    before_text = None if case.before is None else json.dumps(case.before, indent=2) + "\n"
    if before_text is not None:
        write(target, before_text)
    for rel, text in case.others.items():
        write(os.path.join(base, rel), text)
    start = snapshot(sandbox)

    # --print: a diff, and nothing written
    p = sandbox.run(*case.args(), "--print")
    assert (p.returncode, p.stderr) == (0, "")
    assert p.stdout.startswith("# ")      # each file's diff is headed `# PATH: what changes`
    assert any(line.startswith("# %s: " % target) for line in p.stdout.splitlines())
    assert ("--- %s\n" % (target if before_text is not None else "/dev/null")) in p.stdout
    assert ("+++ %s\n" % target) in p.stdout
    cmd = "agentsh" if case.project else CMD
    assert any(line.startswith("+") and cmd + " hook " + case.agent in line for line in p.stdout.splitlines())
    assert snapshot(sandbox) == start

    # install: merged, not replaced; the original kept as a backup
    p = sandbox.run(*case.args())
    assert (p.returncode, p.stderr) == (0, "")
    assert "wrote %s" % target in p.stdout.splitlines()
    assert content(target) == case.after
    backup = target + installer.BACKUP_SUFFIX
    if before_text is None:
        assert not os.path.exists(backup)
    else:
        assert read(backup) == before_text
    for rel, text in case.others.items():
        assert read(os.path.join(base, rel)) == text
    installed = snapshot(sandbox)

    # a second install changes nothing
    p = sandbox.run(*case.args())
    assert (p.returncode, p.stdout, p.stderr) == (0, "agentsh is already installed for %s\n" % case.agent, "")
    assert snapshot(sandbox) == installed

    # the hook command written into the configuration works: it denies a destructive command
    command = case.hook(content(target))
    argv = [target] if case.agent == "cline" else shlex.split(command)
    assert argv[0] == ("agentsh" if case.project else AGENTSH) or case.agent == "cline"
    if case.project:
        argv[0] = AGENTSH       # the `agentsh` a project's settings find on the PATH
    payload = HOSTS[case.payload][1]
    p = sandbox.run(argv=argv, stdin=json.dumps(payload(BLOCKED)))
    assert (stdout_document(p.stdout), p.stderr, p.returncode) == denied(case.payload,
                                                                        stop_reason(sandbox, BLOCKED))

    # uninstall gives back the original settings, and deletes what only agentsh put there
    p = sandbox.run(*case.args(), "--uninstall")
    assert (p.returncode, p.stderr) == (0, "")
    assert "removed from %s" % target in p.stdout.splitlines()
    if case.before is None:
        assert not os.path.exists(target)
    else:
        assert read_json(target) == case.before
        assert read(backup) == before_text
    after = {rel: data for rel, data in snapshot(sandbox).items() if not rel.endswith(installer.BACKUP_SUFFIX)}
    assert sorted(after) == sorted(start)
    for rel in start:
        if rel != os.path.relpath(target, sandbox.root):
            assert after[rel] == start[rel], rel
    p = sandbox.run(*case.args(), "--uninstall")
    assert (p.returncode, p.stdout, p.stderr) == (0, "agentsh is already absent for %s\n" % case.agent, "")


def test_install_codex_writes_its_execpolicy_rules_and_uninstall_removes_them(sandbox):
    rules = os.path.join(sandbox.home, ".codex", "rules", "agentsh.rules")
    p = sandbox.run("install", "codex")
    assert p.returncode == 0
    assert "wrote %s" % rules in p.stdout.splitlines()
    text = read(rules)
    assert text.startswith(installer.CODEX_RULES_HEADER)
    body = text[len(installer.CODEX_RULES_HEADER):].splitlines()
    assert body and all(line.startswith("prefix_rule(pattern=[") for line in body)
    assert any('decision="forbidden"' in line for line in body)
    assert any(line.startswith('prefix_rule(pattern=["docker", "volume", ') and 'decision="prompt"' in line
               for line in body)
    p = sandbox.run("install", "codex", "--uninstall")
    assert p.returncode == 0
    assert "removed from %s" % rules in p.stdout.splitlines()
    assert not os.path.exists(rules)


def test_install_goose_creates_a_plugin_and_uninstall_removes_the_directory(sandbox):
    plugin = os.path.join(sandbox.home, ".agents", "plugins", "agentsh")
    assert sandbox.run("install", "goose").returncode == 0
    assert read_json(os.path.join(plugin, "plugin.json"))["name"] == "agentsh"
    assert sandbox.run("install", "goose", "--uninstall").returncode == 0
    assert not os.path.exists(plugin)


def test_install_cline_script_is_executable_and_someone_elses_is_refused(sandbox):
    script = os.path.join(sandbox.home, "Documents", "Cline", "Hooks", "PreToolUse")
    assert sandbox.run("install", "cline").returncode == 0
    assert stat.S_IMODE(os.stat(script).st_mode) == 0o755
    assert sandbox.run("install", "cline", "--uninstall").returncode == 0
    theirs = "#!/bin/sh\necho '{\"cancel\": false}'\n"
    write(script, theirs, mode=0o755)
    p = sandbox.run("install", "cline")
    assert p.returncode == 2
    assert p.stderr == ("Error: %s exists and is not agentsh's Cline PreToolUse hook script; agentsh leaves it "
                        "untouched: merge by hand, or move it away and run the install again\n" % script)
    assert read(script) == theirs


def test_install_copilot_needs_project_and_a_broken_settings_file_is_left_alone(sandbox):
    p = sandbox.run("install", "copilot")
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr.startswith("Error: copilot reads its hooks per repository (.github/hooks/*.json)")
    settings = os.path.join(sandbox.home, ".gemini", "settings.json")
    write(settings, '{"theme": "GitHub",\n')
    p = sandbox.run("install", "gemini")
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr.startswith("Error: %s is not valid JSON (line 2 column 1" % settings)
    assert read(settings) == '{"theme": "GitHub",\n'
    assert not os.path.exists(settings + installer.BACKUP_SUFFIX)


# ---- 3. `agentsh doctor` ---------------------------------------------------------------------------------------------
DOCTOR_ROW = re.compile(r"^\s*(?P<name>\S.*?)\s{2,}(?P<result>pass|FAIL)\b\s*(?P<detail>.*)$")


def doctor_rows(stdout):
    rows = {}
    for line in stdout.splitlines():
        m = DOCTOR_ROW.match(line)
        if m:
            rows[m.group("name")] = (m.group("result"), m.group("detail").strip())
    return rows


def test_doctor_after_installing_claude_code_passes_every_form(sandbox, tmp_path):
    from agentsh.doctor import invocation_forms
    assert sandbox.run("install", "claude-code").returncode == 0
    p = sandbox.run("doctor", env={"COLUMNS": "400"})     # one table row per line
    rows = doctor_rows(p.stdout)
    forms = [name for name, _argv, _stdin in invocation_forms(str(tmp_path / "forms"))]
    expected = ["real bash", "rules", "audit log", "approval queue", "psutil (approver ancestry checks)"] + forms + [
        "hook claude-code: benign allowed", "hook claude-code: destructive denied"]
    assert list(rows) == expected, p.stdout
    failed = {name: detail for name, (result, detail) in rows.items() if result != "pass"}
    assert failed == {}
    assert (p.returncode, p.stderr) == (0, "")
    # doctor ran the hook through agentsh's gate: the destructive sample was recorded as blocked
    records = [r for r in sandbox.audit_records() if r.get("mode") == "hook"]
    assert [(r["agent"], r["event"]) for r in records] == [("claude-code", "allow"), ("claude-code", "block")]


# ---- 4. `agentsh check` on CI files ----------------------------------------------------------------------------------
DEPLOY = ".github/workflows/deploy.yml"
# (level, line, rule) of everything stopped in the deploy workflow fixture
DEPLOY_FINDINGS = {
    ("warning", 17, "terraform.destroy-auto-approve"),
    ("error", 21, "code.delete-tree-root"),
    ("warning", 21, "code.delete-tree"),
    ("warning", 29, "shell.unvetted"),
    ("warning", 31, "shell.unvetted"),
}


def check(sandbox, *args, cwd=SOURCES):
    return sandbox.run("check", *args, cwd=cwd)


def test_check_sarif_is_valid_and_places_each_result(sandbox):
    import jsonschema
    p = check(sandbox, "--format", "sarif", DEPLOY, "Dockerfile", "migrate.sql")
    assert (p.returncode, p.stderr) == (1, "")
    log = json.loads(p.stdout)
    with open(SARIF_SCHEMA) as f:
        schema = json.load(f)
    assert sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str) == []
    results = log["runs"][0]["results"]
    located = set()
    for r in results:
        [location] = r["locations"]
        physical = location["physicalLocation"]
        located.add((physical["artifactLocation"]["uri"], r["level"], physical["region"]["startLine"], r["ruleId"]))
    assert {(level, line, rule) for uri, level, line, rule in located if uri == DEPLOY} == DEPLOY_FINDINGS
    assert {uri for uri, *_ in located} == {DEPLOY, "Dockerfile", "migrate.sql"}
    assert ("migrate.sql", "warning", 4, "sql.drop-table") in located
    assert ("Dockerfile", "error", 12, "fs.rm-root") in located
    rule_ids = [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]
    assert sorted(rule_ids) == sorted({r["ruleId"] for r in results})


GITHUB_LINE = re.compile(r"^::(?P<level>error|warning) file=(?P<file>[^,]+),line=(?P<line>\d+),"
                         r"title=agentsh (?P<rule>[^:]+)::(?P<message>.+)$")


def test_check_github_annotations_name_file_and_line(sandbox):
    p = check(sandbox, "--format", "github", DEPLOY)
    assert (p.returncode, p.stderr) == (1, "")
    lines = p.stdout.splitlines()
    assert lines and p.stdout.endswith("\n")
    found = set()
    for line in lines:
        m = GITHUB_LINE.match(line)
        assert m, line
        assert m.group("file") == DEPLOY
        found.add((m.group("level"), int(m.group("line")), m.group("rule")))
    assert found == DEPLOY_FINDINGS
    assert lines[0].startswith("::warning file=.github/workflows/deploy.yml,line=17,title=agentsh "
                               "terraform.destroy-auto-approve::Destroys every resource")
    assert "%0Ain: jobs.plan.steps[2] (Tear down)%0A" in lines[0]


def test_check_json_gives_every_command_its_file_and_line(sandbox):
    p = check(sandbox, "--format", "json", DEPLOY)
    assert (p.returncode, p.stderr) == (1, "")
    objs = [json.loads(line) for line in p.stdout.splitlines()]
    assert all(o["file"] == DEPLOY and o["kind"] == "github-actions" for o in objs)
    assert [(o["name"], o["line"], o["decision"]) for o in objs] == [
        ("jobs.plan.steps[1] (Lint)", 12, "allow"),
        ("jobs.plan.steps[2] (Tear down)", 16, "confirm"),
        ("jobs.plan.steps[3] (Report)", 21, "block"),
        ("jobs.plan.steps[4] (Expression)", 25, "allow"),
        ("jobs.windows.steps[0]", 29, "confirm"),
        ("jobs.windows.steps[1]", 31, "confirm"),
        ("jobs.folded.steps[0]", 39, "allow"),
        ("jobs.folded.steps[1]", 41, "allow"),
    ]


WORKFLOW = "name: ci\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n"


@pytest.mark.parametrize("step, fail_on, status", [
    (CONFIRM, "block", 0), (CONFIRM, "confirm", 1), (BLOCKED, "block", 1), (BLOCKED, "confirm", 1),
    ("npm test", "block", 0), ("npm test", "confirm", 0),
])
def test_check_fail_on_threshold(sandbox, step, fail_on, status):
    path = os.path.join(sandbox.project, ".github", "workflows", "ci.yml")
    write(path, WORKFLOW + "      - run: %s\n" % step)
    p = check(sandbox, "--fail-on", fail_on, "--format", "github", ".github/workflows/ci.yml", cwd=sandbox.project)
    assert (p.returncode, p.stderr) == (status, "")
    level = {CONFIRM: "warning", BLOCKED: "error"}.get(step)
    # a confirm still annotates under --fail-on block: the threshold changes the exit status only
    assert [m.group("level", "file", "line") for m in map(GITHUB_LINE.match, p.stdout.splitlines())] == (
        [(level, ".github/workflows/ci.yml", "8")] if level else [])


@pytest.mark.parametrize("fmt", ["text", "sarif", "github", "json"])
def test_check_malformed_yaml_is_an_input_error_naming_file_and_line(sandbox, fmt):
    path = os.path.join(sandbox.project, ".github", "workflows", "bad.yml")
    write(path, WORKFLOW + "      - run: [unclosed\n")
    p = check(sandbox, "--format", fmt, ".github/workflows/bad.yml", cwd=sandbox.project)
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr == ("Error: .github/workflows/bad.yml line 9: invalid YAML: expected ',' or ']', but got "
                        "'<stream end>'\n")


# ---- 5. the pre-commit hook ----------------------------------------------------------------------------------------
def pre_commit_hook():
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as f:
        [hook] = yaml.safe_load(f)
    return hook


def test_pre_commit_hook_definition():
    hook = pre_commit_hook()
    assert (hook["id"], hook["language"], hook["entry"]) == ("agentsh-check", "python", "agentsh check --fail-on block")
    files = re.compile(hook["files"])
    for path in (DEPLOY, "action.yml", ".gitlab-ci.yml", "Dockerfile", "build/Containerfile.dev", "Makefile",
                 "rules.mk", "package.json", "justfile", "reset.sh", "db/migrate.sql"):
        assert files.search(path), path
    for path in ("README.md", "agentsh/cli.py", "config.yml", "docs/Makefile.md", "package-lock.json"):
        assert not files.search(path), path


@pytest.mark.parametrize("files, status", [
    (["migrate.sql", "package.json", "action.yml"], 0),        # confirm-level findings only
    ([DEPLOY], 1),                                               # a blocked python step
    (["reset.sh", "Dockerfile"], 1),
])
def test_pre_commit_entry_runs_on_fixtures(sandbox, files, status):
    argv = shlex.split(pre_commit_hook()["entry"])
    assert argv[0] == "agentsh"
    p = sandbox.run(argv=[AGENTSH] + argv[1:] + files, cwd=SOURCES)
    assert (p.returncode, p.stderr) == (status, "")
    for name in files:
        assert name in p.stdout

"""agentsh.installer: the per-agent hook files, merging into existing settings, idempotency, uninstall, backups."""
import json
import os
import stat

import pytest

from agentsh import __version__
from agentsh import installer as I

CMD = "/opt/agentsh/bin/agentsh"
SHIM = "/opt/agentsh/share/agentsh/bin/bash"


@pytest.fixture(autouse=True)
def temp_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_DATA_HOME", "data")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    return home


@pytest.fixture
def home(temp_home):
    return str(temp_home)


@pytest.fixture
def project(tmp_path):
    p = tmp_path / "project"
    p.mkdir()
    return str(p)


def install(agent, home, **kw):
    kw.setdefault("agentsh_cmd", CMD)
    changes = I.plan(agent, home, **kw)
    I.apply(changes)
    return changes


def uninstall(agent, home, **kw):
    changes = I.plan(agent, home, uninstall=True, **kw)
    I.apply(changes)
    return changes


def read_json(path):
    with open(path) as f:
        return json.load(f)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


def grouped(event, matcher, handler):
    return {"hooks": {event: [{"matcher": matcher, "hooks": [handler]}]}}


# ---- what each agent gets, exactly ------------------------------------------------------------------------------
EXPECTED = {
    "claude-code": (".claude/settings.json", grouped(
        "PreToolUse", "Bash", {"type": "command", "command": CMD + " hook claude-code", "timeout": 600})),
    "cursor": (".cursor/hooks.json", {"version": 1, "hooks": {"beforeShellExecution": [
        {"command": CMD + " hook cursor", "failClosed": True}]}}),
    "codex": (".codex/hooks.json", grouped(
        "PreToolUse", "Bash", {"type": "command", "command": CMD + " hook codex", "timeout": 600})),
    "gemini": (".gemini/settings.json", grouped("BeforeTool", "run_shell_command", {
        "name": "agentsh", "type": "command", "command": CMD + " hook gemini", "timeout": 60000})),
    "goose": (".agents/plugins/agentsh/hooks/hooks.json", grouped("PreToolUse", "^developer__shell$", {
        "type": "command", "command": CMD + " hook goose", "timeout": 30, "on_failure": "block"})),
    "openhands": (".openhands/hooks.json", grouped(
        "PreToolUse", "terminal|execute_bash", {"type": "command", "command": CMD + " hook openhands", "timeout": 60})),
}


@pytest.mark.parametrize("agent", sorted(EXPECTED))
def test_user_scope_file_structure(agent, home):
    rel, expected = EXPECTED[agent]
    install(agent, home)
    assert read_json(os.path.join(home, rel)) == expected


@pytest.mark.parametrize("agent", sorted(EXPECTED))
def test_project_scope_goes_to_the_project(agent, home, project):
    rel, expected = EXPECTED[agent]
    install(agent, home, project=True, project_dir=project)
    assert read_json(os.path.join(project, rel)) == expected
    assert not os.path.exists(os.path.join(home, rel))


def test_files_are_pretty_printed_with_a_final_newline(home):
    install("cursor", home)
    assert read(os.path.join(home, ".cursor/hooks.json")) == (
        '{\n  "version": 1,\n  "hooks": {\n    "beforeShellExecution": [\n      {\n'
        '        "command": "/opt/agentsh/bin/agentsh hook cursor",\n        "failClosed": true\n'
        '      }\n    ]\n  }\n}\n')


def test_goose_plugin_manifest(home):
    changes = install("goose", home)
    assert [os.path.relpath(c.path, home) for c in changes] == [
        ".agents/plugins/agentsh/plugin.json", ".agents/plugins/agentsh/hooks/hooks.json"]
    assert read_json(os.path.join(home, ".agents/plugins/agentsh/plugin.json")) == {
        "name": "agentsh", "version": __version__, "description": "agentsh vets the shell commands goose runs"}


def test_copilot_is_per_repository(home, project):
    with pytest.raises(I.InstallError, match="per repository"):
        I.plan("copilot", home, agentsh_cmd=CMD)
    install("copilot", home, project=True, project_dir=project)
    assert read_json(os.path.join(project, ".github/hooks/agentsh.json")) == {"version": 1, "hooks": {"preToolUse": [
        {"type": "command", "bash": CMD + " hook copilot", "timeoutSec": 30}]}}


def test_cline_script_is_executable(home, project):
    install("cline", home)
    path = os.path.join(home, "Documents/Cline/Hooks/PreToolUse")
    assert read(path) == "#!/bin/sh\nexec /opt/agentsh/bin/agentsh hook cline\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755
    install("cline", home, project=True, project_dir=project)
    ppath = os.path.join(project, ".clinerules/hooks/PreToolUse")
    assert stat.S_IMODE(os.stat(ppath).st_mode) == 0o755


def test_cline_script_that_lost_its_execute_bit_is_fixed(home):
    install("cline", home)
    path = os.path.join(home, "Documents/Cline/Hooks/PreToolUse")
    os.chmod(path, 0o644)
    [change] = I.plan("cline", home, agentsh_cmd=CMD)
    assert change.changed and change.before == change.after
    assert "# mode 0644 -> 0755" in I.render_diff([change])
    I.apply([change])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755


def test_someone_elses_cline_hook_is_never_replaced(home):
    path = os.path.join(home, "Documents/Cline/Hooks/PreToolUse")
    write(path, "#!/bin/sh\nexec my-own-guard\n")
    with pytest.raises(I.InstallError, match="not agentsh's Cline PreToolUse hook script"):
        I.plan("cline", home, agentsh_cmd=CMD)
    [change] = I.plan("cline", home, uninstall=True)
    assert not change.changed and "left alone" in change.note
    assert read(path) == "#!/bin/sh\nexec my-own-guard\n"


def test_claude_alias_and_unknown_agents(home):
    assert I.plan("claude", home) == I.plan("claude-code", home)
    with pytest.raises(ValueError) as e:
        I.plan("vim", home)
    assert isinstance(e.value, I.InstallError)
    for agent in I.AGENTS:
        assert agent in str(e.value)


# ---- merging into existing settings -----------------------------------------------------------------------------
CLAUDE_SETTINGS = {
    "model": "opus",
    "permissions": {"allow": ["Bash(npm test)"]},
    "env": {"FOO": "1"},
    "hooks": {
        "PreToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "lint-edit"}]}],
        "Stop": [{"hooks": [{"type": "command", "command": "notify"}]}],
    },
    "statusLine": {"type": "command", "command": "status"},
}


def test_existing_claude_settings_are_merged_not_replaced(home):
    path = os.path.join(home, ".claude/settings.json")
    write(path, json.dumps(CLAUDE_SETTINGS, indent=2) + "\n")
    install("claude-code", home, shell_path=SHIM)
    got = read_json(path)
    assert list(got) == ["model", "permissions", "env", "hooks", "statusLine"]
    assert got["env"] == {"FOO": "1", "CLAUDE_CODE_SHELL": SHIM}
    assert list(got["hooks"]) == ["PreToolUse", "Stop"]
    assert got["hooks"]["PreToolUse"] == [
        {"matcher": "Edit", "hooks": [{"type": "command", "command": "lint-edit"}]},
        {"matcher": "Bash", "hooks": [{"type": "command", "command": CMD + " hook claude-code", "timeout": 600}]}]
    assert got["hooks"]["Stop"] == CLAUDE_SETTINGS["hooks"]["Stop"]
    assert got["statusLine"] == CLAUDE_SETTINGS["statusLine"]


@pytest.mark.parametrize("indent", [2, 4, "\t"])
def test_install_then_uninstall_gives_back_the_same_file(home, indent):
    path = os.path.join(home, ".claude/settings.json")
    original = json.dumps(CLAUDE_SETTINGS, indent=indent) + "\n"
    write(path, original)
    install("claude-code", home, shell_path=SHIM)
    installed = read(path)
    assert ('\n%s"model": "opus"' % (indent if isinstance(indent, str) else " " * indent)) in installed
    uninstall("claude-code", home, shell_path=SHIM)
    assert read(path) == original


@pytest.mark.parametrize("agent,rel,original", [
    ("cursor", ".cursor/hooks.json", {"version": 1, "hooks": {"beforeShellExecution": [{"command": "./guard.sh"}],
                                                              "afterFileEdit": [{"command": "fmt"}]}}),
    ("codex", ".codex/hooks.json", {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": "python3 check.py"}]}], "Stop": [{"hooks": [
            {"type": "command", "command": "x"}]}]}}),
    ("gemini", ".gemini/settings.json", {"theme": "dark", "hooks": {}, "hooksConfig": {"enabled": True}}),
    ("openhands", ".openhands/hooks.json", {"hooks": {"PostToolUse": [{"hooks": [
        {"type": "command", "command": "log"}]}]}}),
    ("goose", ".agents/plugins/agentsh/hooks/hooks.json", {"hooks": {"SessionEnd": [{"hooks": [
        {"type": "command", "command": "log"}]}]}}),
])
def test_other_agents_merge_and_restore(agent, rel, original, home):
    path = os.path.join(home, rel)
    text = json.dumps(original, indent=2) + "\n"
    write(path, text)
    install(agent, home)
    got = read_json(path)
    assert {k: v for k, v in got.items() if k != "hooks"} == {k: v for k, v in original.items() if k != "hooks"}
    for event, entries in original.get("hooks", {}).items():
        assert got["hooks"][event][:len(entries)] == entries      # theirs first, in their order
    (event, ours), = EXPECTED[agent][1]["hooks"].items()
    assert got["hooks"][event][-1] == ours[0]                     # ours appended
    assert list(got["hooks"])[:len(original["hooks"])] == list(original["hooks"])
    uninstall(agent, home)
    if agent == "gemini":
        # an empty container the install filled cannot be told from one it made: it goes
        assert read_json(path) == {"theme": "dark", "hooksConfig": {"enabled": True}}
    else:
        assert read(path) == text


def test_second_install_changes_nothing(home, project):
    for agent in I.AGENTS:
        kw = {"project": True, "project_dir": project} if agent == "copilot" else {}
        install(agent, home, shell_path=SHIM, **kw)
        again = I.plan(agent, home, agentsh_cmd=CMD, shell_path=SHIM, **kw)
        assert again and not any(c.changed for c in again), agent
        assert all(c.note.startswith("already installed") for c in again), agent
        assert I.apply(again) == []


def test_second_install_keeps_the_file_byte_for_byte(home):
    path = os.path.join(home, ".codex/hooks.json")
    install("codex", home)
    compact = json.dumps(read_json(path), separators=(",", ":"))
    write(path, compact)
    [hooks] = I.plan("codex", home, agentsh_cmd=CMD)
    assert not hooks.changed and hooks.after == compact


def test_a_moved_agentsh_updates_the_existing_entry(home):
    path = os.path.join(home, ".cursor/hooks.json")
    write(path, json.dumps({"version": 1, "hooks": {"beforeShellExecution": [
        {"command": "/old/agentsh hook cursor", "failClosed": True, "timeout": 99}]}}))
    [change] = install("cursor", home)
    assert "update the agentsh hook command (was '/old/agentsh hook cursor')" in change.note
    assert read_json(path)["hooks"]["beforeShellExecution"] == [
        {"command": CMD + " hook cursor", "failClosed": True, "timeout": 99}]


def test_claude_code_shell_set_elsewhere_is_left_alone(home):
    path = os.path.join(home, ".claude/settings.json")
    write(path, json.dumps({"env": {"CLAUDE_CODE_SHELL": "/bin/zsh"}}))
    [change] = install("claude-code", home, shell_path=SHIM)
    assert "env.CLAUDE_CODE_SHELL is already '/bin/zsh': left as it is" in change.note
    assert read_json(path)["env"] == {"CLAUDE_CODE_SHELL": "/bin/zsh"}
    [again] = I.plan("claude-code", home, agentsh_cmd=CMD, shell_path=SHIM)
    assert not again.changed and "left as it is" in again.note
    uninstall("claude-code", home, shell_path=SHIM)
    assert read_json(path) == {"env": {"CLAUDE_CODE_SHELL": "/bin/zsh"}}


def test_claude_uninstall_without_shell_path_recognises_the_shim(home):
    install("claude-code", home, shell_path=SHIM)
    uninstall("claude-code", home)
    assert read_json(os.path.join(home, ".claude/settings.json")) == {}


def test_whitespace_only_file_counts_as_empty(home):
    path = os.path.join(home, ".openhands/hooks.json")
    write(path, "\n")
    install("openhands", home)
    assert read_json(path) == EXPECTED["openhands"][1]


# ---- refusing to touch what cannot be merged --------------------------------------------------------------------
@pytest.mark.parametrize("text,message", [
    ('{"hooks": {,}}', "is not valid JSON (line 1 column 12"),
    ('// my settings\n{}', "is not valid JSON (line 1 column 1"),
    ('[1, 2]', "expected a JSON object at the top level, found list"),
    ('{"hooks": "none"}', "`hooks` is a str, expected an object"),
    ('{"hooks": {"PreToolUse": {"matcher": "Bash"}}}', "`hooks.PreToolUse` is a dict, expected a list"),
    ('{"env": ["x"]}', "`env` is a list, expected an object"),
])
def test_unmergeable_files_are_refused_and_untouched(home, text, message):
    path = os.path.join(home, ".claude/settings.json")
    write(path, text)
    with pytest.raises(I.InstallError) as e:
        I.plan("claude-code", home, agentsh_cmd=CMD, shell_path=SHIM)
    assert path in str(e.value) and message in str(e.value)
    assert read(path) == text
    assert os.listdir(os.path.dirname(path)) == ["settings.json"]


def test_apply_refuses_a_file_that_changed_after_the_plan(home):
    path = os.path.join(home, ".codex/hooks.json")
    write(path, "{}")
    changes = I.plan("codex", home, agentsh_cmd=CMD)
    write(path, '{"hooks": {}}')
    with pytest.raises(I.InstallError, match="changed since the plan was made"):
        I.apply(changes)
    assert read(path) == '{"hooks": {}}'


# ---- uninstall --------------------------------------------------------------------------------------------------
def test_uninstall_removes_files_it_created(home, project):
    for agent in I.AGENTS:
        kw = {"project": True, "project_dir": project} if agent == "copilot" else {}
        install(agent, home, shell_path=SHIM, **kw)
        uninstall(agent, home, **kw)
    assert sorted(os.listdir(home)) == [".agents", ".claude", ".codex", ".cursor", ".gemini", ".openhands",
                                        "Documents"]
    assert os.listdir(os.path.join(home, ".agents/plugins")) == []      # the plugin directory went too
    for d in (".codex", ".cursor", ".openhands", "Documents/Cline/Hooks"):
        assert os.listdir(os.path.join(home, d)) == [], d
    # settings files are the agents' own: they stay, emptied of agentsh
    assert read(os.path.join(home, ".claude/settings.json")) == "{}\n"
    assert read(os.path.join(home, ".gemini/settings.json")) == "{}\n"
    assert os.listdir(os.path.join(project, ".github/hooks")) == []


def test_uninstall_when_not_installed_changes_nothing(home):
    for agent in I.AGENTS:
        if agent == "copilot":
            continue
        changes = I.plan(agent, home, uninstall=True)
        assert not any(c.changed for c in changes), agent
    assert os.listdir(home) == []


def test_uninstall_removes_exactly_our_entries(home):
    path = os.path.join(home, ".claude/settings.json")
    mine = {"type": "command", "command": "~/bin/agentsh hook claude"}          # written by hand, still ours
    other_agentsh = {"type": "command", "command": "agentsh hook cursor"}       # another agent's: not ours
    lookalike = {"type": "command", "command": "my-hook claude-code"}
    write(path, json.dumps({"hooks": {"PreToolUse": [
        {"matcher": "Bash", "hooks": [lookalike, mine, other_agentsh]}]}}))
    uninstall("claude-code", home)
    assert read_json(path) == {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [lookalike, other_agentsh]}]}}


def test_goose_plugin_with_someone_elses_hooks_stays(home):
    install("goose", home)
    path = os.path.join(home, ".agents/plugins/agentsh/hooks/hooks.json")
    data = read_json(path)
    data["hooks"]["SessionEnd"] = [{"hooks": [{"type": "command", "command": "log"}]}]
    write(path, json.dumps(data, indent=2) + "\n")
    uninstall("goose", home)
    assert read_json(path) == {"hooks": {"SessionEnd": [{"hooks": [{"type": "command", "command": "log"}]}]}}
    assert os.path.exists(os.path.join(home, ".agents/plugins/agentsh/plugin.json"))


def test_uninstall_all_covers_every_user_scope_agent(home):
    for agent in I.AGENTS:
        if agent != "copilot":
            install(agent, home, shell_path=SHIM)
    write(os.path.join(home, ".gemini/settings.json"), "not json")
    done, errors = I.uninstall_all(home, shell_path=SHIM)
    assert sorted({os.path.relpath(c.path, home).split("/")[0] for c in done}) == [
        ".agents", ".claude", ".codex", ".cursor", ".openhands", "Documents"]
    assert len(errors) == 1 and errors[0].startswith("gemini: ") and "is not valid JSON" in errors[0]


# ---- writing: backups, modes, links -----------------------------------------------------------------------------
def test_backup_is_made_once(home):
    path = os.path.join(home, ".claude/settings.json")
    write(path, '{"model": "opus"}')
    install("claude-code", home)
    assert read(path + ".agentsh-backup") == '{"model": "opus"}'
    install("claude-code", home, shell_path=SHIM)     # a second write keeps the first backup
    assert read(path + ".agentsh-backup") == '{"model": "opus"}'
    assert read_json(path)["env"] == {"CLAUDE_CODE_SHELL": SHIM}


def test_no_backup_of_a_file_that_did_not_exist_or_when_disabled(home):
    install("codex", home)
    assert os.listdir(os.path.join(home, ".codex")) == ["hooks.json"]
    path = os.path.join(home, ".cursor/hooks.json")
    write(path, "{}")
    I.apply(I.plan("cursor", home, agentsh_cmd=CMD), backup=False)
    assert sorted(os.listdir(os.path.dirname(path))) == ["hooks.json"]


def test_existing_file_mode_is_kept(home):
    path = os.path.join(home, ".claude/settings.json")
    write(path, "{}")
    os.chmod(path, 0o600)
    install("claude-code", home)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_symlinked_settings_are_written_through_the_link(home, tmp_path):
    real = tmp_path / "dotfiles" / "settings.json"
    write(str(real), "{}")
    link = os.path.join(home, ".claude/settings.json")
    os.makedirs(os.path.dirname(link))
    os.symlink(real, link)
    install("claude-code", home)
    assert os.path.islink(link)
    assert read_json(str(real)) == EXPECTED["claude-code"][1]


def test_plan_writes_nothing(home):
    write(os.path.join(home, ".codex/hooks.json"), "{}")
    for agent in I.AGENTS:
        if agent != "copilot":
            I.plan(agent, home, agentsh_cmd=CMD, shell_path=SHIM)
    assert sorted(os.listdir(home)) == [".codex"]
    assert read(os.path.join(home, ".codex/hooks.json")) == "{}"


# ---- --print ----------------------------------------------------------------------------------------------------
def test_render_diff_of_a_new_file(home):
    out = I.render_diff(I.plan("codex", home, agentsh_cmd=CMD))
    path = os.path.join(home, ".codex/hooks.json")
    assert out.startswith("# %s: add a PreToolUse hook for Bash\n--- /dev/null\n+++ %s\n@@ -0,0 +1,16 @@\n"
                          % (path, path))
    assert '+            "command": "/opt/agentsh/bin/agentsh hook codex",\n' in out


def test_render_diff_of_a_merge_and_of_unchanged_files(home):
    path = os.path.join(home, ".cursor/hooks.json")
    write(path, '{\n  "version": 1,\n  "hooks": {}\n}\n')
    out = I.render_diff(I.plan("cursor", home, agentsh_cmd="agentsh"))
    assert out == (
        "# %s: add a beforeShellExecution hook\n--- %s\n+++ %s\n@@ -1,4 +1,11 @@\n {\n   \"version\": 1,\n"
        "-  \"hooks\": {}\n+  \"hooks\": {\n+    \"beforeShellExecution\": [\n+      {\n"
        "+        \"command\": \"agentsh hook cursor\",\n+        \"failClosed\": true\n+      }\n+    ]\n+  }\n }\n"
        % (path, path, path))
    I.apply(I.plan("cursor", home, agentsh_cmd="agentsh"))
    assert I.render_diff(I.plan("cursor", home, agentsh_cmd="agentsh")) == \
        "# %s: unchanged (already installed)\n" % path


def test_render_diff_of_a_delete(home):
    install("cline", home)
    out = I.render_diff(I.plan("cline", home, uninstall=True))
    path = os.path.join(home, "Documents/Cline/Hooks/PreToolUse")
    assert out == ("# %s: delete agentsh's Cline PreToolUse hook script\n--- %s\n+++ /dev/null\n@@ -1,2 +0,0 @@\n"
                   "-#!/bin/sh\n-exec /opt/agentsh/bin/agentsh hook cline\n" % (path, path))


# ---- Codex execpolicy rules -------------------------------------------------------------------------------------
def rule(rid, severity, **match):
    return {"id": rid, "severity": severity, "match": match}


RULES = [
    rule("x.wipe", "catastrophic", command=("diskutil",), subcommand=(("eraseDisk", "zeroDisk"),)),
    rule("x.delete", "critical", command=("railway",), subcommand=(("volume", "volumes"), ("delete",)),
         flags_none=("--help", "-h")),
    rule("x.push", "high", command=("gh", "hub"), subcommand=(("repo",), ("delete",))),
    rule("x.write", "write", command=("git",), subcommand=(("commit",),)),                 # not worth a prompt
    rule("x.flags", "high", command=("git",), subcommand=(("reset",),), flags_any=("--hard",)),  # needs a flag
    rule("x.dry", "high", command=("tool",), subcommand=(("rm",),), flags_none=("--dry-run",)),  # would widen
    rule("x.glob", "high", command=("kubectl",), subcommand=(("delete",), ("*",))),
    rule("x.fact", "high", kind=("redirect:write",)),
]


def test_codex_rules_text():
    assert I.codex_rules(RULES) == I.CODEX_RULES_HEADER + (
        'prefix_rule(pattern=["diskutil", ["eraseDisk", "zeroDisk"]], decision="forbidden", '
        'justification="agentsh: x.wipe")\n'
        'prefix_rule(pattern=["railway", ["volume", "volumes"], "delete"], decision="prompt", '
        'justification="agentsh: x.delete")\n'
        'prefix_rule(pattern=["gh", "repo", "delete"], decision="prompt", justification="agentsh: x.push")\n'
        'prefix_rule(pattern=["hub", "repo", "delete"], decision="prompt", justification="agentsh: x.push")\n')


def test_codex_rules_from_the_bundled_packs():
    from agentsh.rules import compile_files, rule_files
    text = I.codex_rules(compile_files(rule_files(include_user=False))["rules"])
    assert 'prefix_rule(pattern=["gh", "repo", "delete"], decision="prompt", justification="agentsh: gh.repo-delete")' \
        in text.splitlines()
    assert all(line.startswith("prefix_rule(pattern=[\"") for line in text.splitlines()[1:])


def test_codex_install_writes_the_rules_file_and_uninstall_removes_it(home):
    install("codex", home, rules=RULES)
    path = os.path.join(home, ".codex/rules/agentsh.rules")
    assert read(path) == I.codex_rules(RULES)
    assert not any(c.changed for c in I.plan("codex", home, agentsh_cmd=CMD, rules=RULES))
    uninstall("codex", home)
    assert not os.path.exists(path)
    write(path, "prefix_rule(pattern=[\"rm\"], decision=\"prompt\")\n")    # a file we did not write
    with pytest.raises(I.InstallError, match="not agentsh's Codex rules file"):
        I.plan("codex", home, agentsh_cmd=CMD, rules=RULES)


# ---- helpers for the CLI ----------------------------------------------------------------------------------------
def test_is_agentsh_command():
    assert I.is_agentsh_command("/usr/local/bin/agentsh hook cursor", "cursor")
    assert I.is_agentsh_command("'/my dir/agentsh' hook cursor --verbose", "cursor")
    assert not I.is_agentsh_command("agentsh hook cursors", "cursor")
    assert not I.is_agentsh_command("guard hook cursor", "cursor")
    assert not I.is_agentsh_command(None, "cursor")
    assert I.is_agentsh_command("agentsh hook claude", "claude-code")


def test_find_shim_and_agentsh_command(tmp_path):
    data = tmp_path / "data" / "agentsh"
    python = data / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    assert I.find_shim(str(python)) is None
    shim = data / "bin" / "bash"
    shim.parent.mkdir()
    shim.write_text("#!/bin/sh\n")
    shim.chmod(0o755)
    assert I.find_shim(str(python)) == str(shim)
    dev_python = tmp_path / "repo" / ".venv" / "bin" / "python"
    dev_python.parent.mkdir(parents=True)
    dev_shim = tmp_path / "repo" / ".venv" / "agentsh-bin" / "bash"
    dev_shim.parent.mkdir()
    dev_shim.write_text("#!/bin/sh\n")
    dev_shim.chmod(0o755)
    assert I.find_shim(str(dev_python)) == str(dev_shim)
    launcher = tmp_path / "my bin" / "agentsh"
    launcher.parent.mkdir()
    launcher.write_text("")
    assert I.agentsh_command(str(launcher)) == "'%s'" % launcher
    assert I.agentsh_command("/usr/bin/python3") == "agentsh"

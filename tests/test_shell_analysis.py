"""Analyzer behaviour the shell front end relies on: positional parameters of `bash -c TEXT ARG0 ARG…`, `shift`,
what `source` leaves behind, login profiles, agents' harness snapshots, shell-init generators under `eval`, the
stdin-mode prelude and the `agentsh:env-override` fact. The shell itself is tested end to end in test_shell_e2e.py."""
import os

import pytest

from agentsh.analyze import analyze
from agentsh.model import Context
from tests.conftest import EXAMPLE_CWD, example_context


def rules_of(d):
    return sorted({f.rule for f in d.findings})


@pytest.mark.parametrize("command,rule", [
    ("bash -c 'rm -rf \"$1\"' x /", "fs.rm-root"),
    ("bash -c 'shift; rm -rf \"$1\"' x a /", "fs.rm-root"),
    ("bash -c 'shift 2; rm -rf \"$1\"' x a b /", "fs.rm-root"),
    ("bash -c 'rm -rf \"$@\"' x ~", "fs.rm-home"),
    ("f() { shift; rm -rf \"$1\"; }; f a /", "fs.rm-root"),
    ("bash -c '. \"$1\" && shift && exec \"$@\"' arg0 /dev/null terraform destroy", "terraform.destroy"),
    ("X=/; source /dev/null; rm -rf $X", "fs.rm-root"),
    ("eval \"$(pyenv init -; rm -rf ~)\"", "fs.rm-home"),
    ("AGENTSH_SESSION=x true", "agentsh.env-override"),
    ("bash -c 'export AGENTSH_APPROVAL_WAIT=0'", "agentsh.env-override"),
])
def test_stopped(decide, command, rule):
    d = decide(command)
    assert d.decision != "allow" and rule in rules_of(d), rules_of(d)


@pytest.mark.parametrize("command", [
    "bash -c 'rm -rf \"$1\"' x build",
    "bash -c '. \"$1\" && shift && exec \"$@\"' arg0 /dev/null ls -la",
    'eval "$(dircolors -b)"',
    "eval `ssh-agent -s`",
    'eval "$(SHELL=/bin/sh lesspipe)"',
    "[ -f ~/.no-such-aliases ] && . ~/.no-such-aliases",
    "echo $AGENTSH_SESSION",
])
def test_allowed(decide, command):
    d = decide(command)
    assert d.decision == "allow", rules_of(d)


def test_missing_script_after_a_pipeline_writer_is_still_unvetted(decide):
    # `cat` cannot create a file, but in a pipeline another stage runs at the same time
    assert decide("cat script.sh | bash").decision != "allow"


def _ctx(tmp_path, **kw):
    home = str(tmp_path / "home")
    os.makedirs(home, exist_ok=True)
    env = {"HOME": home, "PATH": "/usr/bin:/bin"}
    return Context(cwd=str(tmp_path), home=home, environ=env, environment="local", project_root=str(tmp_path), **kw)


def test_login_shell_vets_the_first_existing_profile(tmp_path, compiled):
    ctx = _ctx(tmp_path)
    with open(os.path.join(ctx.home, ".profile"), "w") as f:
        f.write("echo profile\nterraform destroy -auto-approve\n")
    d = analyze("bash -lc 'echo hi'", ctx, compiled)
    assert "terraform.destroy-auto-approve" in rules_of(d)
    with open(os.path.join(ctx.home, ".bash_profile"), "w") as f:   # bash reads only the first that exists
        f.write("echo bash_profile\n")
    assert analyze("bash -lc 'echo hi'", ctx, compiled).decision == "allow"
    assert analyze("bash --noprofile -lc 'echo hi'", ctx, compiled).decision == "allow"


def test_sourced_file_state_carries_over(tmp_path, compiled):
    ctx = _ctx(tmp_path)
    (tmp_path / "env.sh").write_text("TARGET=/\n")
    d = analyze("source env.sh; rm -rf $TARGET", ctx, compiled)
    assert "fs.rm-root" in rules_of(d)
    (tmp_path / "env.sh").write_text("TARGET=build\n")
    assert analyze("source env.sh; rm -rf $TARGET", ctx, compiled).decision == "allow"


def _snapshot(ctx, text):
    d = os.path.join(ctx.home, ".claude", "shell-snapshots")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "snapshot-bash-1-abc.sh")
    with open(path, "w") as f:
        f.write(text)
    return path


CLAUDE = "source %s 2>/dev/null || true && shopt -u extglob 2>/dev/null || true && eval '%s' < /dev/null && " \
         "pwd -P >| /tmp/claude-ab12-cwd"


def test_harness_snapshot_functions_are_judged_where_they_are_called(tmp_path, compiled):
    ctx = _ctx(tmp_path)
    snap = _snapshot(ctx, 'dropvol() { railway volume delete --volume "$1" --yes; }\n')
    assert analyze(CLAUDE % (snap, "echo hello"), ctx, compiled).decision == "allow"
    d = analyze(CLAUDE % (snap, "dropvol pg-data"), ctx, compiled)
    assert "railway.volume-delete" in rules_of(d)


def test_harness_snapshot_aliases_reach_the_payload(tmp_path, compiled):
    ctx = _ctx(tmp_path)
    snap = _snapshot(ctx, "shopt -s expand_aliases\nalias nuke='terraform destroy -auto-approve'\n")
    assert "terraform.destroy-auto-approve" in rules_of(analyze(CLAUDE % (snap, "nuke"), ctx, compiled))


def test_harness_snapshot_top_level_commands_are_still_vetted(tmp_path, compiled):
    ctx = _ctx(tmp_path)
    snap = _snapshot(ctx, "terraform destroy -auto-approve\n")
    assert "terraform.destroy-auto-approve" in rules_of(analyze(CLAUDE % (snap, "echo hi"), ctx, compiled))


def test_prelude_sets_state_but_not_findings(compiled):
    ctx = example_context()
    ctx.prelude = "D=/\nterraform destroy -auto-approve\n"   # already ran (and was judged) in this session
    d = analyze('rm -rf "$D"', ctx, compiled)
    assert rules_of(d) == ["fs.rm-root"]
    ctx.prelude = "cd /tmp\n"
    assert analyze("rm -rf ./x", ctx, compiled).decision == "allow"
    assert EXAMPLE_CWD != "/tmp"

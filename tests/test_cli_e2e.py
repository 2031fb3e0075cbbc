"""End-to-end: the real `agentsh` binary in a temporary HOME/XDG, against fake tools on PATH that record
whether they ran. Nothing here runs a destructive command: the fake tools only touch a marker file."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

AGENTSH = os.path.join(os.path.dirname(sys.executable), "agentsh")


@pytest.fixture
def world(tmp_path):
    home = tmp_path / "home"
    (home / ".config" / "agentsh").mkdir(parents=True)
    # no human in these tests: a confirm stops at once instead of waiting for an approval
    (home / ".config" / "agentsh" / "config.toml").write_text("[approval]\nwait = 0\n")
    fakebin = tmp_path / "bin"
    fakebin.mkdir()
    markers = tmp_path / "ran"
    markers.mkdir()
    for tool in ("railway", "psql", "terraform"):
        script = fakebin / tool
        script.write_text(textwrap.dedent("""\
            #!/bin/sh
            echo "$0 $*" > "%s/%s"
            echo "fake %s ran"
            """ % (markers, tool, tool)))
        script.chmod(0o755)
    project = tmp_path / "project"
    project.mkdir()
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_STATE_HOME": str(home / ".state"),
           "XDG_CACHE_HOME": str(home / ".cache"), "PATH": "%s:/usr/local/bin:/usr/bin:/bin" % fakebin,
           "LANG": "C.UTF-8"}

    def run(*args, stdin=None):
        return subprocess.run([AGENTSH, *args], input=stdin, capture_output=True, text=True, env=env,
                              cwd=str(project), timeout=60)
    return {"run": run, "markers": markers, "home": home, "env": env}


def test_binary_exists():
    assert os.access(AGENTSH, os.X_OK), "run ./install.sh --dev first"


def test_shell_blocks_destructive_command_and_tool_never_runs(world):
    p = world["run"]("-c", "railway volume delete --volume pg-data --yes")
    assert p.returncode == 126
    assert p.stdout == ""
    assert "railway.volume-delete" in p.stderr and "safer:" in p.stderr
    assert not (world["markers"] / "railway").exists()


def test_shell_runs_allowed_command_through_real_bash(world):
    p = world["run"]("-c", "railway status")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "fake railway ran\n"
    assert (world["markers"] / "railway").read_text().strip().endswith("railway status")


def test_shell_preserves_exit_status_and_positional_parameters(world):
    assert world["run"]("-c", "exit 7").returncode == 7
    p = world["run"]("-c", 'echo "$0|$1|$2"', "name", "one", "two words")
    assert p.stdout == "name|one|two words\n"


def test_shell_option_orders(world):
    for argv in (["-lc", "railway volume rm -v x --yes"], ["-c", "-l", "railway volume rm -v x --yes"],
                 ["-e", "-c", "railway volume rm -v x --yes"]):
        p = world["run"](*argv)
        assert p.returncode == 126, argv
    assert not (world["markers"] / "railway").exists()


def test_shell_script_mode_vets_the_script_file(world, tmp_path):
    script = tmp_path / "project" / "deploy.sh"
    script.write_text("echo deploying\nrailway volume delete --volume pg-data --yes\n")
    p = world["run"]("deploy.sh")
    assert p.returncode == 126 and "railway.volume-delete" in p.stderr and "deploy.sh:2" in p.stderr
    assert p.stdout == "" and not (world["markers"] / "railway").exists()
    script.write_text('echo "deploying $1"\nrailway status\n')
    p = world["run"]("deploy.sh", "staging")
    assert p.returncode == 0 and p.stdout == "deploying staging\nfake railway ran\n"


def test_check_exit_codes_and_json_order(world):
    p = world["run"]("check", "--json", stdin="ls -la\nterraform destroy -auto-approve\necho done\n")
    assert p.returncode == 1
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert [r["command"] for r in rows] == ["ls -la", "terraform destroy -auto-approve", "echo done"]
    assert [r["decision"] for r in rows] == ["allow", "confirm", "allow"]
    assert set(rows[1]) == {"command", "decision", "environment", "findings"}
    assert set(rows[1]["findings"][0]) >= {"rule", "severity", "message", "why", "safer"}
    assert world["run"]("check", stdin="ls\ngit status\n").returncode == 0


def test_check_env_production_escalates(world):
    p = world["run"]("check", "--json", "--env", "production", stdin="railway volume delete --volume v --yes\n")
    assert json.loads(p.stdout)["decision"] == "block"
    assert json.loads(p.stdout)["environment"] == "production"


def test_check_jsonl_accepts_strings_and_objects(world):
    stdin = '"rm -rf ~"\n{"command": "ls"}\n'
    p = world["run"]("check", "--jsonl", "--json", stdin=stdin)
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    # `rm -rf ~` would also delete agentsh's own config in this HOME: self-protection makes it a block
    assert [r["decision"] for r in rows] == ["block", "allow"]
    assert {"fs.rm-home", "agentsh.tamper-files"} <= {f["rule"] for f in rows[0]["findings"]}


def test_check_bad_jsonl_names_the_line(world):
    p = world["run"]("check", "--jsonl", stdin='"ok"\n{"command": 3}\n')
    assert p.returncode == 2
    assert "line 2" in p.stderr and "Traceback" not in p.stderr
    p = world["run"]("check", "--jsonl", stdin='"ok"\nnot json\n')
    assert p.returncode == 2 and "line 2" in p.stderr


def test_check_unknown_option_is_usage_error(world):
    p = world["run"]("check", "--no-such-flag", stdin="ls\n")
    assert p.returncode == 2 and "Traceback" not in p.stderr


def test_invalid_user_rule_names_file_rule_and_field(world):
    rules_dir = world["home"] / ".config" / "agentsh" / "rules"
    rules_dir.mkdir(parents=True)
    (rules_dir / "mine.toml").write_text(textwrap.dedent("""\
        [[rule]]
        id = "mine.thing"
        severity = "severe"
        message = "m"
        why = "w"
        safer = "s"
        [rule.match]
        command = "thing"
        [rule.examples]
        stop = ["thing"]
        """))
    p = world["run"]("check", stdin="ls\n")
    assert p.returncode == 2
    assert "mine.toml" in p.stderr and "mine.thing" in p.stderr and "severity" in p.stderr
    # the shell path fails closed on the same error
    p = world["run"]("-c", "ls")
    assert p.returncode == 126 and "severity" in p.stderr


def test_user_rule_is_applied(world):
    rules_dir = world["home"] / ".config" / "agentsh" / "rules"
    rules_dir.mkdir(parents=True)
    (rules_dir / "mine.toml").write_text(textwrap.dedent("""\
        [[rule]]
        id = "mine.deploy-prod"
        severity = "high"
        message = "Deploys the shop"
        why = "It is live."
        safer = "Deploy to staging first."
        [rule.match]
        command = "shopctl"
        subcommand = ["deploy"]
        [rule.examples]
        stop = ["shopctl deploy"]
        allow = ["shopctl status"]
        """))
    p = world["run"]("check", "--json", stdin="shopctl deploy --now\nshopctl status\n")
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert rows[0]["findings"][0]["rule"] == "mine.deploy-prod"
    assert rows[1]["decision"] == "allow"


def test_explain_shows_unwrapping_and_verdict(world):
    p = world["run"]("explain", "sudo env X=1 bash -c 'railway volume delete --volume v --yes'")
    assert p.returncode == 1
    for needle in ("parse tree", "unwrapping", "sudo", "bash -c", "railway.volume-delete", "CONFIRM"):
        assert needle in p.stdout, needle


def test_rules_list_and_show(world):
    p = world["run"]("rules", "list", "--json")
    ids = [json.loads(line)["id"] for line in p.stdout.splitlines()]
    assert "fs.rm-home" in ids and len(ids) > 300
    p = world["run"]("rules", "show", "fs.rm-home")
    assert p.returncode == 0 and "examples.stop" in p.stdout
    p = world["run"]("rules", "show", "fs.no-such-rule")
    assert p.returncode == 2

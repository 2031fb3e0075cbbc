"""A scripted replay of the PocketOS incident (issue 5), end to end with the real `agentsh` binary.

The set-up: the workspace is declared staging in the user config, and RAILWAY_TOKEN holds a token registered as
production (`agentsh creds add RAILWAY_TOKEN --env production`). The agent then deletes the volume, first with the
Railway CLI, then with a raw GraphQL call. agentsh must block both, name the mismatch and the rule, and the tools
must never run.

SAFETY: every `agentsh -c` here runs with PATH set to a temporary directory that holds only fake `railway` and
`curl` scripts, which write a marker file and exit 0. Nothing else is reachable by name. The curl case depends on
the HTTP/GraphQL payload analyzer (agentsh/payloads/http.py).
"""
import os
import subprocess
import sys

import pytest

AGENTSH = os.path.join(os.path.dirname(sys.executable), "agentsh")
FAKE_TOOLS = ("railway", "curl")
TOKEN = "5b0e3c1d-9a7f-4e2b-8c6d-1f2e3a4b5c6d"     # fake; registered as production
VOLUME = "3d2c42fb"

CLI_DELETE = "railway volume delete --volume %s --yes" % VOLUME
GRAPHQL_DELETE = ('curl -X POST https://backboard.railway.app/graphql/v2 -H "Authorization: Bearer $RAILWAY_TOKEN" '
                  '-d \'{"query":"mutation { volumeDelete(volumeId: \\"%s\\") }"}\'' % VOLUME)


@pytest.fixture
def replay(tmp_path):
    home = tmp_path / "home"
    project = home / "work" / "shop"
    (project / ".git").mkdir(parents=True)
    config = home / ".config" / "agentsh"
    config.mkdir(parents=True)
    (config / "config.toml").write_text('[[workspace]]\npath = "~/work/shop"\nenvironment = "staging"\n')
    fakebin = tmp_path / "fakebin"
    fakebin.mkdir()
    markers = tmp_path / "ran"
    markers.mkdir()
    for tool in FAKE_TOOLS:
        script = fakebin / tool
        # only records that it ran (printf and the redirection are shell built-ins), then exits 0
        script.write_text("#!/bin/sh\nprintf '%%s\\n' \"$*\" > '%s'\nexit 0\n" % (markers / tool))
        script.chmod(0o755)
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_STATE_HOME": str(home / ".state"),
           "XDG_CACHE_HOME": str(home / ".cache"), "PATH": str(fakebin), "LANG": "C.UTF-8",
           "RAILWAY_TOKEN": TOKEN}

    def run(*args):
        # PATH holds only the fake tools: nothing real can run by name, whatever agentsh decides
        assert env["PATH"] == str(fakebin) and sorted(os.listdir(fakebin)) == sorted(FAKE_TOOLS)
        return subprocess.run([AGENTSH, *args], capture_output=True, text=True, env=env, cwd=str(project),
                              timeout=60)

    p = run("creds", "add", "RAILWAY_TOKEN", "--env", "production", "--label", "prod deploy token")
    assert p.returncode == 0, p.stderr
    return {"run": run, "markers": markers, "home": home, "project": project}


def ran(replay, tool):
    return (replay["markers"] / tool).exists()


def test_binary_exists():
    assert os.access(AGENTSH, os.X_OK), "run ./install.sh --dev first"


def test_registration_stored_no_value(replay):
    state = replay["home"] / ".state" / "agentsh"
    for p in state.rglob("*"):
        if p.is_file():
            assert TOKEN.encode() not in p.read_bytes(), p


def test_context_shows_the_mismatch_set_up(replay):
    p = replay["run"]("context", "--json")
    assert p.returncode == 0, p.stderr
    assert '"here": "matches"' in p.stdout and '"staging"' in p.stdout
    assert TOKEN not in p.stdout


def test_railway_cli_volume_delete_is_blocked(replay):
    p = replay["run"]("-c", CLI_DELETE)
    assert p.returncode == 126, p.stdout + p.stderr
    assert p.stdout == ""
    assert "blocked" in p.stderr
    assert "railway.volume-delete" in p.stderr
    assert "context.credential-mismatch" in p.stderr
    assert "Credential mismatch" in p.stderr and "RAILWAY_TOKEN" in p.stderr
    assert "registered to production" in p.stderr and "staging" in p.stderr
    assert TOKEN not in p.stdout + p.stderr
    assert not ran(replay, "railway")


def test_graphql_volume_delete_is_blocked(replay):
    p = replay["run"]("-c", GRAPHQL_DELETE)
    assert p.returncode == 126, p.stdout + p.stderr
    assert p.stdout == ""
    assert "http.railway-volume-delete" in p.stderr
    assert "context.credential-mismatch" in p.stderr
    assert "RAILWAY_TOKEN" in p.stderr and "registered to production" in p.stderr
    assert TOKEN not in p.stdout + p.stderr
    assert not ran(replay, "curl")


def test_pasted_token_is_blocked_and_not_repeated(replay):
    p = replay["run"]("-c", "RAILWAY_TOKEN=%s %s" % (TOKEN, CLI_DELETE))
    assert p.returncode == 126, p.stdout + p.stderr
    assert "context.credential-provenance" in p.stderr and "context.credential-mismatch" in p.stderr
    assert TOKEN not in p.stdout + p.stderr
    assert not ran(replay, "railway")


def test_token_from_a_file_is_blocked(replay):
    p = replay["run"]("-c", 'railway volume delete --volume %s --yes --token "$(cat token.txt)"' % VOLUME)
    assert p.returncode == 126, p.stdout + p.stderr
    assert "context.credential-provenance" in p.stderr
    assert not ran(replay, "railway")


def test_railway_status_still_runs(replay):
    p = replay["run"]("-c", "railway status")
    assert p.returncode == 0, p.stderr
    assert ran(replay, "railway")
    assert (replay["markers"] / "railway").read_text() == "status\n"


def test_check_agrees_with_the_shell(replay):
    # `check` executes nothing; it still gets a PATH with no tools at all
    import json
    lines = "\n".join(json.dumps(c) for c in (CLI_DELETE, GRAPHQL_DELETE, "railway status", "railway logs")) + "\n"
    q = subprocess.run([AGENTSH, "check", "--jsonl", "--json"], input=lines, capture_output=True, text=True,
                       env={"HOME": str(replay["home"]), "XDG_CONFIG_HOME": str(replay["home"] / ".config"),
                            "XDG_STATE_HOME": str(replay["home"] / ".state"), "PATH": "/nonexistent",
                            "RAILWAY_TOKEN": TOKEN}, cwd=str(replay["project"]), timeout=60)
    rows = [json.loads(line) for line in q.stdout.splitlines()]
    assert [r["decision"] for r in rows] == ["block", "block", "allow", "allow"], q.stderr
    assert all("context.credential-mismatch" in {f["rule"] for f in r["findings"]} for r in rows[:2])
    assert TOKEN not in q.stdout

"""Regression tests for the payload and context gaps found in the second review: client-side statement
separators, psql variables, Makefile includes and attached make options, workspace scripts, bun and corepack,
versioned interpreters, attached -h hosts, keyword connection strings, HTTP URL hosts, curl credential flags and
deletes over computed file lists. Files live in a temporary project; nothing is executed."""
import json

import pytest

from agentsh.analyze import analyze
from agentsh.context import CredentialStore, load_settings
from agentsh.model import Context


def rules_of(d):
    return [f.rule for f in d.findings]


@pytest.mark.parametrize("command,rule", [
    ('psql <<< "SELECT 1 \\; DROP TABLE users"', "sql.drop-table"),
    ('mysql -e "SELECT 1 \\G DROP TABLE users"', "sql.drop-table"),
    ('mysql -e "SELECT 1\\g DELETE FROM users"', "sql.delete-all"),
    ('psql -v q="DROP TABLE users" <<< ":q;"', "shell.dynamic-script"),
    ('psql --comm="DROP TABLE users"', "sql.drop-table"),        # getopt_long abbreviations
    ('psql db --com "DROP TABLE users"', "sql.drop-table"),
    ('mysql --exec="DROP TABLE users"', "sql.drop-table"),
    ("python3.12 -c \"import shutil; shutil.rmtree('/')\"", "code.delete-tree-root"),
    ("pypy3 -c \"import shutil; shutil.rmtree('/')\"", "code.delete-tree-root"),
    ("python3 -c \"import pathlib; [p.unlink() for p in pathlib.Path.home().rglob('*')]\"",
     "code.delete-file-dynamic"),
])
def test_payload_gaps(decide, command, rule):
    d = decide(command)
    assert rule in rules_of(d), rules_of(d)
    assert d.decision != "allow"


@pytest.mark.parametrize("command", ["psql -c 'SELECT 1'", "psql -c \"SELECT '10:30'::time\"",
                                     "mysql -e 'SHOW TABLES'"])
def test_client_neighbours_stay_allowed(decide, command):
    assert decide(command).decision == "allow"


@pytest.fixture
def project(tmp_path, compiled):
    root = tmp_path / "project"
    (root / "sub").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "Makefile").write_text("include extra.mk\ntest: nuke\n")
    (root / "extra.mk").write_text("nuke:\n\trm -rf ~\n")
    (root / "sub" / "Makefile").write_text("nuke:\n\trm -rf ~\n")
    (root / "package.json").write_text(json.dumps({"scripts": {"nuke": "rm -rf ~", "build": "tsc"}}))
    home = str(tmp_path)

    def decide(command):
        ctx = Context(cwd=str(root), home=home, environ={"HOME": home}, environment="local", project_root=str(root))
        return analyze(command, ctx, compiled)
    return decide


@pytest.mark.parametrize("command,rule", [
    ("make nuke", "fs.rm-home"),              # defined in an included file
    ("make test", "fs.rm-home"),              # prerequisite from the included file
    ("make -Csub nuke", "fs.rm-home"),
    ("make -fsub/Makefile nuke", "fs.rm-home"),
    ("bun run nuke", "fs.rm-home"),
    ("bun nuke", "fs.rm-home"),
    ("corepack npm run nuke", "fs.rm-home"),
    ("npm run -w packages/a nuke", "shell.dynamic-script"),
    ("pnpm --filter a nuke", "shell.dynamic-script"),
    ("yarn workspace a nuke", "shell.dynamic-script"),
])
def test_scripts_by_name(project, command, rule):
    d = project(command)
    assert rule in rules_of(d), rules_of(d)


@pytest.mark.parametrize("command", ["bun install", "bun run build", "make -n nuke"])
def test_script_neighbours_stay_allowed(project, command):
    assert project(command).decision == "allow"


# ---- context -----------------------------------------------------------------------------------------------------
@pytest.fixture
def resolving(tmp_path, compiled):
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_STATE_HOME": str(home / ".state"), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CACHE_HOME": str(home / ".cache")}

    def decide(command, extra_env=None):
        environ = dict(env, **(extra_env or {}))
        ctx = Context(cwd=str(tmp_path), home=str(home), environ=environ, environment=None,
                      project_root=str(tmp_path), settings=load_settings(environ, str(tmp_path)))
        return analyze(command, ctx, compiled)
    return decide, env


@pytest.mark.parametrize("command", [
    "psql -hprod-db.example.com -c 'DELETE FROM users WHERE id = 3'",
    "psql 'host=prod-db.example.com dbname=app' -c 'DELETE FROM users WHERE id = 3'",
])
def test_attached_and_keyword_hosts_are_production(resolving, command):
    decide, _ = resolving
    d = decide(command)
    assert d.environment == "production"
    assert d.decision == "confirm"   # a `write` finding in production


def test_http_url_host_is_an_environment_signal(resolving):
    decide, _ = resolving
    d = decide("curl -X DELETE https://api.prod.example.com/v1/items/1")
    assert d.environment == "production"


def test_curl_oauth2_bearer_is_a_credential(resolving):
    decide, env = resolving
    store = CredentialStore(env)
    store.add("API_TOKEN", "tok-staging-1", "staging")
    d = decide("curl -X DELETE https://api.prod.example.com/v1/items/1 --oauth2-bearer tok-staging-1")
    assert "context.credential-mismatch" in rules_of(d) or "context.credential-provenance" in rules_of(d)
    assert d.decision == "block"

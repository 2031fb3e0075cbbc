"""Environment and credential context (issue 5): where a command lands, and whose credential it carries.

In-process tests build a Context with environment=None, so that agentsh resolves the environment of every command
from its signals, with a temporary HOME / XDG_CONFIG_HOME / XDG_STATE_HOME and settings from load_settings. Tool
config files (kubeconfig, gcloud, terraform, railway) are created in that temporary HOME or project. Nothing here
executes a command: analyze() only reads, and the CLI subprocesses are `check`, `explain`, `context` and `creds`.
"""
import json
import os
import subprocess
import sys

import pytest

from agentsh.analyze import analyze
from agentsh.context import (CredentialStore, DEFAULT_NAMES, Settings, classify_host, classify_name, detect_agent,
                             load_settings, name_parts)
from agentsh.model import Context
from agentsh.paths import find_project_root

AGENTSH = os.path.join(os.path.dirname(sys.executable), "agentsh")

# Fake credential values. They look like real tokens (uuid-ish) and are never sent anywhere.
PROD_TOKEN = "3f9c1a2e-7b4d-4e6f-8a0b-5c6d7e8f9a0b"
STAGING_TOKEN = "0c1d2e3f-4a5b-4c6d-9e7f-8a9b0c1d2e3f"
KUBE_PROD_TOKEN = "kube-9d8c7b6a5f4e3d2c1b0a"
AWS_PROD_KEY = "AKIAPRODEXAMPLE00001"
PG_PROD_PASSWORD = "pg-prod-pass-55e1c0ffee"

VOLUME_DELETE_BODY = r'''{"query":"mutation { volumeDelete(volumeId: \"3d2c42fb\") }"}'''
GRAPHQL_URL = "https://backboard.railway.app/graphql/v2"


# ---- the world: a temporary HOME with a project in it ------------------------------------------------------------
class World:
    def __init__(self, tmp_path, compiled):
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.project = self.home / "work" / "shop"
        (self.project / ".git").mkdir(parents=True)
        self.environ = {"HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
                        "XDG_STATE_HOME": str(self.home / ".state"), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        self.compiled = compiled

    def write(self, path, text):
        path = self.home / path if not os.path.isabs(str(path)) else path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def user_config(self, text):
        return self.write(self.home / ".config" / "agentsh" / "config.toml", text)

    def project_config(self, text):
        return self.write(self.project / ".agentsh.toml", text)

    def declare_workspace(self, environment, path="~/work/shop"):
        self.user_config('[[workspace]]\npath = "%s"\nenvironment = "%s"\n' % (path, environment))

    def register(self, var, value, environment, label=""):
        CredentialStore(self.environ).add(var, value, environment, label)

    def context(self, environ=None, cwd=None, environment=None):
        env = dict(self.environ)
        env.update(environ or {})
        cwd = str(cwd or self.project)
        root = find_project_root(cwd, str(self.home))
        return Context(cwd=cwd, home=str(self.home), environ=env, environment=environment, project_root=root,
                       settings=load_settings(env, root))

    def decide(self, command, environ=None, cwd=None, environment=None):
        return analyze(command, self.context(environ, cwd, environment), self.compiled)

    def cli(self, *args, environ=None, stdin=None):
        env = dict(self.environ)
        env.update(environ or {})
        return subprocess.run([AGENTSH, *args], input=stdin, capture_output=True, text=True, env=env,
                              cwd=str(self.project), timeout=60)


@pytest.fixture
def world(tmp_path, compiled):
    return World(tmp_path, compiled)


def rules_of(d):
    return {f.rule for f in d.findings}


def finding(d, rule):
    found = [f for f in d.findings if f.rule == rule]
    assert found, "no %s finding; findings: %s" % (rule, [(f.rule, f.severity, f.environment) for f in d.findings])
    return found[0]


def context_of(d, program):
    """The CommandContext of the (last) command named `program`."""
    found = [c for shown, c in d.contexts if shown.split()[0] == program]
    assert found, "no command %r in %s" % (program, [s for s, _ in d.contexts])
    return found[-1]


def sources(c):
    return {(s.source, s.environment) for s in c.signals}


# ---- sources: command-line assignments ---------------------------------------------------------------------------
@pytest.mark.parametrize("command, environment, decision", [
    ("APP_ENV=production rails db:drop", "production", "block"),
    ("RAILS_ENV=prod rails db:drop", "production", "block"),
    ("APP_ENV=staging rails db:drop", "staging", "confirm"),
    ("RAILS_ENV=development rails db:drop", "local", "confirm"),
])
def test_assignment_on_the_command_line(world, command, environment, decision):
    d = world.decide(command)
    assert d.decision == decision
    assert d.environment == environment
    assert finding(d, "orm.rails-db-drop").environment == environment
    var = command.split("=")[0]
    assert ("assignment " + var, environment) in sources(context_of(d, "rails"))


def test_assignment_applies_to_its_own_command_only(world):
    d = world.decide("APP_ENV=production true; kubectl delete ns x")
    assert d.decision == "confirm"
    assert finding(d, "k8s.delete-namespace").environment == "local"


# ---- sources: the command's own flags --------------------------------------------------------------------------------
@pytest.mark.parametrize("command, rule, flag, decision", [
    ("kubectl --context prod-eu delete ns x", "k8s.delete-namespace", "flag --context", "block"),
    ("kubectl --context=prod-eu delete ns x", "k8s.delete-namespace", "flag --context", "block"),
    ("kubectl -n prod delete ns x", "k8s.delete-namespace", "flag -n", "block"),
    ("aws --profile prod s3 rb s3://b --force", "aws.s3-rb-force", "flag --profile", "block"),
    ("railway -e production volume delete --volume v --yes", "railway.volume-delete", "flag -e", "block"),
    ("heroku pg:reset -a shop-production --confirm shop-production", "heroku.pg-reset", "flag -a", "block"),
    ("terraform -chdir=envs/prod destroy", "terraform.destroy", "flag -chdir", "confirm"),   # high: confirm
    ("pulumi destroy -s prod --yes", "pulumi.destroy-yes", "flag -s", "block"),
    ("vercel remove app --yes --prod", "vercel.remove-project", "flag --prod", "block"),
])
def test_environment_flags(world, command, rule, flag, decision):
    d = world.decide(command)
    assert d.environment == "production"
    assert finding(d, rule).environment == "production"
    assert d.decision == decision
    assert (flag, "production") in sources(context_of(d, command.split()[0]))


@pytest.mark.parametrize("command", [
    "kubectl --context staging-eu delete ns x",
    "railway -e staging volume delete --volume v --yes",
    "heroku pg:reset -a shop-staging --confirm shop-staging",
    "pulumi destroy -s stg --yes",
])
def test_staging_flags_confirm_a_critical_command(world, command):
    d = world.decide(command)
    assert d.environment == "staging"
    assert d.decision == "confirm"


# ---- sources: connection strings and hosts ----------------------------------------------------------------------------
@pytest.mark.parametrize("command, rule, source", [
    ("psql postgres://u:p@db.prod.internal/app -c 'DROP TABLE x'", "sql.drop-table", "connection string host"),
    ("psql -h db.prod.internal -c 'DROP TABLE x'", "sql.drop-table", "flag -h"),
    ("mysql -h mysql.prd.example.com -e 'DROP TABLE x'", "sql.drop-table", "flag -h"),
    ("redis-cli -h cache.prod.internal FLUSHALL", "redis.flushall", "flag -h"),
    ("PGHOST=prod-db psql -c 'DROP TABLE x'", "sql.drop-table", "assignment PGHOST (host)"),
    ("DATABASE_URL=postgres://u:p@prod-db/app rails db:drop", "orm.rails-db-drop", "assignment DATABASE_URL (host)"),
])
def test_connection_strings_and_hosts(world, command, rule, source):
    d = world.decide(command)
    assert d.decision == "block"
    assert finding(d, rule).environment == "production"
    program = [w for w in command.split() if "=" not in w][0]
    assert (source, "production") in sources(context_of(d, program))


def test_select_on_a_production_host_stays_allowed(world):
    d = world.decide("psql -h db.prod.internal -c 'SELECT count(*) FROM users'")
    assert d.environment == "production"
    assert d.decision == "allow"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "/var/run/postgresql"])
def test_loopback_and_unix_socket_are_local(world, host):
    d = world.decide("psql -h %s -c 'DROP TABLE x'" % host)
    assert ("flag -h", "local") in sources(context_of(d, "psql"))
    assert d.environment == "local"
    assert d.decision == "confirm"   # critical, local


@pytest.mark.parametrize("command", [
    "ssh -L 5432:prod-db:5432 bastion -fN; psql -h 127.0.0.1 -c 'DROP TABLE x'",
    "kubectl port-forward svc/prod-db 5432:5432 & psql -h localhost -c 'DROP TABLE x'",
])
def test_loopback_is_not_local_when_the_line_opens_a_tunnel(world, command):
    d = world.decide(command)
    assert not any(s.environment == "local" for s in context_of(d, "psql").signals)


@pytest.mark.parametrize("command", [
    "ssh -L 5432:prod-db:5432 bastion -fN; psql -h 127.0.0.1 -c 'DROP TABLE x'",
    "kubectl port-forward svc/prod-db 5432:5432 & psql -h localhost -c 'DROP TABLE x'",
])
def test_tunnel_to_a_production_host_lands_in_production(world, command):
    # ENGINE GAP (reported): the tunnel only removes the `local` signal; with no other signal the command is
    # judged as local anyway, so DROP TABLE through a tunnel to prod-db is `confirm` instead of `block`.
    d = world.decide(command)
    assert context_of(d, "psql").environment == "production"
    assert d.decision == "block"


# ---- sources: process environment variables ----------------------------------------------------------------------
ISSUE_ENV_VARIABLES = [
    ("APP_ENV", "production"), ("ENV", "prod"), ("ENVIRONMENT", "production"), ("STAGE", "live"),
    ("DEPLOY_ENV", "prd"), ("NODE_ENV", "production"), ("RAILS_ENV", "production"), ("RACK_ENV", "production"),
    ("MIX_ENV", "prod"), ("FLASK_ENV", "production"), ("RAILWAY_ENVIRONMENT", "production"),
    ("RAILWAY_ENVIRONMENT_NAME", "production"), ("VERCEL_ENV", "production"), ("AWS_PROFILE", "shop-prod"),
    ("AWS_DEFAULT_PROFILE", "prod"), ("TF_WORKSPACE", "prod"), ("CLOUDSDK_CORE_PROJECT", "shop-prod"),
    ("GOOGLE_CLOUD_PROJECT", "shop-production"),
]


@pytest.mark.parametrize("var, value", ISSUE_ENV_VARIABLES)
def test_process_environment_variables(world, var, value):
    d = world.decide("kubectl delete ns x", environ={var: value})
    assert d.decision == "block"
    assert finding(d, "k8s.delete-namespace").environment == "production"
    assert ("environment variable " + var, "production") in sources(context_of(d, "kubectl"))


def test_rails_env_production_in_the_process(world):
    d = world.decide("rails db:drop", environ={"RAILS_ENV": "production"})
    assert d.decision == "block"
    assert d.environment == "production"


@pytest.mark.parametrize("var, value", [
    ("DATABASE_URL", "postgres://app@db.prod.internal/app"), ("PGHOST", "db.prod.internal"),
    ("MYSQL_HOST", "mysql.prod.internal"), ("REDIS_URL", "redis://cache.prod.internal:6379/0"),
    ("MONGODB_URI", "mongodb://mongo.prod.internal/app"),
])
def test_process_connection_variables(world, var, value):
    d = world.decide("psql -c 'DROP TABLE x'", environ={var: value})
    assert d.decision == "block"
    assert ("environment variable %s (host)" % var, "production") in sources(context_of(d, "psql"))


def test_process_variable_naming_a_local_environment(world):
    d = world.decide("kubectl delete pod web-1", environ={"NODE_ENV": "development"})
    assert d.environment == "local"
    assert d.decision == "allow"


def test_no_signal_at_all_is_local(world):
    d = world.decide("kubectl delete pod web-1")
    assert d.environment == "local"
    assert context_of(d, "kubectl").signals == []
    assert d.decision == "allow"


# ---- sources: tool configuration files ----------------------------------------------------------------------------------
KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\ncurrent-context: %s\nusers: []\n"


def test_kubeconfig_current_context(world):
    world.write(".kube/config", KUBECONFIG % "prod-cluster")
    d = world.decide("kubectl delete ns x")
    assert d.decision == "block"
    assert ("kubeconfig current-context", "production") in sources(context_of(d, "kubectl"))
    assert world.decide("kubectl get pods").decision == "allow"


def test_kubeconfig_from_the_KUBECONFIG_variable(world):
    path = world.write("clusters/shop.yaml", KUBECONFIG % "'gke_shop-prod_europe-west1_main'")
    d = world.decide("kubectl delete ns x", environ={"KUBECONFIG": str(path)})
    assert d.decision == "block"
    assert context_of(d, "kubectl").signals[0].value == "gke_shop-prod_europe-west1_main"


def test_explicit_context_flag_replaces_the_kubeconfig_default(world):
    world.write(".kube/config", KUBECONFIG % "prod-cluster")
    d = world.decide("kubectl --context staging-eu delete ns x")
    assert d.environment == "staging"
    assert d.decision == "confirm"


def test_tool_config_is_read_only_for_its_tool(world):
    world.write(".kube/config", KUBECONFIG % "prod-cluster")
    d = world.decide("railway volume delete --volume v --yes")
    assert d.environment == "local"
    assert d.decision == "confirm"


def test_gcloud_active_configuration(world):
    world.write(".config/gcloud/active_config", "shop\n")
    world.write(".config/gcloud/configurations/config_shop", "[core]\naccount = dev@example.com\nproject = shop-prod\n")
    d = world.decide("gcloud sql instances delete db1 --quiet")
    assert d.decision == "block"
    assert ("gcloud active configuration", "production") in sources(context_of(d, "gcloud"))


def test_gcloud_configuration_named_by_variable(world):
    world.write(".config/gcloud/active_config", "default\n")
    world.write(".config/gcloud/configurations/config_default", "[core]\nproject = shop-dev\n")
    world.write(".config/gcloud/configurations/config_prod", "[core]\nproject = shop-prod\n")
    assert world.decide("gcloud sql instances delete db1 --quiet").environment == "local"
    d = world.decide("gcloud sql instances delete db1 --quiet", environ={"CLOUDSDK_ACTIVE_CONFIG_NAME": "prod"})
    assert d.environment == "production"


def test_terraform_workspace_file_in_cwd(world):
    world.write(world.project / ".terraform" / "environment", "prod")
    d = world.decide("terraform destroy")
    assert d.environment == "production"
    assert ("terraform workspace", "production") in sources(context_of(d, "terraform"))
    assert d.decision == "confirm"   # terraform.destroy is high: confirm in production


def test_terraform_workspace_follows_cd(world):
    world.write(world.project / "envs" / "eu" / ".terraform" / "environment", "prod")
    assert world.decide("terraform destroy").environment == "local"
    assert world.decide("cd envs/eu && terraform destroy").environment == "production"


def test_terraform_workspace_of_the_chdir_directory(world):
    # ENGINE GAP (reported): `-chdir=DIR` runs terraform in DIR, whose .terraform/environment says prod;
    # agentsh reads the workspace file of the cwd only.
    world.write(world.project / "envs" / "eu" / ".terraform" / "environment", "prod")
    d = world.decide("terraform -chdir=envs/eu destroy")
    assert d.environment == "production"


def test_railway_linked_environment(world):
    world.write(".railway/config.json", json.dumps({"projects": {
        str(world.project): {"projectPath": str(world.project), "project": "p1", "environment": "e1",
                             "environmentName": "production"},
        str(world.home / "work" / "blog"): {"environmentName": "staging"}}}))
    d = world.decide("railway volume delete --volume v --yes")
    assert d.decision == "block"
    assert ("railway linked environment", "production") in sources(context_of(d, "railway"))
    sub = world.project / "api"
    sub.mkdir()
    assert world.decide("railway volume delete --volume v --yes", cwd=sub).environment == "production"
    blog = world.home / "work" / "blog"
    (blog / ".git").mkdir(parents=True)
    assert world.decide("railway volume delete --volume v --yes", cwd=blog).environment == "staging"
    assert world.decide("railway status").decision == "allow"


# ---- names ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("prod", "production"), ("production", "production"), ("prd", "production"), ("live", "production"),
    ("PROD", "production"), ("shop-prod", "production"), ("ShopProduction", "production"),
    ("gke_shop-prod_europe-west1", "production"), ("api.prd.example.com", "production"), ("live-site", "production"),
    ("productivity", None), ("prodigy", None), ("olive", None), ("delivery", None), ("livestream", None),
    ("staging", "staging"), ("shop-stg", "staging"), ("uat", "staging"),
    ("dev", "local"), ("development", "local"), ("", None), ("main", None),
])
def test_classify_name(name, expected):
    assert classify_name(name) == expected


def test_name_parts():
    assert name_parts("gke_shop-prod_eu") == ["gke", "shop", "prod", "eu"]
    assert name_parts("ShopProduction") == ["shop", "production"]


def test_productivity_is_not_production(world):
    d = world.decide("kubectl --context productivity delete ns x")
    assert d.environment == "local"
    assert d.decision == "confirm"


def test_classify_host():
    assert classify_host("db.prod.internal") == "production"
    assert classify_host("localhost") == "local"
    assert classify_host("127.0.0.5") == "local"
    assert classify_host("[::1]") == "local"
    assert classify_host("/tmp/.s.PGSQL.5432") == "local"
    assert classify_host("127.0.0.1", tunnel=True) is None
    assert classify_host("db.internal") is None


def test_user_configured_single_word_name(world):
    world.user_config('[environments]\nproduction = ["shopfront"]\nstaging = ["Canary"]\n')
    settings = load_settings(world.environ, str(world.project))
    assert classify_name("shopfront-eu", settings.names) == "production"
    assert classify_name("canary", settings.names) == "staging"
    assert "prod" in settings.names["production"]   # the defaults stay
    d = world.decide("kubectl --context shopfront delete ns x")
    assert d.decision == "block"


def test_user_configured_name_with_a_separator(world):
    # ENGINE BUG (reported): configured names are compared with the *parts* of a name, so a configured name that
    # itself has a separator (`main-site`) can never match: `kubectl --context main-site delete ns x` is local.
    world.user_config('[environments]\nproduction = ["main-site"]\n')
    settings = load_settings(world.environ, str(world.project))
    assert classify_name("main-site", settings.names) == "production"
    assert world.decide("kubectl --context main-site delete ns x").decision == "block"


def test_a_configured_name_does_not_leak_to_the_defaults(world):
    world.user_config('[environments]\nproduction = ["shopfront"]\n')
    assert classify_name("shopfront") is None
    assert "shopfront" not in DEFAULT_NAMES["production"]


# ---- conflicting signals --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command, environ, expected, decision", [
    ("kubectl --context staging-eu -n prod delete deployment web", {}, "production", "confirm"),
    ("kubectl --context staging-eu -n prod delete ns x", {}, "production", "block"),
    ("kubectl --context dev-eu -n staging delete ns x", {}, "staging", "confirm"),
    ("kubectl --context prod-eu delete ns x", {"NODE_ENV": "development"}, "production", "block"),
    ("RAILS_ENV=staging rails db:drop", {"DATABASE_URL": "postgres://app@db.prod.internal/app"}, "production",
     "block"),
])
def test_conflicting_signals_most_severe_wins(world, command, environ, expected, decision):
    d = world.decide(command, environ=environ)
    c = context_of(d, [w for w in command.split() if "=" not in w][0])
    assert c.conflict() is True
    assert len({s.environment for s in c.signals}) >= 2
    assert c.environment == expected
    assert d.decision == decision


def test_agreeing_signals_are_no_conflict(world):
    d = world.decide("kubectl --context prod-eu -n prod delete ns x")
    assert context_of(d, "kubectl").conflict() is False


def test_explain_shows_the_conflict(world):
    p = world.cli("explain", "kubectl --context staging-eu -n prod delete ns x")
    assert p.returncode == 1, p.stderr
    assert "where each command lands" in p.stdout
    assert "signals disagree" in p.stdout
    assert "flag -n = prod -> production" in p.stdout


# ---- declarations -----------------------------------------------------------------------------------------------------
def test_workspace_declared_in_user_config(world):
    world.declare_workspace("staging")
    d = world.decide("kubectl delete ns x")
    c = context_of(d, "kubectl")
    assert c.declared[0] == "staging" and "workspace" in c.declared[1]
    assert d.environment == "staging"
    assert d.decision == "confirm"
    sub = world.project / "services" / "api"
    sub.mkdir(parents=True)
    assert world.decide("kubectl delete ns x", cwd=sub).environment == "staging"


def test_workspace_declaration_matches_whole_directories(world):
    world.declare_workspace("production", path="~/work/sho")
    assert world.decide("kubectl delete pod web-1").environment == "local"


def test_workspace_declared_with_an_absolute_path(world):
    world.declare_workspace("production", path=str(world.project))
    d = world.decide("kubectl delete pod web-1")
    assert d.environment == "production"
    assert d.decision == "confirm"   # write in production


def test_project_declared_in_agentsh_toml(world):
    world.project_config('environment = "staging"\n')
    d = world.decide("kubectl delete pod web-1")
    c = context_of(d, "kubectl")
    assert c.declared == ("staging", "project %s" % (world.project / ".agentsh.toml"))
    assert d.environment == "staging"
    assert d.decision == "allow"


def test_project_declared_by_a_name(world):
    world.project_config('environment = "shop-prod"\n')
    assert world.decide("kubectl delete pod web-1").environment == "production"


@pytest.mark.parametrize("command, environ", [
    ("kubectl --context prod delete ns x", {}),
    ("kubectl delete ns x", {"RAILS_ENV": "production"}),
    ("APP_ENV=production kubectl delete ns x", {}),
])
def test_a_declaration_never_lowers(world, command, environ):
    world.project_config('environment = "local"\n')
    d = world.decide(command, environ=environ)
    assert context_of(d, "kubectl").declared[0] == "local"
    assert d.environment == "production"
    assert d.decision == "block"


def test_a_workspace_declaration_never_lowers(world):
    world.declare_workspace("local")
    d = world.decide("kubectl --context prod-eu delete ns x")
    assert d.environment == "production"
    assert d.decision == "block"


def test_a_declaration_raises(world):
    world.project_config('environment = "production"\n')
    d = world.decide("kubectl --context dev-eu delete pod web-1")
    assert d.environment == "production"
    assert d.decision == "confirm"


def test_the_most_severe_declaration_wins(world):
    world.declare_workspace("staging")
    world.project_config('environment = "production"\n')
    c = context_of(world.decide("kubectl delete pod web-1"), "kubectl")
    assert c.declared[0] == "production"


def test_settings_declared_directly():
    s = Settings(workspaces=[("/srv/shop", "staging")], project_env="production", project_file="/srv/shop/.agentsh.toml")
    assert s.declared("/srv/shop/api") == ("production", "project /srv/shop/.agentsh.toml")
    assert Settings(workspaces=[("/srv/shop", "staging")]).declared("/srv/shop/api")[0] == "staging"
    assert Settings(workspaces=[("/srv/shop", "staging")]).declared("/srv/shopping") == (None, None)


def test_invalid_user_config_fails_closed(world):
    world.user_config("[[workspace]\npath = \n")
    with pytest.raises(ValueError):
        load_settings(world.environ, str(world.project))
    p = world.cli("check", stdin="ls\n")
    assert p.returncode == 2
    assert "invalid configuration" in p.stderr


def test_invalid_project_file_is_ignored_with_a_note(world):
    world.project_config("environment = \n")
    s = load_settings(world.environ, str(world.project))
    assert s.project_env is None
    assert s.notes and ".agentsh.toml" in s.notes[0]


# ---- credentials: the store -----------------------------------------------------------------------------------------
def test_credential_store_add_lookup_remove(world):
    store = CredentialStore(world.environ)
    assert not store.exists()
    assert store.lookup(PROD_TOKEN) is None
    store.add("RAILWAY_TOKEN", PROD_TOKEN, "production", "deploy token")
    assert store.exists()
    fresh = CredentialStore(world.environ)
    var, entry = fresh.lookup(PROD_TOKEN)
    assert var == "RAILWAY_TOKEN"
    assert entry["environment"] == "production" and entry["label"] == "deploy token"
    assert fresh.lookup(STAGING_TOKEN) is None
    assert fresh.lookup("") is None
    assert fresh.remove("RAILWAY_TOKEN") is True
    assert CredentialStore(world.environ).lookup(PROD_TOKEN) is None
    assert CredentialStore(world.environ).remove("RAILWAY_TOKEN") is False


def test_credential_store_keeps_no_value(world):
    store = CredentialStore(world.environ)
    store.add("RAILWAY_TOKEN", PROD_TOKEN, "production")
    store.add("STAGING_RAILWAY_TOKEN", STAGING_TOKEN, "staging")
    state = world.home / ".state" / "agentsh"
    assert store.path == str(state / "credentials.json")
    files = sorted(p for p in state.rglob("*") if p.is_file())
    assert files, "nothing stored"
    for p in files:
        data = p.read_bytes()
        for secret in (PROD_TOKEN, STAGING_TOKEN):
            assert secret.encode() not in data, p
        assert p.stat().st_mode & 0o077 == 0, "%s is readable by others" % p
    stored = json.loads((state / "credentials.json").read_text())
    assert set(stored) == {"RAILWAY_TOKEN", "STAGING_RAILWAY_TOKEN"}
    assert set(stored["RAILWAY_TOKEN"]) == {"fingerprint", "environment", "label"}
    assert stored["RAILWAY_TOKEN"]["fingerprint"] != stored["STAGING_RAILWAY_TOKEN"]["fingerprint"]


def test_fingerprints_are_keyed_per_user(world, tmp_path):
    a = CredentialStore(world.environ)
    b = CredentialStore({"HOME": str(tmp_path / "other"), "XDG_STATE_HOME": str(tmp_path / "other-state")})
    a.add("RAILWAY_TOKEN", PROD_TOKEN, "production")
    b.add("RAILWAY_TOKEN", PROD_TOKEN, "production")
    assert a.entries()["RAILWAY_TOKEN"]["fingerprint"] != b.entries()["RAILWAY_TOKEN"]["fingerprint"]
    import hashlib
    assert a.entries()["RAILWAY_TOKEN"]["fingerprint"] not in hashlib.sha256(PROD_TOKEN.encode()).hexdigest()


def test_creds_cli_add_list_rm_never_show_values(world):
    p = world.cli("creds", "add", "RAILWAY_TOKEN", "--env", "prod", "--label", "deploy",
                  environ={"RAILWAY_TOKEN": PROD_TOKEN})
    assert p.returncode == 0, p.stderr
    assert "registered RAILWAY_TOKEN as production" in p.stdout
    assert PROD_TOKEN not in p.stdout + p.stderr
    fingerprint = json.loads((world.home / ".state" / "agentsh" / "credentials.json").read_text())[
        "RAILWAY_TOKEN"]["fingerprint"]
    p = world.cli("creds", "list", "--json", environ={"RAILWAY_TOKEN": PROD_TOKEN})
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == [{"name": "RAILWAY_TOKEN", "environment": "production", "label": "deploy"}]
    assert PROD_TOKEN not in p.stdout and fingerprint not in p.stdout
    p = world.cli("creds", "list")
    assert "RAILWAY_TOKEN" in p.stdout and "production" in p.stdout and fingerprint not in p.stdout
    p = world.cli("creds", "rm", "RAILWAY_TOKEN")
    assert p.returncode == 0 and "removed RAILWAY_TOKEN" in p.stdout
    assert json.loads(world.cli("creds", "list", "--json").stdout) == []
    assert world.cli("creds", "rm", "RAILWAY_TOKEN").returncode == 2


@pytest.mark.parametrize("args, environ, message", [
    (("creds", "add", "RAILWAY_TOKEN", "--env", "production"), {}, "not set"),
    (("creds", "add", "RAILWAY_TOKEN", "--env", "banana"), {"RAILWAY_TOKEN": PROD_TOKEN}, "does not name"),
])
def test_creds_add_errors(world, args, environ, message):
    p = world.cli(*args, environ=environ)
    assert p.returncode == 2
    assert message in p.stderr
    assert not (world.home / ".state" / "agentsh" / "credentials.json").exists()


# ---- credentials: mismatch ----------------------------------------------------------------------------------------
@pytest.fixture
def incident(world):
    """The PocketOS set-up: the workspace is declared staging, the token in the environment is production's."""
    world.declare_workspace("staging")
    world.register("RAILWAY_TOKEN", PROD_TOKEN, "production", "prod deploy")
    world.environ["RAILWAY_TOKEN"] = PROD_TOKEN
    return world


def test_production_token_in_a_staging_workspace_blocks(incident):
    d = incident.decide("railway volume delete --volume v --yes")
    assert d.decision == "block"
    m = finding(d, "context.credential-mismatch")
    assert "RAILWAY_TOKEN" in m.message and "production" in m.message and "staging" in m.message
    assert m.environment == "mismatch"
    assert finding(d, "railway.volume-delete").environment == "mismatch"
    c = context_of(d, "railway")
    assert c.mismatch and c.declared[0] == "staging"
    assert ("env RAILWAY_TOKEN", "RAILWAY_TOKEN", "production", "environment") in c.credentials
    assert PROD_TOKEN not in m.message


def test_staging_token_in_a_production_workspace_mismatches(world):
    world.declare_workspace("production")
    world.register("RAILWAY_TOKEN", STAGING_TOKEN, "staging")
    d = world.decide("railway volume delete --volume v --yes", environ={"RAILWAY_TOKEN": STAGING_TOKEN})
    assert d.decision == "block"
    m = finding(d, "context.credential-mismatch")
    assert "RAILWAY_TOKEN" in m.message and "staging" in m.message


def test_mismatch_against_resolved_signals_without_a_declaration(world):
    world.register("RAILWAY_TOKEN", PROD_TOKEN, "production")
    d = world.decide("railway -e staging volume detach --volume v --yes", environ={"RAILWAY_TOKEN": PROD_TOKEN})
    assert d.decision == "block"                       # high on a mismatch: block (it is confirm in staging)
    assert "resolved staging" in finding(d, "context.credential-mismatch").message


def test_matching_token_is_no_mismatch(world):
    world.declare_workspace("production")
    world.register("RAILWAY_TOKEN", PROD_TOKEN, "production")
    d = world.decide("railway volume detach --volume v --yes", environ={"RAILWAY_TOKEN": PROD_TOKEN})
    assert "context.credential-mismatch" not in rules_of(d)
    assert d.decision == "confirm"    # high in production


def test_a_registered_token_alone_says_where_the_command_lands(world):
    world.register("RAILWAY_TOKEN", PROD_TOKEN, "production")
    d = world.decide("railway volume delete --volume v --yes", environ={"RAILWAY_TOKEN": PROD_TOKEN})
    assert d.environment == "production"
    assert "context.credential-mismatch" not in rules_of(d)
    assert d.decision == "block"


def test_unregistered_token_changes_nothing(world):
    world.declare_workspace("staging")
    world.register("RAILWAY_TOKEN", PROD_TOKEN, "production")
    d = world.decide("railway volume delete --volume v --yes", environ={"RAILWAY_TOKEN": "some-other-token-value"})
    assert "context.credential-mismatch" not in rules_of(d)
    assert d.decision == "confirm"


@pytest.mark.parametrize("command", ["railway status", "railway logs", "railway volume list"])
def test_reads_with_a_mismatched_token_stay_allowed(incident, command):
    d = incident.decide(command)
    assert d.decision == "allow"
    assert d.findings == []


def test_a_token_only_counts_for_programs_that_read_it(incident):
    d = incident.decide("kubectl delete pod web-1")
    assert context_of(d, "kubectl").credentials == []
    assert d.decision == "allow"


def test_mismatch_through_a_variable_in_a_header(incident):
    d = incident.decide('curl -X POST %s -H "Authorization: Bearer $RAILWAY_TOKEN" -d \'%s\''
                        % (GRAPHQL_URL, VOLUME_DELETE_BODY))
    assert d.decision == "block"
    assert "RAILWAY_TOKEN" in finding(d, "context.credential-mismatch").message
    assert "http.railway-volume-delete" in rules_of(d)
    assert "context.credential-provenance" not in rules_of(d)   # a variable is the expected way


# ---- credentials: provenance -----------------------------------------------------------------------------------------
def test_registered_token_pasted_into_an_assignment(incident):
    d = incident.decide("RAILWAY_TOKEN=%s railway volume delete --volume v --yes" % PROD_TOKEN)
    assert d.decision == "block"
    f = finding(d, "railway.volume-delete")
    assert f.raised is True and f.severity == "catastrophic"
    p = finding(d, "context.credential-provenance")
    assert "pasted literally" in p.message and "RAILWAY_TOKEN" in p.message
    assert PROD_TOKEN not in p.message
    assert "context.credential-mismatch" in rules_of(d)


def test_registered_token_pasted_into_a_header(world):
    world.register("RAILWAY_TOKEN", PROD_TOKEN, "production")
    d = world.decide("curl -X POST %s -H 'Authorization: Bearer %s' -d '%s'"
                     % (GRAPHQL_URL, PROD_TOKEN, VOLUME_DELETE_BODY))
    assert d.decision == "block"
    f = finding(d, "http.railway-volume-delete")
    assert f.raised is True and f.severity == "catastrophic"
    p = finding(d, "context.credential-provenance")
    assert "header Authorization" in p.message and "RAILWAY_TOKEN" in p.message


def test_unregistered_literal_bearer_token_raises_one_level(world):
    # ENGINE BUG (reported, same cause as test_token_from_a_file_into_a_curl_header): http.delete is a payload
    # fact's finding, placed with _Placement.line(), which starts from a fresh `local` context and only replaces it
    # for a more severe environment or a mismatch, so the curl's raise_by=1 is dropped when it lands locally.
    d = world.decide("curl -X DELETE https://api.example.com/v1/things/1 -H 'Authorization: Bearer abc123literal'")
    f = finding(d, "http.delete")
    assert f.raised is True and f.severity == "critical"     # high, raised one level
    assert "context.credential-provenance" in rules_of(d)
    plain = world.decide("curl -X DELETE https://api.example.com/v1/things/1")
    assert finding(plain, "http.delete").raised is False
    assert finding(plain, "http.delete").severity == "high"


@pytest.mark.parametrize("command", [
    'railway volume delete --volume v --yes --token "$(cat token.txt)"',
    'RAILWAY_TOKEN="$(cat token.txt)" railway volume delete --volume v --yes',
    'railway volume delete --volume v --yes --token "$(grep prod secrets.env | cut -d= -f2)"',
])
def test_token_read_from_a_file_in_the_same_line(world, command):
    d = world.decide(command)
    c = context_of(d, "railway")
    assert any(origin == "substitution" for _slot, _var, _env, origin in c.credentials)
    assert c.raise_by == 1
    f = finding(d, "railway.volume-delete")
    assert f.raised is True and f.severity == "catastrophic"
    assert d.decision == "block"
    assert "read at run time" in finding(d, "context.credential-provenance").message


def test_token_from_a_file_into_a_curl_header(world):
    # ENGINE BUG (reported): payload facts carry no origin command (Analysis.payload_fact never sets
    # Fact.origin), so their findings take the line's context instead of the curl's: the provenance raise of the
    # curl is lost (critical in local: confirm, not block).
    d = world.decide('curl -X POST %s -H "Authorization: Bearer $(cat token.txt)" -d \'%s\''
                     % (GRAPHQL_URL, VOLUME_DELETE_BODY))
    assert finding(d, "http.railway-volume-delete").raised is True
    assert "context.credential-provenance" in rules_of(d)
    assert d.decision == "block"


def test_token_through_its_variable_is_not_raised(incident):
    d = incident.decide('railway volume detach --volume v --yes --token "$RAILWAY_TOKEN"')
    assert finding(d, "railway.volume-detach").raised is False
    assert "context.credential-provenance" not in rules_of(d)


def test_password_in_a_url_is_a_pasted_credential(world):
    d = world.decide("psql postgres://app:%s@db.prod.internal/app -c 'DROP TABLE x'" % PG_PROD_PASSWORD)
    assert finding(d, "sql.drop-table").raised is True
    assert "password in URL" in finding(d, "context.credential-provenance").message
    assert PG_PROD_PASSWORD not in json.dumps(d.as_json())


def test_findings_name_the_variable_never_the_value(incident):
    for command in ("railway volume delete --volume v --yes",
                    "RAILWAY_TOKEN=%s railway volume delete --volume v --yes" % PROD_TOKEN,
                    "curl -X POST %s -H 'Authorization: Bearer %s' -d '%s'" % (GRAPHQL_URL, PROD_TOKEN,
                                                                               VOLUME_DELETE_BODY)):
        d = incident.decide(command)
        for f in d.findings:
            assert PROD_TOKEN not in f.message + f.why + f.safer
        assert PROD_TOKEN not in json.dumps(d.as_json())


# ---- the same command across environments (design notes section 4, docs/rules.md) -------------------------------
POLICY = [
    # command (after `kubectl`), rule, decision per local / staging / production / mismatch
    ("delete deployment web", "k8s.delete-workload", ("confirm", "confirm", "confirm", "block")),      # high
    ("delete ns x", "k8s.delete-namespace", ("confirm", "confirm", "block", "block")),                # critical
    ("delete pod web-1", "k8s.delete", ("allow", "allow", "confirm", "confirm")),                     # write
    ("get pods", None, ("allow", "allow", "allow", "allow")),                                         # read
]
COLUMNS = ("local", "staging", "production")
KUBE_CONTEXT_FOR = {"local": "dev-eu", "staging": "staging-eu", "production": "prod-eu"}


@pytest.mark.parametrize("args, rule, expected", POLICY)
@pytest.mark.parametrize("column", COLUMNS)
def test_policy_with_a_forced_environment(world, args, rule, expected, column):
    d = world.decide("kubectl " + args, environment=column)
    assert d.environment == column
    assert d.decision == expected[COLUMNS.index(column)]
    if rule:
        assert finding(d, rule).environment == column


@pytest.mark.parametrize("args, rule, expected", POLICY)
@pytest.mark.parametrize("column", COLUMNS)
def test_policy_with_a_resolved_environment(world, args, rule, expected, column):
    d = world.decide("kubectl --context %s %s" % (KUBE_CONTEXT_FOR[column], args))
    assert d.environment == column
    assert d.decision == expected[COLUMNS.index(column)]
    if rule:
        assert finding(d, rule).environment == column


@pytest.mark.parametrize("args, rule, expected", POLICY)
def test_policy_on_a_credential_mismatch(world, args, rule, expected):
    world.declare_workspace("staging")
    world.register("KUBE_TOKEN", KUBE_PROD_TOKEN, "production")
    d = world.decide('kubectl --token "$KUBE_TOKEN" ' + args, environ={"KUBE_TOKEN": KUBE_PROD_TOKEN})
    assert d.decision == expected[3]
    if rule:
        assert finding(d, rule).environment == "mismatch"
        assert "KUBE_TOKEN" in finding(d, "context.credential-mismatch").message
    else:
        assert d.findings == []


READS = [
    ("kubectl get pods", "kubectl --context prod-eu get pods"),
    ("railway status", "railway -e production status"),
    ("railway logs", "railway -e production logs"),
    ("aws s3 ls", "aws --profile prod s3 ls"),
    ("psql -c 'SELECT * FROM users LIMIT 5'", "psql -h db.prod.internal -c 'SELECT * FROM users LIMIT 5'"),
]


@pytest.mark.parametrize("plain, production", READS)
def test_reads_are_allowed_everywhere(world, plain, production):
    for column in COLUMNS:
        assert world.decide(plain, environment=column).decision == "allow", column
    d = world.decide(production)
    assert d.environment == "production"
    assert d.decision == "allow"
    world.declare_workspace("staging")
    world.register("RAILWAY_TOKEN", PROD_TOKEN, "production")
    world.register("AWS_ACCESS_KEY_ID", AWS_PROD_KEY, "production")
    world.register("PGPASSWORD", PG_PROD_PASSWORD, "production")
    world.register("KUBE_TOKEN", KUBE_PROD_TOKEN, "production")
    environ = {"RAILWAY_TOKEN": PROD_TOKEN, "AWS_ACCESS_KEY_ID": AWS_PROD_KEY, "PGPASSWORD": PG_PROD_PASSWORD,
               "KUBE_TOKEN": KUBE_PROD_TOKEN}
    command = plain.replace("kubectl ", 'kubectl --token "$KUBE_TOKEN" ')
    d = world.decide(command, environ=environ)
    assert context_of(d, command.split()[0]).mismatch, "the set-up should be a mismatch"
    assert d.decision == "allow"


# ---- CLI: check --env, context --------------------------------------------------------------------------------------
def test_check_env_forces_the_environment(world):
    lines = "kubectl delete ns x\nkubectl delete pod web-1\nkubectl get pods\n"
    p = world.cli("check", "--env", "production", "--json", stdin=lines)
    assert p.returncode == 1, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert [r["decision"] for r in rows] == ["block", "confirm", "allow"]
    assert {r["environment"] for r in rows} == {"production"}
    p = world.cli("check", "--env", "local", "--json", stdin=lines)
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert [r["decision"] for r in rows] == ["confirm", "allow", "allow"]
    assert {r["environment"] for r in rows} == {"local"}


def test_check_env_overrides_a_declaration(world):
    world.project_config('environment = "production"\n')
    p = world.cli("check", "--json", stdin="kubectl delete pod web-1\n")
    assert json.loads(p.stdout)["decision"] == "confirm"
    p = world.cli("check", "--env", "staging", "--json", stdin="kubectl delete pod web-1\n")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {**json.loads(p.stdout), "decision": "allow", "environment": "staging"}


def test_check_env_rejects_unknown_names(world):
    p = world.cli("check", "--env", "moon", stdin="ls\n")
    assert p.returncode == 2
    assert "--env must be one of" in p.stderr


def test_check_resolves_without_env(world):
    p = world.cli("check", "--json", stdin="kubectl --context prod-eu delete ns x\nkubectl delete ns x\n")
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert [(r["decision"], r["environment"]) for r in rows] == [("block", "production"), ("confirm", "local")]


def test_context_json(world):
    world.declare_workspace("staging")
    world.register("RAILWAY_TOKEN", PROD_TOKEN, "production", "prod deploy")
    world.register("GITHUB_TOKEN", "ghp-not-set-here-000000", "staging")
    world.register("VERCEL_TOKEN", "vercel-registered-value-1", "production")
    p = world.cli("context", "--json", environ={"CLAUDECODE": "1", "RAILS_ENV": "production",
                                                "RAILWAY_TOKEN": PROD_TOKEN, "VERCEL_TOKEN": "another-value"})
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert info["environment"] == "production"
    assert {"source": "environment variable RAILS_ENV", "value": "production",
            "environment": "production"} in info["signals"]
    assert info["declared"]["environment"] == "staging" and "workspace" in info["declared"]["source"]
    assert info["conflict"] is False
    creds = {c["name"]: c for c in info["credentials"]}
    assert creds["RAILWAY_TOKEN"] == {"name": "RAILWAY_TOKEN", "environment": "production", "label": "prod deploy",
                                      "here": "matches"}
    assert creds["GITHUB_TOKEN"]["here"] == "not set here"
    assert creds["VERCEL_TOKEN"]["here"] == "set, different value"
    assert info["agent"] == {"name": "claude-code", "detected_by": "environment variable CLAUDECODE"}
    assert info["tty"] == {"stdin": False, "stdout": False}
    assert info["cwd"] == str(world.project) and info["project"] == str(world.project)
    assert PROD_TOKEN not in p.stdout and "another-value" not in p.stdout


def test_context_text(world):
    world.register("RAILWAY_TOKEN", PROD_TOKEN, "production")
    p = world.cli("context", environ={"CURSOR_AGENT": "1", "RAILWAY_TOKEN": PROD_TOKEN})
    assert p.returncode == 0, p.stderr
    assert "cursor" in p.stdout and "RAILWAY_TOKEN" in p.stdout
    assert PROD_TOKEN not in p.stdout


@pytest.mark.parametrize("environ, agent", [
    ({"CLAUDECODE": "1"}, "claude-code"), ({"CLAUDE_CODE_ENTRYPOINT": "cli"}, "claude-code"),
    ({"CURSOR_AGENT": "1"}, "cursor"), ({"CODEX_SANDBOX": "seatbelt"}, "codex"), ({"GEMINI_CLI": "1"}, "gemini"),
])
def test_detect_agent_from_markers(environ, agent):
    name, how = detect_agent(environ)
    assert name == agent
    assert list(environ)[0] in how


def test_decision_records_the_agent(world):
    ctx = world.context(environ={"CLAUDECODE": "1"})
    ctx = ctx.replace(agent=detect_agent(ctx.environ))
    d = analyze("ls", ctx, world.compiled)
    assert d.agent[0] == "claude-code"

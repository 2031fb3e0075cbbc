"""Stage 6: where a command lands and whose credential it carries.

For every command agentsh resolves an environment (`local`, `staging`, `production`) from signals, cheapest
first and without spawning any tool: assignments on the command line, the command's own flags, connection
strings and hosts, process environment variables, and (lazily, only for the tool the command uses) the tool's
config file. Workspace declarations (user config, project `.agentsh.toml`) set a floor and never lower what
the signals say. When signals disagree, the most severe wins and the conflict is kept for `explain`.

Credentials: `agentsh creds add VAR --env NAME` stores a keyed fingerprint of VAR's value. At decision time the
credentials in play (well-known variables, Authorization/*-Token headers, --token flags, passwords in URLs) are
fingerprinted and looked up. A production credential used where everything else says staging (or the reverse)
is a credential mismatch: policy's strictest column. A credential pasted literally, or read from a file in the
same line, raises the command's findings one level. Values are never stored, logged or printed.
"""
from __future__ import annotations

import os

RANK = {None: 0, "local": 1, "staging": 2, "production": 3}

DEFAULT_NAMES = {
    "production": ("prod", "production", "prd", "live"),
    "staging": ("staging", "stage", "stg", "preprod", "uat", "qa", "preview"),
    "local": ("local", "dev", "development", "test", "testing", "ci", "sandbox", "localhost"),
}

# process / command-line variables whose value names an environment (catalog 22.2)
ENV_VARIABLES = ("APP_ENV", "ENV", "ENVIRONMENT", "STAGE", "DEPLOY_ENV", "NODE_ENV", "RAILS_ENV", "RACK_ENV",
                 "MIX_ENV", "FLASK_ENV", "RAILWAY_ENVIRONMENT", "RAILWAY_ENVIRONMENT_NAME", "VERCEL_ENV",
                 "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "TF_WORKSPACE", "CLOUDSDK_CORE_PROJECT", "GOOGLE_CLOUD_PROJECT",
                 "GCLOUD_PROJECT", "TARGET_ENV", "DJANGO_SETTINGS_MODULE", "ASPNETCORE_ENVIRONMENT", "SPRING_PROFILES_ACTIVE",
                 "PYTHON_ENV", "GO_ENV", "HEROKU_APP", "FLY_APP", "PULUMI_STACK", "HELM_KUBECONTEXT", "KUBE_CONTEXT",
                 "DOCKER_CONTEXT", "CONTEXT", "SENTRY_ENVIRONMENT", "DD_ENV", "TIER")
# variables holding a connection string or host
CONNECTION_VARIABLES = ("DATABASE_URL", "PGHOST", "MYSQL_HOST", "REDIS_URL", "MONGODB_URI", "MONGO_URL",
                        "POSTGRES_URL", "POSTGRES_HOST", "DB_HOST", "REDIS_HOST")
# variables holding credentials (catalog 22.1)
CREDENTIAL_VARIABLES = ("RAILWAY_TOKEN", "RAILWAY_API_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                        "AWS_SESSION_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "VERCEL_TOKEN",
                        "FLY_API_TOKEN", "FLY_ACCESS_TOKEN", "HEROKU_API_KEY", "SUPABASE_ACCESS_TOKEN",
                        "SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_DB_PASSWORD", "CLOUDFLARE_API_TOKEN", "CF_API_TOKEN",
                        "CLOUDFLARE_API_KEY", "NETLIFY_AUTH_TOKEN", "NEON_API_KEY", "PLANETSCALE_SERVICE_TOKEN",
                        "TURSO_API_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN", "LINODE_CLI_TOKEN", "HCLOUD_TOKEN",
                        "PULUMI_ACCESS_TOKEN", "TFE_TOKEN", "FIREBASE_TOKEN", "AZURE_CLIENT_SECRET", "PGPASSWORD",
                        "MYSQL_PWD", "REDISCLI_AUTH", "STRIPE_SECRET_KEY", "STRIPE_API_KEY", "NPM_TOKEN",
                        "DATABASE_URL", "MONGODB_URI", "REDIS_URL")
# flags that name where a command lands, per program (catalog 22.1 and 22.2)
ENV_FLAGS = {
    "kubectl": ("--context", "--cluster", "-n", "--namespace"), "oc": ("--context", "--cluster", "-n", "--namespace"),
    "helm": ("--kube-context", "-n", "--namespace"), "helmfile": ("-e", "--environment", "--kube-context"),
    "aws": ("--profile",), "gcloud": ("--project", "--configuration"), "gsutil": ("-p",), "bq": ("--project_id",),
    "az": ("--subscription", "-g", "--resource-group"),
    "railway": ("-e", "--environment", "-p", "--project", "-s", "--service"),
    "heroku": ("-a", "--app", "-r", "--remote"), "fly": ("-a", "--app"), "flyctl": ("-a", "--app"),
    "vercel": ("--environment", "--target", "--scope"), "netlify": ("--context", "--site"),
    "wrangler": ("--env", "-e"), "pulumi": ("-s", "--stack"), "terraform": ("-var-file", "-chdir"),
    "tofu": ("-var-file", "-chdir"), "terragrunt": ("-var-file",), "supabase": ("--project-ref",),
    "neonctl": ("--project-id", "--branch"), "pscale": ("--org",), "firebase": ("-P", "--project"),
    "doctl": ("--context",), "hcloud": ("--context",), "docker": ("--context", "-H", "--host"),
    "serverless": ("--stage", "-s"), "sls": ("--stage", "-s"), "cdk": ("-c", "--context"),
    "rails": ("-e", "--environment"), "rake": (), "mix": (), "ansible-playbook": ("-i", "--inventory", "-l", "--limit"),
    "psql": ("-h", "--host", "-d", "--dbname"), "mysql": ("-h", "--host"), "redis-cli": ("-h", "-u"),
    "mongosh": ("--host",), "pg_dump": ("-h", "--host", "-d", "--dbname"), "sqlcmd": ("-S",),
}
HTTP_PROGRAMS = frozenset({"curl", "wget", "http", "https", "xh", "xhs"})
# programs whose URL or connection-string arguments name the host they act on
HOST_PROGRAMS = HTTP_PROGRAMS | {"psql", "mysql", "redis-cli", "mongosh", "pg_dump", "pg_restore", "mongo",
                                 "mongodump", "mongorestore", "pgcli", "mycli", "clickhouse-client"}


def _keyword_host(text: str) -> str | None:
    """`host=prod-db dbname=app` (libpq keyword/value connection string)."""
    for part in text.split():
        if part.startswith("host="):
            return part[5:].strip("'\"")
    return None


PRODUCTION_SWITCHES = {"vercel": ("--prod", "--production"), "netlify": ("--prod",), "supabase": ("--linked",),
                       "wrangler": ("--remote",), "npm": (), "railway": ()}
TUNNEL_PROGRAMS = {"ssh": ("-L",), "kubectl": ("port-forward",), "cloud-sql-proxy": (), "cloud_sql_proxy": (),
                   "pscale": ("connect",), "fly": ("proxy",), "flyctl": ("proxy",)}
AGENT_MARKERS = (("CLAUDECODE", "claude-code"), ("CLAUDE_CODE_ENTRYPOINT", "claude-code"),
                 ("CURSOR_AGENT", "cursor"), ("CURSOR_TRACE_ID", "cursor"), ("CODEX_SANDBOX", "codex"),
                 ("CODEX_THREAD_ID", "codex"), ("GEMINI_CLI", "gemini"), ("COPILOT_AGENT_SESSION_ID", "copilot"),
                 ("CLINE_ACTIVE", "cline"), ("ROO_ACTIVE", "roo-code"), ("AIDER", "aider"),
                 ("OPENHANDS", "openhands"), ("GOOSE_TERMINAL", "goose"), ("REPLIT_AGENT", "replit"),
                 ("AMP_CURRENT_THREAD_ID", "amp"), ("OPENCODE", "opencode"), ("__COG_BASHRC_SOURCED", "devin"))
AGENT_PROCESSES = {"claude": "claude-code", "cursor": "cursor", "cursor-agent": "cursor", "codex": "codex",
                   "gemini": "gemini", "goose": "goose", "aider": "aider", "openhands": "openhands",
                   "cline": "cline", "copilot": "copilot", "opencode": "opencode"}
LOOPBACK = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "[::1]", "host.docker.internal")


class Signal:
    """One piece of evidence about where a command lands."""
    __slots__ = ("source", "value", "environment")

    def __init__(self, source, value, environment):
        self.source, self.value, self.environment = source, value, environment

    def as_json(self):
        return {"source": self.source, "value": self.value, "environment": self.environment}

    def __repr__(self):
        return "Signal(%r, %r, %r)" % (self.source, self.value, self.environment)


# ---- names ---------------------------------------------------------------------------------------------------
def name_parts(value: str) -> list:
    """`gke_shop-prod_eu` -> [gke, shop, prod, eu]; `ShopProduction` -> [shop, production]."""
    parts, cur = [], []
    prev = ""
    for ch in value:
        if ch.isalnum():
            if ch.isupper() and prev.islower() and cur:
                parts.append("".join(cur))
                cur = []
            cur.append(ch.lower())
        elif cur:
            parts.append("".join(cur))
            cur = []
        prev = ch
    if cur:
        parts.append("".join(cur))
    return parts


def classify_name(value: str, names=DEFAULT_NAMES) -> str | None:
    """production if a production word is a part of the name (or, for configured names like `main-site`, a
    run of its parts); else staging; else local; else unknown."""
    if not value:
        return None
    parts = name_parts(value)
    partset = set(parts)
    for env in ("production", "staging", "local"):
        for word in names.get(env, ()):
            if word in partset:
                return env
            wparts = name_parts(word)
            if len(wparts) > 1 and any(parts[i:i + len(wparts)] == wparts for i in range(len(parts))):
                return env
    return None


def classify_host(host: str, names=DEFAULT_NAMES, tunnel=False) -> str | None:
    """A loopback host or unix socket is local, unless the same line opens a tunnel (then it is where the
    tunnel goes: `tunnel` is that environment, True when it is unknown)."""
    h = host.lower().strip("[]")
    if not h:
        return None
    if h in LOOPBACK or h.startswith("127.") or h.startswith("/"):
        if tunnel:
            return tunnel if isinstance(tunnel, str) else None
        return "local"
    return classify_name(h.split(":")[0], names)


def url_host(value: str) -> str | None:
    """The host of `scheme://user:pass@host:port/db`, or None when the value is not a URL."""
    if "://" not in value:
        return None
    rest = value.split("://", 1)[1]
    authority = rest.split("/", 1)[0].split("?", 1)[0]
    host = authority.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0]


def url_password(value: str) -> str | None:
    if "://" not in value:
        return None
    authority = value.split("://", 1)[1].split("/", 1)[0]
    if "@" not in authority:
        return None
    userinfo = authority.rsplit("@", 1)[0]
    return userinfo.split(":", 1)[1] if ":" in userinfo else None


# ---- configuration: declarations and names ---------------------------------------------------------------------
class Settings:
    """User config and project declarations. Loaded once per process, lazily, only when they exist."""

    def __init__(self, names=None, workspaces=(), project_env=None, project_file=None, notes=()):
        self.names = names or DEFAULT_NAMES
        self.workspaces = list(workspaces)        # [(absolute path, environment)]
        self.project_env = project_env
        self.project_file = project_file
        self.notes = list(notes)

    def declared(self, cwd: str | None):
        """(environment, source) declared for cwd: the most severe of matching workspaces and the project file."""
        best, source = None, None
        if cwd:
            for path, env in self.workspaces:
                if cwd == path or cwd.startswith(path.rstrip("/") + "/"):
                    if RANK[env] > RANK[best]:
                        best, source = env, "workspace %s (user config)" % path
        if self.project_env and RANK[self.project_env] > RANK[best]:
            best, source = self.project_env, "project %s" % self.project_file
        return best, source


def config_dir(environ) -> str:
    base = environ.get("XDG_CONFIG_HOME") or os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".config")
    return os.path.join(base, "agentsh")


def state_dir(environ) -> str:
    base = environ.get("XDG_STATE_HOME") or os.path.join(environ.get("HOME") or os.path.expanduser("~"),
                                                         ".local", "state")
    return os.path.join(base, "agentsh")


_user_config = {}    # config.toml path -> parsed dict, once per process


def user_config_section(environ, section: str) -> dict:
    """`[section]` of the user's config.toml ({} when the file or the section is absent or unreadable). The file is
    read once per process and parsed (tomllib costs ~5 ms) only when it mentions the section."""
    path = os.path.join(config_dir(environ), "config.toml")
    if path not in _user_config:
        try:
            with open(path, "rb") as f:
                _user_config[path] = f.read()
        except OSError:
            _user_config[path] = {}
    data = _user_config[path]
    if isinstance(data, bytes):
        if section.encode() not in data:
            return {}
        import tomllib
        try:
            data = tomllib.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            data = {}
        _user_config[path] = data
    got = data.get(section, {})
    return got if isinstance(got, dict) else {}


def load_settings(environ, project_root) -> Settings:
    """Read config.toml and the project's .agentsh.toml only if they exist (tomllib costs ~3 ms)."""
    names = {k: tuple(v) for k, v in DEFAULT_NAMES.items()}
    workspaces, notes = [], []
    user = os.path.join(config_dir(environ), "config.toml")
    project = os.path.join(project_root, ".agentsh.toml") if project_root else None
    have_user = os.path.isfile(user)
    have_project = bool(project) and os.path.isfile(project)
    if not have_user and not have_project:
        return Settings()
    # parsed settings are cached like the rules: tomllib alone costs ~5 ms per agent command
    key = tuple((p, os.stat(p).st_mtime_ns, os.stat(p).st_size) for p, ok in ((user, have_user),
                                                                              (project, have_project)) if ok)
    cache = _settings_cache_path(environ)
    try:
        import marshal
        with open(cache, "rb") as f:
            cached = marshal.load(f)
        if cached[0] == key:
            names_c, ws, penv, pfile, notes_c = cached[1]
            return Settings({k: tuple(v) for k, v in names_c.items()}, [tuple(w) for w in ws], penv, pfile, notes_c)
    except (OSError, EOFError, ValueError, TypeError, IndexError):
        pass
    settings = _parse_settings(environ, user, have_user, project, have_project, names, workspaces, notes)
    try:
        import marshal
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        tmp = "%s.%d.tmp" % (cache, os.getpid())
        with open(tmp, "wb") as f:
            marshal.dump((key, ({k: list(v) for k, v in settings.names.items()}, [list(w) for w in settings.workspaces],
                                settings.project_env, settings.project_file, settings.notes)), f)
        os.replace(tmp, cache)
    except OSError:
        pass
    return settings


def _settings_cache_path(environ) -> str:
    base = environ.get("XDG_CACHE_HOME") or os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".cache")
    return os.path.join(base, "agentsh", "settings.marshal")


def _parse_settings(environ, user, have_user, project, have_project, names, workspaces, notes) -> Settings:
    project_env = project_file = None
    import tomllib
    if have_user:
        try:
            with open(user, "rb") as f:
                data = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ValueError("%s: %s" % (user, e)) from None
        extra = data.get("environments") or {}
        for env in ("production", "staging", "local"):
            words = extra.get(env)
            if isinstance(words, list):
                names[env] = tuple(dict.fromkeys(list(names[env]) + [str(w).lower() for w in words]))
        for w in data.get("workspace") or []:
            path, env = w.get("path"), _normalise_env(w.get("environment"), names)
            if isinstance(path, str) and env:
                home = environ.get("HOME") or os.path.expanduser("~")
                full = os.path.normpath(home + path[1:] if path.startswith("~") else path)
                workspaces.append((full, env))
    if have_project:
        try:
            with open(project, "rb") as f:
                data = tomllib.load(f)
            env = _normalise_env(data.get("environment"), names)
            if env:
                project_env, project_file = env, project
            elif "environment" in data:
                notes.append("ignored environment = %r in %s: not local, staging or production"
                             % (data.get("environment"), project))
            # A project file is untrusted (the agent may have written it): it can only declare where the project
            # runs, which is a floor. Everything else could loosen agentsh and is ignored, visibly.
            for key in sorted(k for k in data if k != "environment"):
                notes.append("ignored [%s] in %s: a project file may only declare `environment` (it can tighten, "
                             "never loosen); put settings in your own config.toml" % (key, project))
        except (OSError, tomllib.TOMLDecodeError) as e:
            notes.append("ignored %s: %s" % (project, e))
    return Settings(names, workspaces, project_env, project_file, notes)


def _normalise_env(value, names) -> str | None:
    if not isinstance(value, str):
        return None
    v = value.strip().lower()
    if v in ("production", "staging", "local"):
        return v
    return classify_name(v, names)


# ---- tool configuration (read only for the tool the command uses) --------------------------------------------------
def kube_context(environ) -> str | None:
    paths = (environ.get("KUBECONFIG") or os.path.join(environ.get("HOME", "~"), ".kube", "config")).split(":")
    for p in paths:
        try:
            with open(p, encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.startswith("current-context:"):
                        return line.split(":", 1)[1].strip().strip("'\"") or None
        except OSError:
            continue
    return None


def gcloud_project(environ) -> str | None:
    base = environ.get("CLOUDSDK_CONFIG") or os.path.join(environ.get("HOME", "~"), ".config", "gcloud")
    name = environ.get("CLOUDSDK_ACTIVE_CONFIG_NAME")
    if not name:
        try:
            with open(os.path.join(base, "active_config"), encoding="utf-8") as f:
                name = f.read().strip()
        except OSError:
            return None
    try:
        with open(os.path.join(base, "configurations", "config_" + name), encoding="utf-8") as f:
            section = None
            for line in f:
                s = line.strip()
                if s.startswith("["):
                    section = s.strip("[]")
                elif section == "core" and s.startswith("project") and "=" in s:
                    return s.split("=", 1)[1].strip()
    except OSError:
        return None
    return name


def terraform_workspace(cwd) -> str | None:
    if not cwd:
        return None
    try:
        with open(os.path.join(cwd, ".terraform", "environment"), encoding="utf-8") as f:
            return f.read().strip() or None
    except OSError:
        return None


def railway_environment(environ, cwd) -> str | None:
    """The Railway CLI links a directory to a project and environment in ~/.railway/config.json."""
    import json
    try:
        with open(os.path.join(environ.get("HOME", "~"), ".railway", "config.json"), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    projects = data.get("projects") if isinstance(data, dict) else None
    if not isinstance(projects, dict) or not cwd:
        return None
    best = None
    for path, info in projects.items():
        if isinstance(info, dict) and (cwd == path or cwd.startswith(path.rstrip("/") + "/")):
            if best is None or len(path) > len(best[0]):
                best = (path, info)
    if best is None:
        return None
    info = best[1]
    return info.get("environmentName") or info.get("environment")


TOOL_CONFIG = {"kubectl": "kube", "helm": "kube", "oc": "kube", "k9s": "kube", "gcloud": "gcloud",
               "gsutil": "gcloud", "bq": "gcloud", "terraform": "terraform", "tofu": "terraform",
               "terragrunt": "terraform", "railway": "railway"}


# ---- credentials -------------------------------------------------------------------------------------------------
class CredentialStore:
    """Registered credentials: {VAR: {"fingerprint", "environment", "label"}} plus a per-user secret key.
    Only keyed fingerprints are stored (HMAC-SHA256, truncated): the values cannot be recovered from them."""

    def __init__(self, environ):
        self.dir = state_dir(environ)
        self.path = os.path.join(self.dir, "credentials.json")
        self.key_path = os.path.join(self.dir, "credentials.key")
        self._entries = None
        self._key = None

    def exists(self) -> bool:
        return os.path.isfile(self.path)

    def entries(self) -> dict:
        if self._entries is None:
            import json
            try:
                with open(self.path, encoding="utf-8") as f:
                    data = json.load(f)
                self._entries = data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self._entries = {}
        return self._entries

    def key(self, create=False) -> bytes | None:
        if self._key is None:
            try:
                with open(self.key_path, "rb") as f:
                    self._key = f.read()
            except OSError:
                if not create:
                    return None
                os.makedirs(self.dir, mode=0o700, exist_ok=True)
                key = os.urandom(32)
                fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(key)
                self._key = key
        return self._key

    def fingerprint(self, value: str, create=False) -> str | None:
        key = self.key(create)
        if key is None:
            return None
        import hashlib
        import hmac
        return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]

    def add(self, var: str, value: str, environment: str, label: str = ""):
        fp = self.fingerprint(value, create=True)
        entries = dict(self.entries())
        entries[var] = {"fingerprint": fp, "environment": environment, "label": label}
        self._write(entries)

    def remove(self, var: str) -> bool:
        entries = dict(self.entries())
        if var not in entries:
            return False
        del entries[var]
        self._write(entries)
        return True

    def _write(self, entries):
        import json
        os.makedirs(self.dir, mode=0o700, exist_ok=True)
        tmp = "%s.%d.tmp" % (self.path, os.getpid())
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(entries, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)
        self._entries = entries

    def lookup(self, value: str):
        """(VAR, entry) of the registered credential with this value, or None."""
        if not value or not self.entries():
            return None
        fp = self.fingerprint(value)
        if fp is None:
            return None
        for var, entry in self.entries().items():
            if isinstance(entry, dict) and entry.get("fingerprint") == fp:
                return var, entry
        return None


class CredentialUse:
    """A credential a command carries: where it sits, and how its value got there."""
    __slots__ = ("slot", "value", "origin")

    def __init__(self, slot, value, origin):
        self.slot = slot        # "env RAILWAY_TOKEN", "header Authorization", "--token", "password in URL"
        self.value = value      # never printed
        self.origin = origin    # "environment", "variable", "literal", "substitution"


# which programs read a credential variable from the environment (a Railway token does not reach `git push`)
_DB_TOOLS = ("psql", "pg_dump", "pg_restore", "pgcli", "prisma", "rails", "rake", "python", "python3",
             "drizzle-kit", "knex", "sequelize", "typeorm", "alembic", "mix", "php", "node", "dbmate", "goose",
             "migrate", "atlas", "flyway", "liquibase")
CREDENTIAL_PROGRAMS = {
    "RAILWAY_": ("railway",), "AWS_": ("aws", "terraform", "tofu", "terragrunt", "cdk", "pulumi", "sam", "serverless",
                                       "sls", "eksctl", "copilot"),
    "GITHUB_TOKEN": ("gh",), "GH_": ("gh",), "VERCEL_": ("vercel", "vc"), "FLY_": ("fly", "flyctl"),
    "HEROKU_": ("heroku",), "SUPABASE_": ("supabase",), "CLOUDFLARE_": ("wrangler",), "CF_": ("wrangler",),
    "NETLIFY_": ("netlify", "ntl"), "NEON_": ("neonctl", "neon"), "PLANETSCALE_": ("pscale",), "TURSO_": ("turso",),
    "DIGITALOCEAN_": ("doctl",), "LINODE_": ("linode-cli", "linode"), "HCLOUD_": ("hcloud",),
    "PULUMI_": ("pulumi",), "TFE_": ("terraform", "tofu", "terragrunt"), "FIREBASE_": ("firebase",),
    "AZURE_": ("az", "terraform", "tofu"), "PGPASSWORD": _DB_TOOLS, "MYSQL_PWD": ("mysql", "mysqldump", "mariadb"),
    "REDISCLI_AUTH": ("redis-cli",), "REDIS_URL": ("redis-cli",) + _DB_TOOLS, "DATABASE_URL": _DB_TOOLS,
    "MONGODB_URI": ("mongosh", "mongo", "mongodump", "mongorestore") + _DB_TOOLS, "STRIPE_": ("stripe",),
    "NPM_TOKEN": ("npm", "pnpm", "yarn"),
}


def reads_credential(program: str, var: str) -> bool:
    for prefix, programs in CREDENTIAL_PROGRAMS.items():
        if var.startswith(prefix):
            return program in programs
    return False


# program -> the credential variables it reads (computed once: this runs for every command)
_CREDENTIALS_READ_BY = {}
for _var in CREDENTIAL_VARIABLES:
    for _prefix, _programs in CREDENTIAL_PROGRAMS.items():
        if _var.startswith(_prefix):
            for _p in _programs:
                _CREDENTIALS_READ_BY.setdefault(_p, []).append(_var)
            break


def credentials_in(cmd, environ) -> list:
    """Credential values this command carries. Values stay in memory only."""
    out = []
    names = _CREDENTIALS_READ_BY.get(cmd.name, ())
    if cmd.assignments:
        names = list(names) + [n for n in cmd.assignments if n in CREDENTIAL_VARIABLES and n not in names]
    for name in names:
        if name in cmd.assignments:
            v = cmd.assignments[name]
            if v is None:
                out.append(CredentialUse("assignment " + name, None, "substitution"))
            else:
                out.append(CredentialUse("assignment " + name, v, "literal"))
        elif environ.get(name):
            out.append(CredentialUse("env " + name, environ[name], "environment"))
    args = cmd.args
    for i, a in enumerate(args):
        t = a.text
        value, slot = None, None
        if t in ("-H", "--header") and i + 1 < len(args):
            header = args[i + 1]
            name, _, rest = header.text.partition(":")
            lname = name.strip().lower()
            if lname == "authorization" or lname.endswith("-token") or lname in ("x-api-key", "api-key", "apikey"):
                rest = rest.strip()
                if rest.lower().startswith(("bearer ", "token ", "basic ")):
                    rest = rest.split(" ", 1)[1].strip()
                value, slot, src = rest, "header " + name.strip(), header
        elif t in ("--oauth2-bearer",) and i + 1 < len(args):
            value, slot, src = args[i + 1].text, t, args[i + 1]
        elif t in ("-u", "--user") and i + 1 < len(args) and cmd.name in HTTP_PROGRAMS and \
                ":" in args[i + 1].text:
            value, slot, src = args[i + 1].text.split(":", 1)[1], "password in " + t, args[i + 1]
        elif t.startswith(("--token=", "--api-key=", "--access-token=", "--auth-token=")):
            value, slot, src = t.split("=", 1)[1], t.split("=", 1)[0], a
        elif t in ("--token", "--api-key", "--access-token", "--auth-token", "-t") and i + 1 < len(args) \
                and cmd.name not in ("fly", "flyctl", "docker", "ls", "sort", "tar"):
            if t == "-t" and cmd.name not in ("doctl", "netlify"):
                continue
            value, slot, src = args[i + 1].text, t, args[i + 1]
        else:
            pw = url_password(t) if "://" in t and not a.dynamic else None
            if pw:
                value, slot, src = pw, "password in URL", a
        if slot is None:
            continue
        if src.dynamic:
            origin = "substitution" if "$(" in src.text or "`" in src.text else "variable"
            out.append(CredentialUse(slot, None, origin))
        else:
            out.append(CredentialUse(slot, value, "variable" if getattr(src, "expanded", False) else "literal"))
    for name in CONNECTION_VARIABLES:
        v = cmd.assignments.get(name) if name in cmd.assignments else None
        if v:
            pw = url_password(v)
            if pw:
                out.append(CredentialUse("password in " + name, pw, "literal"))
    return out


# ---- agent ---------------------------------------------------------------------------------------------------------
def detect_agent(environ, ancestry=True) -> tuple:
    """(agent name or None, how it was detected). Environment markers first (free), then process ancestry
    read from /proc (about 0.5 ms, so the shell path skips it: ancestry=False)."""
    for var, agent in AGENT_MARKERS:
        if environ.get(var):
            return agent, "environment variable %s" % var
    if not ancestry:
        return None, "no agent marker in the environment (ancestry not checked)"
    pid = os.getppid()
    for _ in range(12):
        if pid <= 1:
            break
        try:
            with open("/proc/%d/stat" % pid, "rb") as f:
                stat = f.read().decode("utf-8", "replace")
        except OSError:
            break
        name = stat[stat.find("(") + 1:stat.rfind(")")].lower()
        for proc, agent in AGENT_PROCESSES.items():
            if name == proc or name.startswith(proc + "-"):
                return agent, "process %s (pid %d)" % (name, pid)
        try:
            pid = int(stat[stat.rfind(")") + 2:].split()[1])
        except (ValueError, IndexError):
            break
    return None, "no agent marker or agent process found"


# ---- resolving one command line -------------------------------------------------------------------------------
class CommandContext:
    """What context says about one command: its environment, why, and its credentials."""
    __slots__ = ("environment", "signals", "declared", "mismatch", "credentials", "raise_by", "notes")

    def __init__(self, environment, signals=(), declared=None, mismatch=None, credentials=(), raise_by=0, notes=()):
        self.environment = environment      # "local" | "staging" | "production" (unknown is reported as local)
        self.signals = list(signals)
        self.declared = declared            # (environment, source) or None
        self.mismatch = mismatch            # text naming the mismatch, or None
        self.credentials = list(credentials)  # [(slot, VAR or None, environment or None, origin)]
        self.raise_by = raise_by            # findings of this command are raised by this many levels
        self.notes = list(notes)

    def conflict(self) -> bool:
        return len({s.environment for s in self.signals if s.environment}) > 1


class Resolver:
    """Resolves the environment and credentials of each command of one command line."""

    def __init__(self, context, commands):
        self.context = context
        self.environ = context.environ
        self.settings = context.settings or Settings()
        self.names = self.settings.names
        tunnels = [t for t in (_tunnel_destination(c) for c in commands) if t is not None]
        self.tunnel = bool(tunnels)
        # a loopback host reached through a tunnel is where the tunnel goes
        self.tunnel_env = _most_severe([Signal("tunnel", t, classify_name(t, self.names)) for t in tunnels])
        self.store = CredentialStore(self.environ)
        self.has_creds = self.store.exists()
        self._process = None
        self._tool_cache = {}
        self._cache = {}

    def process_signals(self) -> list:
        """Signals from the process environment: the same for every command of the line."""
        if self._process is None:
            out = []
            for var in ENV_VARIABLES:
                v = self.environ.get(var)
                if v:
                    env = classify_name(v, self.names)
                    if env:
                        out.append(Signal("environment variable " + var, v, env))
            for var in CONNECTION_VARIABLES:
                v = self.environ.get(var)
                if v:
                    host = url_host(v) or v
                    env = classify_host(host, self.names, self.tunnel_env or self.tunnel)
                    if env:
                        out.append(Signal("environment variable " + var + " (host)", host, env))
            self._process = out
        return self._process

    def resolve(self, cmd) -> CommandContext:
        key = id(cmd)
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self._resolve(cmd)
        return got

    def _resolve(self, cmd) -> CommandContext:
        signals = list(self.process_signals())
        names = self.names
        for var, v in cmd.assignments.items():
            if v and var in ENV_VARIABLES:
                env = classify_name(v, names)
                if env:
                    signals.append(Signal("assignment " + var, v, env))
            elif v and var in CONNECTION_VARIABLES:
                host = url_host(v) or v
                env = classify_host(host, names, self.tunnel_env or self.tunnel)
                if env:
                    signals.append(Signal("assignment " + var + " (host)", host, env))
        signals.extend(self._flag_signals(cmd))
        signals.extend(self._tool_signals(cmd))
        declared = self.settings.declared(cmd.cwd or self.context.cwd)
        credentials, cred_signals, raise_by, notes = self._credentials(cmd)
        resolved = _most_severe(signals)
        environment = resolved
        if declared[0] and RANK[declared[0]] > RANK[environment]:
            environment = declared[0]
        mismatch = None
        cred_env = _most_severe(cred_signals)
        if cred_env:
            other = environment   # what the task's own signals and declarations say
            if other and other != cred_env and "production" in (other, cred_env):
                names_used = ", ".join(dict.fromkeys(s.value for s in cred_signals if s.environment == cred_env))
                why = ("declared %s (%s)" % (declared[0], declared[1])) if declared[0] == other and declared[0] \
                    else "resolved %s" % other
                mismatch = "credential %s is registered to %s, but this command's environment is %s" % (
                    names_used, cred_env, why)
            if RANK[cred_env] > RANK[environment]:
                environment = cred_env
            signals.extend(cred_signals)
        return CommandContext(environment or "local", signals, declared if declared[0] else None, mismatch,
                              credentials, raise_by, notes)

    def _flag_signals(self, cmd) -> list:
        out = []
        flags = ENV_FLAGS.get(cmd.name, ())
        switches = PRODUCTION_SWITCHES.get(cmd.name, ())
        args = cmd.args
        for i, a in enumerate(args):
            t = a.text
            if t in switches:
                out.append(Signal("flag " + t, t, "production"))
                continue
            name, eq, value = t.partition("=")
            if not eq and len(t) > 2 and t[0] == "-" and t[1] != "-" and t[:2] in flags:
                name, eq, value = t[:2], "=", t[2:]   # `psql -hprod-db`: getopt reads an attached value
            if name in flags:
                if not eq:
                    if i + 1 >= len(args) or args[i + 1].dynamic:
                        continue
                    value = args[i + 1].text
                if name in ("-h", "--host", "-H", "-S") or "://" in value:
                    env = classify_host(url_host(value) or value, self.names, self.tunnel_env or self.tunnel)
                else:
                    env = classify_name(value, self.names)
                if env:
                    out.append(Signal("flag " + name, value, env))
            elif not a.dynamic and cmd.name in HOST_PROGRAMS and ("://" in t or "host=" in t):
                host = url_host(t) if "://" in t else _keyword_host(t)
                env = classify_host(host or "", self.names, self.tunnel_env or self.tunnel)
                if env:
                    what = "URL host" if cmd.name in HTTP_PROGRAMS else "connection string host"
                    out.append(Signal(what, host, env))
        return out

    def _tool_signals(self, cmd) -> list:
        kind = TOOL_CONFIG.get(cmd.name)
        if kind is None:
            return []
        if kind == "kube":
            if any(a.text.startswith("--context") for a in cmd.args):
                return []
            value = self._tool("kube", lambda: kube_context(self.environ))
            source = "kubeconfig current-context"
        elif kind == "gcloud":
            value = self._tool("gcloud", lambda: gcloud_project(self.environ))
            source = "gcloud active configuration"
        elif kind == "terraform":
            d = cmd.cwd
            for a in cmd.args:   # `terraform -chdir=envs/prod destroy` works in envs/prod
                if a.text.startswith("-chdir="):
                    d = None if a.dynamic or cmd.cwd is None else os.path.normpath(
                        os.path.join(cmd.cwd, a.text.split("=", 1)[1]))
            value = self.environ.get("TF_WORKSPACE") or self._tool(("tf", d), lambda: terraform_workspace(d))
            source = "terraform workspace"
        else:
            value = self._tool(("railway", cmd.cwd), lambda: railway_environment(self.environ, cmd.cwd))
            source = "railway linked environment"
        env = classify_name(value or "", self.names)
        return [Signal(source, value, env)] if env else []

    def _tool(self, key, load):
        if key not in self._tool_cache:
            self._tool_cache[key] = load()
        return self._tool_cache[key]

    def _credentials(self, cmd):
        uses = credentials_in(cmd, self.environ)
        if not uses:
            return [], [], 0, []
        out, signals, notes = [], [], []
        raise_by = 0
        for use in uses:
            var = env = None
            if use.value is not None and self.has_creds:
                hit = self.store.lookup(use.value)
                if hit:
                    var, entry = hit
                    env = entry.get("environment")
                    signals.append(Signal("credential " + use.slot, var, env))
            out.append((use.slot, var, env, use.origin))
            if use.slot.startswith("env "):
                continue
            if use.origin == "substitution":
                raise_by = 1
                notes.append("the credential in %s is read at run time (e.g. from a file) in the same line" % use.slot)
            elif use.origin == "literal" and (var is not None or use.slot.startswith(("header", "--", "password"))):
                raise_by = 1
                notes.append("a credential is pasted literally into %s%s" % (
                    use.slot, (" (it is the registered %s)" % var) if var else ""))
        return out, signals, raise_by, notes


def _most_severe(signals) -> str | None:
    best = None
    for s in signals:
        if RANK[s.environment] > RANK[best]:
            best = s.environment
    return best


def _tunnel_destination(cmd) -> str | None:
    """The far end of a tunnel this command opens (`ssh -L 5432:prod-db:5432`, `kubectl port-forward
    svc/prod-db`), "" when it opens one to somewhere unnamed, None when it opens none."""
    marks = TUNNEL_PROGRAMS.get(cmd.name)
    if marks is None:
        return None
    texts = [a.text for a in cmd.args]
    if cmd.name == "ssh":
        for i, t in enumerate(texts):
            spec = texts[i + 1] if t == "-L" and i + 1 < len(texts) else (t[2:] if t.startswith("-L") and len(t) > 2
                                                                          else None)
            if spec:
                fields = spec.split(":")
                return fields[-2] if len(fields) >= 3 else ""
        return None
    if cmd.name in ("kubectl", "oc"):
        if "port-forward" not in texts:
            return None
        i = texts.index("port-forward")
        rest = [t for t in texts[i + 1:] if not t.startswith("-")]
        ctx = [texts[j + 1] for j, t in enumerate(texts[:-1]) if t in ("--context", "-n", "--namespace")]
        return " ".join(ctx + rest[:1])
    if marks and not any(m in texts for m in marks):
        return None
    return " ".join(t for t in texts if not t.startswith("-"))

"""Path classes for rule predicates: where a path argument points, relative to the system, home and project."""
from __future__ import annotations

import os

SYSTEM_DIRS = ("/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/var", "/opt",
               "/srv", "/root", "/proc", "/sys", "/dev", "/snap", "/mnt", "/media", "/home", "/run", "/System",
               "/Library", "/Applications", "/Users", "/private", "/nix", "/efi")
TMP_DIRS = ("/tmp", "/var/tmp", "/private/tmp", "/dev/shm")
BLOCK_DEVICE_PREFIXES = ("/dev/sd", "/dev/nvme", "/dev/xvd", "/dev/vd", "/dev/hd", "/dev/mmcblk", "/dev/md",
                         "/dev/dm-", "/dev/mapper/", "/dev/disk/", "/dev/disk", "/dev/rdisk", "/dev/loop",
                         "/dev/sr", "/dev/fd0", "/dev/zd", "/dev/bcache", "/dev/rbd", "/dev/nbd")
HARMLESS_DEVICES = ("/dev/null", "/dev/zero", "/dev/stdout", "/dev/stderr", "/dev/stdin", "/dev/tty",
                    "/dev/random", "/dev/urandom", "/dev/full")
_WILDCARD_LAST = ("*", ".*", "*.*", "**", "?*", "[!.]*", "{*,.*}", ".[!.]*")


def _under(path: str, base: str) -> bool:
    return path == base or path.startswith(base.rstrip("/") + "/")


def find_project_root(cwd: str | None, home: str | None = None) -> str | None:
    """The nearest directory at or above cwd holding `.git`; else the cwd itself, unless the cwd is `/`, the
    home directory or a system directory (a session started there has no project to protect paths within)."""
    if not cwd:
        return None
    d = cwd
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d or d == home:
            break
        d = parent
    if cwd == "/" or (home and os.path.normpath(cwd) == os.path.normpath(home)) or cwd in SYSTEM_DIRS:
        return None
    return cwd


def _own_user_name():
    try:
        import pwd
        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return os.environ.get("USER")


def classify(text: str, dynamic: bool, glob: bool, cwd: str | None, home: str, project_root: str | None,
             tmpdir: str | None = None) -> frozenset:
    """The classes of one path argument (see docs/rules.md). Several can hold at once."""
    if dynamic:
        return frozenset({"dynamic"})
    if not text:
        return frozenset()
    if text.startswith("~") and not text.startswith("~/") and text != "~":
        user, _, rest = text[1:].partition("/")
        if user and (user == _own_user_name() or home and user == os.path.basename(os.path.normpath(home))):
            text = home + ("/" + rest if rest else "")   # ~me is my home
        else:
            return frozenset({"home-subdir", "outside-project"})   # ~user: another user's home
    p = text
    if p.startswith("/"):
        p = os.path.normpath(p)
        if p.startswith("//"):
            p = "/" + p.lstrip("/")
    elif cwd is None:
        return frozenset({"dynamic"})
    else:
        p = os.path.normpath(os.path.join(cwd, p))
    contents_of = None
    if glob:
        head, last = os.path.split(p)
        if last in _WILDCARD_LAST:
            contents_of = head or "/"
        elif any(c in head for c in "*?["):
            # a wildcard in a directory part: judge by the static prefix
            static = head.split("*")[0].split("?")[0].split("[")[0]
            contents_of = os.path.dirname(static.rstrip("/")) if not static.endswith("/") else static.rstrip("/")
            contents_of = contents_of or "/"
    if contents_of is not None:
        base = _classes(contents_of, home, project_root, tmpdir)
        # "everything in X" is as bad as X itself for root, home and the project root
        return base
    return _classes(p, home, project_root, tmpdir)


# ---- agentsh's own files and the agents' hook settings (self-protection) ----------------------------------------
# Files whose change would switch agentsh off or loosen it: its config, rules, state (audit log, approvals), cache
# (compiled rules), installed package and shim, and each agent's hook and permission settings.
AGENT_SETTINGS_IN_HOME = (".claude/settings.json", ".claude/settings.local.json", ".cursor/hooks.json", ".codex",
                          ".gemini/settings.json", ".agents/plugins/agentsh", ".openhands/hooks.json",
                          "Documents/Cline/Hooks", ".copilot/hooks", ".local/bin/agentsh")
# the same settings inside any project (relative to a directory that holds them)
AGENT_SETTINGS_IN_PROJECT = (".claude/settings.json", ".claude/settings.local.json", ".cursor/hooks.json",
                             ".codex/hooks.json", ".codex/config.toml", ".codex/rules", ".gemini/settings.json",
                             ".github/hooks", ".agents/plugins/agentsh", ".openhands/hooks.json", ".clinerules/hooks")
MANAGED_SETTINGS = ("/etc/claude-code", "/etc/cursor/hooks.json", "/etc/gemini-cli", "/etc/codex")
_protected_cache = {}


def protected_roots(home: str) -> tuple:
    """Absolute paths agentsh protects for this user (XDG dirs as agentsh itself resolves them)."""
    got = _protected_cache.get(home)
    if got is not None:
        return got
    env = os.environ
    roots = []
    for var, default in (("XDG_CONFIG_HOME", ".config"), ("XDG_STATE_HOME", ".local/state"),
                         ("XDG_CACHE_HOME", ".cache"), ("XDG_DATA_HOME", ".local/share")):
        roots.append(os.path.join(home, default, "agentsh"))
        if env.get(var):
            roots.append(os.path.join(os.path.normpath(env[var]), "agentsh"))
    roots.extend(os.path.join(home, rel) for rel in AGENT_SETTINGS_IN_HOME)
    roots.extend(MANAGED_SETTINGS)
    package = os.path.dirname(os.path.abspath(__file__))
    if os.sep + "site-packages" + os.sep in package:      # an installed copy (an editable checkout is the user's)
        roots.append(package)
    got = tuple(sorted(set(os.path.normpath(r) for r in roots)))
    _protected_cache[home] = got
    return got


# Substrings every protected path contains (a cheap filter before classifying an argument).
PROTECTED_MARKERS = ("agentsh", ".claude", ".cursor", ".codex", ".gemini", ".github/hooks", ".agents",
                     ".openhands", "Cline", ".clinerules", ".copilot")


def mentions_protected(text: str) -> bool:
    return any(m in text for m in PROTECTED_MARKERS)


def is_agentsh_path(p: str, home: str, containers=True) -> bool:
    """p is (inside) one of agentsh's protected files or, with containers, an existing directory that contains one
    (deleting or moving `~/.config` takes agentsh's config with it; writing a file into it does not)."""
    if not home:
        return False
    if _is_agentsh_path(p, home, containers):
        return True
    try:
        real = os.path.realpath(p)          # a symlink into a protected place is that place
    except (OSError, ValueError):
        return False
    return real != p and _is_agentsh_path(real, home, containers)


def _is_agentsh_path(p: str, home: str, containers: bool) -> bool:
    for r in protected_roots(home):
        if _under(p, r) or (containers and _under(r, p) and p != "/" and os.path.lexists(r)):
            return True
    for rel in AGENT_SETTINGS_IN_PROJECT:
        if p.endswith("/" + rel) or ("/" + rel + "/") in p:
            return True
    if containers and os.path.isdir(p):
        for rel in AGENT_SETTINGS_IN_PROJECT:
            if os.path.lexists(os.path.join(p, rel)):
                return True
            first = rel.split("/", 1)[0]
            if os.path.basename(p) == first and os.path.lexists(os.path.join(os.path.dirname(p), rel)):
                return True
    return False


def _classes(p: str, home: str, project_root: str | None, tmpdir: str | None) -> frozenset:
    base = _base_classes(p, home, project_root, tmpdir)
    extra = set()
    if is_agentsh_path(p, home, containers=False):
        extra.add("agentsh")
    elif is_agentsh_path(p, home):
        extra.add("agentsh-container")
    if p.endswith("/.agentsh.toml"):
        extra.add("agentsh-project-config")
    return base | extra if extra else base


def _base_classes(p: str, home: str, project_root: str | None, tmpdir: str | None) -> frozenset:
    out = set()
    if p == "/":
        return frozenset({"root", "outside-project"})
    if p.startswith("/dev/"):
        if p in HARMLESS_DEVICES:
            return frozenset({"device"})
        if p.startswith(BLOCK_DEVICE_PREFIXES):
            return frozenset({"block-device", "outside-project"})
        return frozenset({"device", "system", "outside-project"})
    if home and p == os.path.normpath(home):
        out.update(("home", "outside-project"))
        if project_root and _under(project_root, p) and project_root == p:
            out.add("project-root")
        return frozenset(out)
    tmp_roots = TMP_DIRS + ((os.path.normpath(tmpdir),) if tmpdir else ())
    if any(_under(p, t) for t in tmp_roots):
        if p in tmp_roots:
            return frozenset({"tmp", "tmp-root"})
        return frozenset({"tmp"})
    if project_root:
        if p == project_root:
            return frozenset({"project-root"})
        if _under(p, project_root):
            return frozenset({"inside-project"})
    out.add("outside-project")
    if home and _under(p, home):
        out.add("home-subdir")
    elif any(_under(p, s) for s in SYSTEM_DIRS):
        out.add("system")
    return frozenset(out)

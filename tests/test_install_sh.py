"""install.sh, user mode, end to end in a temporary HOME: install, re-run, hooks, --uninstall.

One test function so it pays for one venv (pip installs the project and its dependencies from the package
index). The script runs from a copy of the sources, so the build leaves nothing in the working tree."""
import json
import os
import shutil
import stat
import subprocess
import sys

from agentsh.shell import STOP_STATUS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# What pip needs from the outer environment to reach the package index (certificates, proxies, mirrors).
_PASS_THROUGH = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "LANG", "LC_ALL")


def _environment(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k.startswith("PIP_") or k.lower().endswith("_proxy") or k in _PASS_THROUGH}
    env.update({
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PATH": "/usr/bin:/bin",   # the system python3 is on it
        # the interpreter running the tests is >= 3.11 by definition; the venv is made from its base
        "PYTHON": getattr(sys, "_base_executable", sys.executable),
    })
    return env


def _copy_sources(dest):
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    os.makedirs(dest)
    for name in ("pyproject.toml", "README.md", "install.sh"):
        shutil.copy2(os.path.join(ROOT, name), os.path.join(dest, name))
    for name in ("agentsh", "rules"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(dest, name), ignore=ignore)


def _run(argv, env, **kw):
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900, **kw)


def test_install_sh_user_mode_end_to_end(tmp_path):
    src = str(tmp_path / "src")
    _copy_sources(src)
    env = _environment(tmp_path)
    # Commands run through the shim get a fake `rm` first on PATH: the shim test hands agentsh a destructive
    # command, and should it ever be let through, this is what runs. (install.sh itself needs the real rm.)
    fakebin = tmp_path / "fakebin"
    fakebin.mkdir()
    marker = tmp_path / "fake-rm-ran"
    fake_rm = fakebin / "rm"
    fake_rm.write_text("#!/bin/sh\necho ran > %s\n" % marker)
    fake_rm.chmod(0o755)
    guarded = dict(env, PATH="%s:%s" % (fakebin, env["PATH"]))
    (tmp_path / "home").mkdir()
    home = env["HOME"]
    data = os.path.join(env["XDG_DATA_HOME"], "agentsh")
    launcher = os.path.join(home, ".local", "bin", "agentsh")
    shim = os.path.join(data, "bin", "bash")
    venv_python = os.path.join(data, "venv", "bin", "python")
    install_sh = os.path.join(src, "install.sh")

    first = _run(["bash", install_sh], env)
    assert first.returncode == 0, first.stderr + first.stdout
    assert "agentsh installed: %s\n" % launcher in first.stdout
    assert "bash shim:         %s " % shim in first.stdout
    assert "export CLAUDE_CODE_SHELL=%s " % shim in first.stdout
    assert "%s install claude-code " % launcher in first.stdout

    for path in (launcher, shim):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o755
        with open(path) as f:
            assert f.readline() == "#!%s -IS\n" % venv_python

    checked = _run([launcher, "check"], env, input="ls\n")
    assert checked.returncode == 0, checked.stderr
    stopped = _run([launcher, "check"], env, input="rm -rf ~\n")
    assert stopped.returncode == 1, stopped.stderr

    hi = _run([shim, "-c", "echo hi"], guarded)
    assert (hi.returncode, hi.stdout) == (0, "hi\n"), hi.stderr
    blocked = _run([shim, "-c", "rm -rf ~"], guarded)
    assert blocked.returncode == STOP_STATUS and blocked.stdout == ""
    assert not marker.exists()
    # the interactive guard calls the shim back by its own path to vet each line (it only vets, runs nothing)
    assert _run([shim, "__vet-line", "--", "echo hi"], guarded).returncode == 0
    assert _run([shim, "__vet-line", "--", "rm -rf ~"], guarded).returncode == STOP_STATUS

    again = _run(["bash", install_sh], env)
    assert again.returncode == 0, again.stderr + again.stdout
    hi = _run([shim, "-c", "echo hi"], guarded)
    assert (hi.returncode, hi.stdout) == (0, "hi\n"), hi.stderr
    assert not marker.exists()

    # hooks the user installed, and files agentsh must leave alone
    hooked = _run([venv_python, "-I", "-c", "import sys; from agentsh.installer import plan, apply\n"
                   "apply(plan('cursor', sys.argv[1], agentsh_cmd=sys.argv[2]))\n"
                   "apply(plan('claude-code', sys.argv[1], agentsh_cmd=sys.argv[2], shell_path=sys.argv[3]))\n",
                   home, launcher, shim], env)
    assert hooked.returncode == 0, hooked.stderr
    cursor_hooks = os.path.join(home, ".cursor", "hooks.json")
    claude_settings = os.path.join(home, ".claude", "settings.json")
    assert os.path.exists(cursor_hooks)
    with open(claude_settings) as f:
        assert json.load(f)["env"] == {"CLAUDE_CODE_SHELL": shim}
    state = os.path.join(env["XDG_STATE_HOME"], "agentsh", "mine.jsonl")
    config = os.path.join(env["XDG_CONFIG_HOME"], "agentsh", "config.toml")
    for path, text in ((state, '{"decision": "allow"}\n'), (config, "[names]\n")):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    state_files = sorted(os.listdir(os.path.dirname(state)))   # with whatever agentsh itself wrote there

    gone = _run(["bash", install_sh, "--uninstall"], env)
    assert gone.returncode == 0, gone.stderr + gone.stdout
    assert "removed agentsh hook: %s" % cursor_hooks in gone.stdout
    assert "removed agentsh hook: %s" % claude_settings in gone.stdout
    assert "state and audit log:     %s\n" % os.path.dirname(state) in gone.stdout
    for path in (launcher, shim, os.path.join(data, "venv"), data, cursor_hooks):
        assert not os.path.exists(path), path
    with open(claude_settings) as f:
        assert json.load(f) == {}
    with open(state) as f:
        assert f.read() == '{"decision": "allow"}\n'
    assert sorted(os.listdir(os.path.dirname(state))) == state_files
    with open(config) as f:
        assert f.read() == "[names]\n"
    assert os.path.isdir(os.path.join(home, ".local", "bin"))

    twice = _run(["bash", install_sh, "--uninstall"], env)
    assert twice.returncode == 0, twice.stderr
    assert "Nothing to remove: agentsh is not installed for this user.\n" in twice.stdout

"""`agentsh doctor`: is agentsh installed and does each way agents call it work?

Runs every invocation form agents use (agent-integrations reference, section 4) through agentsh and through the real
bash with the same argv and compares stdout and exit status; then, for each agent whose hook configuration names
agentsh, feeds the hook a benign and a destructive payload and checks the answers. Nothing destructive runs: the
destructive payload names a program that does not exist, and it must be stopped before bash would even look.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile

BENIGN = "echo agentsh-doctor-ok"
# blocked outright (catastrophic: no approval wait); the device does not exist, so even bash could only fail
DESTRUCTIVE = "mkfs.ext4 /dev/sdzz9-agentsh-doctor"
DESTRUCTIVE_RULE = "fs.mkfs-block-device"


def invocation_forms(tmp):
    snapshot = os.path.join(tmp, ".claude", "shell-snapshots", "snapshot-bash-1-doctor.sh")
    os.makedirs(os.path.dirname(snapshot), exist_ok=True)
    with open(snapshot, "w") as f:
        f.write("doctor_fn() { echo fn; }\n")
    cwdfile = os.path.join(tmp, "claude-doctor-cwd")
    claude = ("source %s 2>/dev/null || true && shopt -u extglob 2>/dev/null || true && eval '%s' < /dev/null && "
              "pwd -P >| %s")
    gemini = ("shopt -u promptvars nullglob extglob nocaseglob dotglob; _bgpids_file=%s\n(\n trap 'jobs -p > "
              "\"$_bgpids_file\"' EXIT\n%%s\n)\n__code=$?\nexit $__code" % os.path.join(tmp, "bg.tmp"))
    script = os.path.join(tmp, "doctor-script.sh")
    with open(script, "w") as f:
        f.write('echo "script $1"\n')
    return [
        ("bash -c CMD", ["-c", BENIGN], None),
        ("bash -c CMD ARG0 ARG1", ["-c", 'echo "$0 $1"', "zero", "one"], None),
        ("bash -lc CMD (Codex)", ["-lc", BENIGN], None),
        ("bash -c -l CMD (Claude snapshot)", ["-c", "-l", BENIGN], None),
        ("bash -i -c CMD (Aider)", ["-i", "-c", BENIGN], None),
        ("bash -l -i -c 'echo $PATH' (Goose)", ["-l", "-i", "-c", "echo $PATH"], None),
        ("Claude Code wrapper", ["-c", claude % (snapshot, BENIGN, cwdfile)], None),
        ("Gemini CLI wrapper", ["-c", gemini % BENIGN], None),
        ("Codex snapshot runner", ["-c", '. "$1" && shift && exec "$@"', "bash", snapshot, "bash", "-c", BENIGN], None),
        ("bash SCRIPT ARG", [script, "arg"], None),
        ("bash -s (stdin pipe)", ["-s"], BENIGN + "\necho second\n"),
        ("bash --version", ["--version"], None),
        ("stopped: bash -c DESTRUCTIVE", ["-c", DESTRUCTIVE], "stop"),
        ("stopped: Claude wrapper around DESTRUCTIVE", ["-c", claude % (snapshot, DESTRUCTIVE, cwdfile)], "stop"),
    ]


def run_forms(agentsh_bin, bash="/bin/bash"):
    """[(name, ok, detail)]"""
    results = []
    with tempfile.TemporaryDirectory(prefix="agentsh-doctor-") as tmp:
        env = dict(os.environ)
        env["HOME"] = tmp            # no user start-up files: compare agentsh and bash on equal terms
        env.pop("BASH_ENV", None)
        for name, argv, stdin in invocation_forms(tmp):
            expect_stop = stdin == "stop"
            data = None if expect_stop or stdin is None else stdin
            try:
                a = subprocess.run([agentsh_bin] + argv, input=data or "", capture_output=True, text=True, env=env,
                                   cwd=tmp, timeout=60)
            except (OSError, subprocess.TimeoutExpired) as e:
                results.append((name, False, "agentsh did not run: %s" % e))
                continue
            if expect_stop:
                ok = a.returncode == 126 and a.stdout == "" and DESTRUCTIVE_RULE in a.stderr
                results.append((name, ok, "exit %d%s" % (a.returncode, "" if ok else ", expected 126 and a stop "
                                                                                      "message")))
                continue
            b = subprocess.run([bash] + argv, input=data or "", capture_output=True, text=True, env=env, cwd=tmp,
                               timeout=60)
            ok = a.stdout == b.stdout and a.returncode == b.returncode
            detail = "same output and exit status %d" % a.returncode if ok else \
                "agentsh exit %d stdout %r; bash exit %d stdout %r; agentsh stderr %r" % (
                    a.returncode, a.stdout[:80], b.returncode, b.stdout[:80], a.stderr[:200])
            results.append((name, ok, detail))
    return results


SAMPLE_PAYLOADS = {
    "claude-code": lambda c: {"session_id": "doctor", "transcript_path": "", "cwd": os.getcwd(),
                              "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": c}},
    "codex": lambda c: {"session_id": "doctor", "turn_id": "t", "cwd": os.getcwd(), "hook_event_name": "PreToolUse",
                        "tool_name": "Bash", "tool_input": {"command": c}},
    "gemini": lambda c: {"session_id": "doctor", "cwd": os.getcwd(), "hook_event_name": "BeforeTool",
                         "tool_name": "run_shell_command", "tool_input": {"command": c}},
    "cursor": lambda c: {"conversation_id": "doctor", "hook_event_name": "beforeShellExecution", "command": c,
                         "cwd": os.getcwd(), "workspace_roots": [os.getcwd()]},
    "copilot": lambda c: {"timestamp": 0, "cwd": os.getcwd(), "toolName": "bash",
                          "toolArgs": json.dumps({"command": c})},
    "goose": lambda c: {"event": "PreToolUse", "session_id": "doctor", "tool_name": "developer__shell",
                        "tool_input": {"command": c}, "working_dir": os.getcwd()},
    "openhands": lambda c: {"event_type": "PreToolUse", "tool_name": "terminal", "tool_input": {"command": c},
                            "session_id": "doctor", "working_dir": os.getcwd()},
    "cline": lambda c: {"hookName": "PreToolUse", "taskId": "doctor", "workspaceRoots": [os.getcwd()],
                        "preToolUse": {"toolName": "execute_command", "parameters": {"command": c}}},
}


def run_hooks(agentsh_bin, agents):
    """[(name, ok, detail)] for each agent: a benign payload is not denied, a destructive one is."""
    results = []
    env = dict(os.environ)
    env["AGENTSH_SESSION"] = "doctor"
    for agent in agents:
        make = SAMPLE_PAYLOADS[agent]
        try:
            ok_run = subprocess.run([agentsh_bin, "hook", agent], input=json.dumps(make(BENIGN)), capture_output=True,
                                    text=True, env=env, timeout=60)
            bad_run = subprocess.run([agentsh_bin, "hook", agent], input=json.dumps(make(DESTRUCTIVE)),
                                     capture_output=True, text=True, env=env, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            results.append(("hook " + agent, False, str(e)))
            continue
        allowed = ok_run.returncode == 0 and "deny" not in ok_run.stdout and '"cancel":true' not in ok_run.stdout \
            and '"block"' not in ok_run.stdout
        denied = bad_run.returncode == 2 or any(w in bad_run.stdout for w in ('"deny"', '"block"', '"cancel":true'))
        results.append(("hook %s: benign allowed" % agent, allowed, "exit %d %s" % (ok_run.returncode,
                                                                                   ok_run.stdout[:80])))
        results.append(("hook %s: destructive denied" % agent, denied, "exit %d %s" % (bad_run.returncode,
                                                                                     bad_run.stdout[:80])))
    return results


def installed_agents(home, project_dir):
    """Agents whose hook configuration (user or project) names agentsh."""
    from agentsh import installer
    found = []
    for agent in installer.AGENTS:
        for project in (False, True):
            try:
                changes = installer.plan(agent, home, project_dir=project_dir, project=project, uninstall=True)
            except Exception:
                continue
            if any(c.changed for c in changes):    # uninstalling would change something: it is installed
                found.append(agent)
                break
    return found


def checks(environ):
    """[(name, ok, detail)] about the installation itself."""
    out = []
    from agentsh.shell import real_bash
    try:
        out.append(("real bash", True, real_bash()))
    except FileNotFoundError as e:
        out.append(("real bash", False, str(e)))
    from agentsh import rules
    try:
        compiled = rules.load(environ)
        out.append(("rules", True, "%d rules compiled" % len(compiled.rules) if hasattr(compiled, "rules")
                    else "rules compiled"))
    except Exception as e:
        out.append(("rules", False, str(e)))
    from agentsh import audit
    path = audit.log_path(environ)
    if os.path.exists(path):
        ok, count, line, reason = audit.verify(path)
        out.append(("audit log", ok, "%s: %s" % (path, reason)))
    else:
        out.append(("audit log", True, "%s (not written yet)" % path))
    from agentsh import approval
    try:
        approval.connect(environ).close()
        out.append(("approval queue", True, approval.db_path(environ)))
    except Exception as e:
        out.append(("approval queue", False, str(e)))
    try:
        import psutil  # noqa: F401
        out.append(("psutil (approver ancestry checks)", True, "available"))
    except ImportError:
        out.append(("psutil (approver ancestry checks)", False, "not installed: approvals are refused"))
    return out

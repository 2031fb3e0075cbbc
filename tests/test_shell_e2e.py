"""End-to-end: agentsh used as the agent's shell, against the real /bin/bash.

Every allowed command must behave exactly as bash (same stdout, stderr, exit status, $0/$1, signals), every
stopped command must never run. Nothing here runs a destructive command: the "destructive" payloads call fake
`railway`, `psql` and `terraform` scripts first on PATH that only record, in a marker directory, that they ran.
HOME and the XDG directories are temporary, so no real start-up file, config or audit log is touched.
"""
import os
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import time

import pytest

AGENTSH = os.path.join(os.path.dirname(sys.executable), "agentsh")
BASH = "/bin/bash"
WAIT = 60                      # seconds: a safety net for reads, never an assertion about speed
STOP_STATUS = 126
FAKE_TOOLS = ("railway", "psql", "terraform")
DELETE_VOLUME = "railway volume delete --volume pg-data --yes"

pytestmark = pytest.mark.skipif(not os.access(BASH, os.X_OK), reason="needs /bin/bash")


# ---- the world: temporary HOME/XDG, fake tools that record that they ran ----------------------------------------
class World:
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.home = tmp_path / "home"
        self.fakebin = tmp_path / "bin"
        self.markers = tmp_path / "ran"
        self.project = tmp_path / "project"
        for d in (self.home / ".config", self.fakebin, self.markers, self.project / "sub"):
            d.mkdir(parents=True)
        for tool in FAKE_TOOLS:
            script = self.fakebin / tool
            script.write_text('#!/bin/sh\necho "$0 $*" > "%s/%s"\necho "fake %s ran"\n' % (self.markers, tool, tool))
            script.chmod(0o755)
        # login shells reset PATH in /etc/profile: ~/.profile puts the fake tools first again, so that a login
        # form that wrongly ran a payload would reach them (and leave a marker)
        (self.home / ".profile").write_text('export GREETING=from-profile\nPATH="%s:$PATH"\n' % self.fakebin)
        (self.home / ".bashrc").write_text("RC_LOADED=yes\n")
        # no human is watching these tests: a `confirm` stops at once instead of waiting for an approval
        (self.home / ".config" / "agentsh").mkdir()
        (self.home / ".config" / "agentsh" / "config.toml").write_text("[approval]\nwait = 0\n")
        self.env = {"HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config"),
                    "XDG_STATE_HOME": str(self.home / ".state"), "XDG_CACHE_HOME": str(self.home / ".cache"),
                    "XDG_DATA_HOME": str(self.home / ".local" / "share"),
                    "PATH": "%s:/usr/local/bin:/usr/bin:/bin" % self.fakebin, "LANG": "C.UTF-8",
                    "TMPDIR": str(tmp_path)}

    def expand(self, s):
        return (s.replace("@HOME@", str(self.home)).replace("@PROJECT@", str(self.project))
                .replace("@TMP@", str(self.tmp)).replace("@FAKEBIN@", str(self.fakebin)))

    def environ(self, extra=None, drop=()):
        env = dict(self.env)
        env.update({k: self.expand(v) for k, v in (extra or {}).items()})
        for k in drop:
            env.pop(k, None)
        return env

    def _run(self, argv0, executable, args, stdin, extra_env, drop_env):
        return subprocess.run([argv0, *[self.expand(a) for a in args]], executable=executable,
                              input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
                              capture_output=True, env=self.environ(extra_env, drop_env), cwd=str(self.project),
                              timeout=WAIT, start_new_session=True)

    def agentsh(self, *args, stdin=None, env=None, drop_env=()):
        return self._run(AGENTSH, AGENTSH, args, stdin, env, drop_env)

    def bash(self, *args, stdin=None, env=None, drop_env=()):
        # argv[0] "bash", as agentsh execs the real bash: `$0` and bash's own messages say "bash"
        return self._run("bash", BASH, args, stdin, env, drop_env)

    def ran(self):
        return sorted(p.name for p in self.markers.iterdir())

    def clear_markers(self):
        for p in self.markers.iterdir():
            p.unlink()


@pytest.fixture
def world(tmp_path):
    return World(tmp_path)


def test_binary_exists():
    assert os.access(AGENTSH, os.X_OK), "run ./install.sh --dev first"


_PGRP = re.compile(rb"process group \(-?\d+\)")


def _bash_stderr(data: bytes) -> bytes:
    # bash -i without a terminal names its process group in a warning; nothing else is normalised
    return _PGRP.sub(b"process group (N)", data)


def assert_same_as_bash(world, args, stdin=None, env=None, drop_env=()):
    got = world.agentsh(*args, stdin=stdin, env=env, drop_env=drop_env)
    want = world.bash(*args, stdin=stdin, env=env, drop_env=drop_env)
    assert got.stdout == want.stdout
    assert _bash_stderr(got.stderr) == _bash_stderr(want.stderr)
    assert got.returncode == want.returncode
    return got


def assert_stopped(proc, world, rule=None, payload=None):
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == STOP_STATUS, stderr
    assert proc.stdout == b""
    assert world.ran() == [], "a stopped command ran: %s" % world.ran()
    assert "safer:" in stderr
    if rule:
        assert rule in stderr, stderr
    if payload is not None:
        first = stderr.splitlines()[0]
        assert first in ("agentsh: blocked: " + payload, "agentsh: needs human confirmation: " + payload), first
    return stderr


# ---- 1. bash behaviours, through agentsh and through bash -------------------------------------------------------
ARGS_SCRIPT = 'echo "script:$0:$1:$2:$#"\nprintf "[%s]" "$@"; echo\necho "to stderr" >&2\nexit 5\n'

BEHAVIOURS = [
    ("positional", ["-c", 'echo "$0|$1|$2|$#"; printf "<%s>" "$@"; echo', "name", "one", "two words"], None, None),
    ("positional-empty-args", ["-c", 'printf "<%s>" "$@"; echo "#$#"', "a0", "", " x ", ""], None, None),
    ("no-arg0", ["-c", 'echo "$0 $#"'], None, None),
    ("dashdash-before-command", ["-c", "--", 'echo "$0|$1"', "a0", "-x"], None, None),
    ("dashdash-as-arg0", ["-c", 'echo "$0|$1|$#"', "--", "b"], None, None),
    ("lc-login", ["-lc", 'echo "[$GREETING]"; shopt -q login_shell && echo login'], None, None),
    ("c-then-l", ["-c", "-l", 'echo "[$GREETING]"; shopt -q login_shell && echo login'], None, None),
    ("login-long", ["--login", "-c", 'echo "[$GREETING]"'], None, None),
    ("noprofile", ["--noprofile", "-lc", 'echo "[${GREETING-}]"'], None, None),
    ("norc-i", ["--norc", "-i", "-c", 'echo "[${RC_LOADED-unset}]"'], None, None),
    ("i-c-sources-bashrc", ["-i", "-c", 'echo "[$RC_LOADED] ${-//[^i]/}"'], None, None),
    ("rcfile-i-c", ["--rcfile", "@HOME@/custom_rc", "-i", "-c", 'echo "[$FROM_RC] [${RC_LOADED-unset}]"'],
     None, None),
    ("errexit", ["-e", "-c", 'echo start; false; echo not-reached'], None, None),
    ("errexit-o", ["-o", "errexit", "-c", "false; echo not-reached"], None, None),
    ("nounset", ["-u", "-c", 'echo "before"; echo "$NOT_SET_ANYWHERE"; echo after'], None, None),
    # no pipeline here: the xtrace order of pipeline stages is a race in bash itself
    ("xtrace", ["-x", "-c", 'a=1; echo "$a"; b=$(echo 2); echo "$b"'], None, None),
    ("pipefail", ["-o", "pipefail", "-c", "false | true; echo \"st=$?\"; false | true"], None, None),
    ("no-pipefail", ["-c", "false | true"], None, None),
    ("histexpand-off", ["+H", "-c", 'echo "hi!" "!!"'], None, None),
    ("shopt-O", ["-O", "extglob", "-c", "shopt extglob; shopt -p nullglob"], None, None),
    ("posix", ["--posix", "-c", 'echo "[$POSIXLY_CORRECT]"; set -o | grep "^posix"'], None, None),
    ("exit-0", ["-c", "true"], None, None),
    ("exit-1", ["-c", "false"], None, None),
    ("exit-7", ["-c", "exit 7"], None, None),
    ("exit-130", ["-c", "exit 130"], None, None),
    ("exit-300-wraps", ["-c", "exit 300"], None, None),
    ("unknown-command-127", ["-c", "no_such_command_agentsh_test --flag"], None, None),
    ("stdout-stderr-status", ["-c", "echo out; echo err >&2; exit 3"], None, None),
    ("script-file-args", ["args.sh", "a", "b c"], None, None),
    ("script-after-dashdash", ["--", "args.sh", "-x"], None, None),
    ("s-with-args", ["-s", "a", "b c"], b'echo "$1|$2|$#"\ncd sub && pwd\n', None),
    ("stdin-no-args", [], b'echo one\nx=2\necho "x=$x"\nexit 9\n', None),
    ("heredoc-multiline", ["-c", "cat <<EOF\nline $1\n  indented \\$HOME\nEOF\n"
                                 "cat <<-'Q'\n\tliteral $1\n\tQ\necho after", "a0", "X"], None, None),
    ("multiline-loop", ["-c", "for i in 1 2 3; do\n  echo \"i=$i\"\ndone\nif true; then echo yes; fi"], None, None),
    ("reads-stdin", ["-c", 'read -r x; echo "got [$x]"; cat'], b"first line\nrest\n", None),
    ("unicode", ["-c", 'printf "%s\\n" "héllo wörld ✓ 日本語 🚀" "$1"; echo "${#1}"', "a0", "ünïcödé"],
     None, None),
    ("version", ["--version"], None, None),
    ("help", ["--help"], None, None),
    ("bash-env", ["-c", 'echo "[$FROM_BASH_ENV]"'], None, {"BASH_ENV": "@HOME@/bash_env"}),
    # agentsh adds exactly one variable, __AGENTSH_GOVERNED (see test_governed_marker_is_the_only_addition)
    ("environment-preserved", ["-c", "env | grep -v '^__AGENTSH_GOVERNED=' | LC_ALL=C sort"], None,
     {"AGENT_VAR": "a b\tc"}),
    ("same-shlvl-and-shell", ["-c", 'echo "$SHLVL $BASH ${BASH_VERSION%%.*}"'], None, None),
    ("cd-in-command", ["-c", "cd sub && pwd && cd .. && pwd -P"], None, None),
    ("empty-command", ["-c", ""], None, None),
    # $$ is a pid, never -1: not `kill -1` (agentsh execs bash in place, so $$ is known exactly)
    ("kill-self-TERM", ["-c", "echo before; kill -TERM $$; echo after"], None, None),
    # Python's PEP 538 locale coercion adds LC_CTYPE; agentsh removes it again before exec
    ("no-LANG-env-preserved", ["-c", 'echo "[${LC_CTYPE-unset}] [${LC_ALL-unset}]"'], None, None),
]


def _behaviour_id(row):
    return row.values[0] if hasattr(row, "marks") else row[0]


@pytest.mark.parametrize("name,args,stdin,env", BEHAVIOURS, ids=[_behaviour_id(r) for r in BEHAVIOURS])
def test_behaves_exactly_as_bash(world, name, args, stdin, env):
    (world.project / "args.sh").write_text(ARGS_SCRIPT)
    (world.home / "custom_rc").write_text("FROM_RC=from-rcfile\n")
    (world.home / "bash_env").write_text("FROM_BASH_ENV=yes\n")
    drop = ("LANG",) if name == "no-LANG-env-preserved" else ()
    assert_same_as_bash(world, args, stdin=stdin, env=env, drop_env=drop)
    assert world.ran() == []


def test_behaviour_table_is_large_enough():
    assert len(BEHAVIOURS) >= 25


def test_large_output_is_byte_identical(world):
    got = assert_same_as_bash(world, ["-c", "head -c 1048576 /dev/zero | tr '\\0' x; echo end >&2"])
    assert got.stdout == b"x" * (1 << 20) and got.stderr == b"end\n"


def test_sigpipe_default_disposition_like_bash(world):
    got = assert_same_as_bash(world, ["-c", "yes 0123456789abcde | head -n 65536 | tail -c 16; "
                                            "grep -E '^(SigIgn|SigBlk)' /proc/$$/status"])
    assert got.stdout.startswith(b"0123456789abcde\n") and got.stderr == b""


@pytest.mark.parametrize("text", ["if then", "echo ok; eval 'if then'", "echo 'unterminated"])
def test_syntax_error_fails_closed(world, text):
    # an intended difference: bash reports the syntax error (status 2) and may run what came before it;
    # agentsh cannot be sure what bash would run, so nothing runs
    assert world.bash("-c", text).returncode in (1, 2)
    p = world.agentsh("-c", text)
    assert_stopped(p, world, "shell.parse-error")


def test_governed_marker_is_the_only_addition(world):
    # the one intended difference from bash: descendants can tell they run under agentsh (approval checks)
    got = world.agentsh("-c", 'echo "$__AGENTSH_GOVERNED $$"; env | grep -c "^__AGENTSH"')
    marker, pid, count = got.stdout.decode().split()
    assert marker == pid and count == "1"


def test_pid_is_the_callers_child_bash_itself(world):
    # agentsh execs bash: the pid the caller started is bash's `$$` (process-group kills and timeouts reach it)
    p = subprocess.Popen([AGENTSH, "-c", 'echo "$$ $BASHPID"'], stdout=subprocess.PIPE, env=world.env,
                         cwd=str(world.project), stdin=subprocess.DEVNULL)
    out, _ = p.communicate(timeout=WAIT)
    assert out.decode() == "%d %d\n" % (p.pid, p.pid)
    assert p.returncode == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_death_is_bashs(world, sig):
    statuses = []
    for argv0, exe in (("agentsh", AGENTSH), ("bash", BASH)):
        p = subprocess.Popen([argv0, "-c", "echo ready; sleep 30; echo not-reached"], executable=exe,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             env=world.env, cwd=str(world.project), start_new_session=True)
        try:
            assert p.stdout.readline() == b"ready\n"
            os.killpg(p.pid, sig)         # the whole group, as agents kill a timed-out command
            out, err = p.communicate(timeout=WAIT)
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        statuses.append((p.returncode, out, err))
    assert statuses[0] == statuses[1]
    assert statuses[0][0] == -sig


# ---- 2. stopped commands never run ------------------------------------------------------------------------------
STOPPED = [
    (["-c", DELETE_VOLUME], "railway.volume-delete"),
    (["-c", "terraform destroy -auto-approve"], "terraform.destroy-auto-approve"),
    (["-c", "psql -c 'DROP TABLE users'"], "sql.drop-table"),
    (["-c", "echo first; %s; echo last" % DELETE_VOLUME], "railway.volume-delete"),
    (["-c", 'V=pg-data; railway volume delete --volume "$V" --yes'], "railway.volume-delete"),
    (["-c", 'eval "$1"', "a0", DELETE_VOLUME], "railway.volume-delete"),
    (["-c", '"$@"', "a0", "railway", "volume", "delete", "--volume", "pg-data", "--yes"], "railway.volume-delete"),
    (["-c", "bash -c %s" % shlex.quote(DELETE_VOLUME)], "railway.volume-delete"),
    (["-c", "f() { %s; }; echo defined; f" % DELETE_VOLUME], "railway.volume-delete"),
    (["-c", "cat <<EOF | bash\n%s\nEOF" % DELETE_VOLUME], "railway.volume-delete"),
    (["-lc", DELETE_VOLUME], "railway.volume-delete"),
    (["-c", "-l", DELETE_VOLUME], "railway.volume-delete"),
    (["-e", "-x", "-c", DELETE_VOLUME], "railway.volume-delete"),
    (["--norc", "--noprofile", "-c", DELETE_VOLUME], "railway.volume-delete"),
    (["-i", "-c", DELETE_VOLUME], "railway.volume-delete"),
    (["-o", "pipefail", "-c", "-l", DELETE_VOLUME], "railway.volume-delete"),
    (["deploy.sh", "staging"], "railway.volume-delete"),
]


@pytest.mark.parametrize("args,rule", STOPPED, ids=[" ".join(a)[:60] for a, _ in STOPPED])
def test_stopped_command_never_runs(world, args, rule):
    (world.project / "deploy.sh").write_text('echo "deploying $1"\n%s\n' % DELETE_VOLUME)
    p = world.agentsh(*args)
    assert_stopped(p, world, rule)
    # the same argv through bash does reach the fake tool: the stop is what kept it from running
    world.bash(*args)
    assert world.ran() != []


@pytest.mark.parametrize("startup,args", [
    ("bash_env", ["-c", "echo hi"]),
    (".bashrc", ["-i", "-c", "echo hi"]),
    (".profile", ["-lc", "echo hi"]),
    ("custom_rc", ["--rcfile", "@HOME@/custom_rc", "-i", "-c", "echo hi"]),
])
def test_destructive_startup_file_stops_the_command(world, startup, args):
    (world.home / startup).write_text('PATH="%s:$PATH"\n%s\n' % (world.fakebin, DELETE_VOLUME))
    p = world.agentsh(*args, env={"BASH_ENV": "@HOME@/bash_env"} if startup == "bash_env" else None)
    stderr = assert_stopped(p, world, "railway.volume-delete")
    assert startup in stderr


# ---- 3. the agents' invocation forms (agent-integrations.md section 4) ------------------------------------------
SNAPSHOT = ("shopt -s expand_aliases\n"
            'greet() { echo "hello from $1"; }\n'
            "alias sayhi='echo hi-from-alias'\n"
            "export SNAPSHOT_VAR=snap\n")


def claude_wrapper(world, command):
    """Claude Code's per-call shape: single quotes in the command are encoded as '"'"'."""
    encoded = command.replace("'", "'\"'\"'")
    return ("source %s/.claude/shell-snapshots/snapshot-bash-1-abc.sh 2>/dev/null || true && shopt -u extglob "
            "2>/dev/null || true && eval '%s' < /dev/null && pwd -P >| %s/claude-ab12-cwd"
            % (world.home, encoded, world.tmp))


def gemini_wrapper(world, command):
    return ("shopt -u promptvars nullglob extglob nocaseglob dotglob; _bgpids_file=%s/x.tmp\n(\n trap "
            "'jobs -p > \"$_bgpids_file\"' EXIT\n%s\n)\n__code=$?\nexit $__code" % (world.tmp, command))


def write_snapshot(world, text=SNAPSHOT):
    d = world.home / ".claude" / "shell-snapshots"
    d.mkdir(parents=True, exist_ok=True)
    (d / "snapshot-bash-1-abc.sh").write_text(text)
    return d / "snapshot-bash-1-abc.sh"


def _cwd_file(world):
    return world.tmp / "claude-ab12-cwd"


@pytest.mark.parametrize("with_snapshot", [False, True], ids=["no-snapshot", "snapshot"])
@pytest.mark.parametrize("payload", [
    "echo hello; ls -1 | head -n 3",
    "echo \"it's quoted\"; printf '%s\\n' 'single '\"'\"' inside'",
    "cd sub && echo \"in $(basename \"$PWD\")\"",
    "cat <<'EOF'\nheredoc $body\nEOF",
])
def test_claude_wrapper_benign_runs_as_bash(world, with_snapshot, payload):
    if with_snapshot:
        write_snapshot(world)
    args = ["-c", claude_wrapper(world, payload)]
    want = world.bash(*args)
    want_cwd = _cwd_file(world).read_text()
    _cwd_file(world).unlink()
    got = world.agentsh(*args)
    assert (got.stdout, got.stderr, got.returncode) == (want.stdout, want.stderr, want.returncode)
    assert got.returncode == 0 and got.stderr == b""
    assert _cwd_file(world).read_text() == want_cwd
    assert want_cwd.strip() in (str(world.project), str(world.project / "sub"))


def test_claude_wrapper_uses_the_snapshots_function_and_alias(world):
    write_snapshot(world)
    got = assert_same_as_bash(world, ["-c", claude_wrapper(world, 'greet world; sayhi; echo "$SNAPSHOT_VAR"')])
    assert got.stdout == b"hello from world\nhi-from-alias\nsnap\n"


@pytest.mark.parametrize("with_snapshot", [False, True], ids=["no-snapshot", "snapshot"])
@pytest.mark.parametrize("payload", [
    DELETE_VOLUME,
    "railway volume delete --volume 'pg-data' --yes",
    "echo ok && terraform destroy -auto-approve",
])
def test_claude_wrapper_destructive_is_stopped_and_named(world, with_snapshot, payload):
    if with_snapshot:
        write_snapshot(world)
    p = world.agentsh("-c", claude_wrapper(world, payload))
    stderr = assert_stopped(p, world, payload=payload)
    assert "shell-snapshots" not in stderr.splitlines()[0] and "pwd -P" not in stderr.splitlines()[0]
    assert not _cwd_file(world).exists()


def test_claude_wrapper_destructive_function_from_snapshot_is_stopped(world):
    write_snapshot(world, SNAPSHOT + "dropvol() { %s; }\n" % DELETE_VOLUME)
    p = world.agentsh("-c", claude_wrapper(world, "dropvol"))
    assert_stopped(p, world, "railway.volume-delete")


def test_claude_wrapper_destructive_alias_from_snapshot_is_stopped(world):
    write_snapshot(world, SNAPSHOT + "alias nukevol='%s'\n" % DELETE_VOLUME)
    args = ["-c", claude_wrapper(world, "nukevol")]
    world.bash(*args)
    assert world.ran() == ["railway"], "bash itself expands the snapshot's alias inside eval"
    world.clear_markers()
    p = world.agentsh(*args)
    assert_stopped(p, world, "railway.volume-delete")


def test_claude_wrapper_benign_payload_with_a_dangerous_function_defined_in_snapshot(world):
    write_snapshot(world, SNAPSHOT + "dropvol() { %s; }\n" % DELETE_VOLUME)
    got = assert_same_as_bash(world, ["-c", claude_wrapper(world, "echo hello")])
    assert got.stdout == b"hello\n"


def claude_snapshot_creation(world):
    # the shape of Claude Code's `bash -c -l "SNAPSHOT_FILE=…"` call (options after -c)
    snap = world.home / ".claude" / "shell-snapshots" / "snapshot-bash-2-xyz.sh"
    return snap, ("SNAPSHOT_FILE=%s\n"
                  "source \"$HOME/.bashrc\" < /dev/null\n"
                  "echo \"# Snapshot file\" >| \"$SNAPSHOT_FILE\"\n"
                  "echo \"unalias -a 2>/dev/null || true\" >> \"$SNAPSHOT_FILE\"\n"
                  "declare -f | base64 -w0 > /dev/null\n"
                  "declare -F | cut -d' ' -f3 >> \"$SNAPSHOT_FILE\"\n"
                  "alias | sed 's/^alias //g' >> \"$SNAPSHOT_FILE\"\n"
                  "shopt -p >> \"$SNAPSHOT_FILE\"\n"
                  "echo \"export PATH=$(printf %%q \"$PATH\")\" >> \"$SNAPSHOT_FILE\"\n"
                  "if [ ! -f \"$SNAPSHOT_FILE\" ]; then echo \"Error\" >&2; exit 1; fi\n" % snap)


def test_claude_snapshot_creation_runs_as_bash(world):
    (world.home / ".claude" / "shell-snapshots").mkdir(parents=True)
    (world.home / ".bashrc").write_text("rcfunc() { echo rc; }\nalias ll='ls -l'\n")
    snap, text = claude_snapshot_creation(world)
    want = world.bash("-c", "-l", text)
    want_snap = snap.read_text()
    snap.unlink()
    got = world.agentsh("-c", "-l", text)
    assert (got.stdout, got.stderr, got.returncode) == (want.stdout, want.stderr, want.returncode)
    assert got.returncode == 0
    assert snap.read_text() == want_snap and "rcfunc" in want_snap and "ll=" in want_snap


def test_claude_snapshot_creation_with_destructive_bashrc_is_stopped(world):
    (world.home / ".claude" / "shell-snapshots").mkdir(parents=True)
    (world.home / ".bashrc").write_text("%s\n" % DELETE_VOLUME)
    snap, text = claude_snapshot_creation(world)
    p = world.agentsh("-c", "-l", text)
    assert_stopped(p, world, "railway.volume-delete")
    assert not snap.exists()


@pytest.mark.parametrize("payload", ["echo hi; echo \"$0\"", "for i in 1 2; do echo $i; done; (exit 3)",
                                     "sleep 0 & echo bg"])
def test_gemini_wrapper_benign_runs_as_bash(world, payload):
    args = ["-c", gemini_wrapper(world, payload)]
    assert_same_as_bash(world, args)


def test_gemini_wrapper_destructive_is_stopped_and_named(world):
    p = world.agentsh("-c", gemini_wrapper(world, DELETE_VOLUME))
    stderr = assert_stopped(p, world, "railway.volume-delete", payload=DELETE_VOLUME)
    assert "_bgpids_file" not in stderr


def test_codex_login_form(world):
    got = assert_same_as_bash(world, ["-lc", 'echo "$GREETING"; pwd'])
    assert got.stdout == ("from-profile\n%s\n" % world.project).encode()
    p = world.agentsh("-lc", DELETE_VOLUME)
    assert_stopped(p, world, "railway.volume-delete", payload=DELETE_VOLUME)


CODEX_RUNNER = '. "$1" && shift && exec "$@"'


def test_codex_snapshot_runner_benign(world):
    snap = write_snapshot(world)
    got = assert_same_as_bash(world, ["-c", CODEX_RUNNER, "arg0", str(snap), "bash", "-lc",
                                      'echo "codex $GREETING $SNAPSHOT_VAR"'])
    assert got.stdout == b"codex from-profile snap\n"


def test_codex_snapshot_runner_destructive(world):
    snap = write_snapshot(world)
    p = world.agentsh("-c", CODEX_RUNNER, "arg0", str(snap), "bash", "-lc", DELETE_VOLUME)
    stderr = assert_stopped(p, world, "railway.volume-delete")
    assert DELETE_VOLUME in stderr.splitlines()[0] and CODEX_RUNNER not in stderr.splitlines()[0]


def test_goose_path_probe_prints_exactly_bashs_path(world):
    got = assert_same_as_bash(world, ["-l", "-i", "-c", "echo $PATH"])
    lines = got.stdout.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(str(world.fakebin) + ":")


def test_aider_interactive_c(world):
    got = assert_same_as_bash(world, ["-i", "-c", 'echo "aider $RC_LOADED"; exit 2'])
    assert got.stdout == b"aider yes\n" and got.returncode == 2
    p = world.agentsh("-i", "-c", DELETE_VOLUME)
    assert_stopped(p, world, "railway.volume-delete", payload=DELETE_VOLUME)


# ---- 4. stdin mode: a persistent pipe, commands run as they arrive ----------------------------------------------
class PipeSession:
    """agentsh with stdin a pipe that stays open, as API bash tools hold it."""

    def __init__(self, world, *args):
        self.world = world
        self.proc = subprocess.Popen([AGENTSH, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=world.env, cwd=str(world.project), bufsize=0,
                                     start_new_session=True)
        self.buf = b""

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def line(self):
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + WAIT
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no output line; so far %r" % self.buf)
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                data = os.read(fd, 65536)
                if not data:
                    raise AssertionError("agentsh exited early (%r); stderr %r"
                                         % (self.buf, self.proc.stderr.read()))
                self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def ask(self, text):
        self.send(text)
        return self.line()

    def finish(self):
        out, err = self.proc.communicate(timeout=WAIT)
        return self.buf + out, err.decode("utf-8", "replace"), self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.fixture
def pipe(world):
    sessions = []

    def start(*args):
        s = PipeSession(world, *args)
        sessions.append(s)
        return s
    yield start
    for s in sessions:
        s.kill()


def test_stdin_runs_each_command_as_it_arrives(pipe):
    s = pipe()
    assert s.ask("echo one\n") == "one"          # answered while the pipe is still open: no wait for EOF
    assert s.ask("echo two\n") == "two"
    pid = s.ask("echo $$\n")
    assert s.ask("echo $$\n") == pid              # one persistent bash
    assert s.finish() == (b"", "", 0)


def test_stdin_state_persists(pipe, world):
    s = pipe()
    s.send("cd sub\n")
    assert s.ask("pwd\n") == str(world.project / "sub")
    s.send("X=42\n")
    s.send('f() { echo "f:$1:$X"; }\n')
    assert s.ask("f a\n") == "f:a:42"
    s.send("alias_me() { echo aliased; }; shopt -s expand_aliases; alias am=alias_me\n")
    assert s.ask("am\n") == "aliased"
    s.send("set -e\n")
    assert s.ask("echo alive\n") == "alive"
    s.send("false\n")                             # set -e from an earlier command ends the shell here
    s.send("echo never\n")
    out, err, status = s.finish()
    assert (out, status) == (b"", 1)


def test_stdin_multiline_commands_run_once_complete(pipe):
    s = pipe()
    s.send("for i in 1 2 3; do\n")
    s.send('  echo "i=$i"\n')
    s.send("done\n")
    assert [s.line(), s.line(), s.line()] == ["i=1", "i=2", "i=3"]
    s.send("X=world\n")
    s.send("cat <<EOF\n")
    s.send("hello $X\n")
    s.send("EOF\n")
    assert s.line() == "hello world"
    s.send("echo a \\\n")
    assert s.ask("b\n") == "a b"
    s.send("if true\nthen\n")
    assert s.ask("echo inside; fi\n") == "inside"
    assert s.finish()[2] == 0


def test_stdin_destructive_command_in_the_middle_is_stopped(pipe, world):
    s = pipe()
    assert s.ask("echo before\n") == "before"
    s.send(DELETE_VOLUME + "\n")
    assert s.ask('echo "status=$?"\n') == "status=126"
    assert s.ask("echo after\n") == "after"
    out, err, status = s.finish()
    assert world.ran() == []
    assert "railway.volume-delete" in err and "safer:" in err
    assert (out, status) == (b"", 0)


def test_stdin_vets_with_the_sessions_earlier_state(pipe, world):
    s = pipe()
    s.send("V=pg-data\n")
    s.send('railway volume delete --volume "$V" --yes\n')
    assert s.ask('echo "status=$?"\n') == "status=126"
    s.send("for v in pg-data; do\n")
    s.send('  railway volume delete --volume "$v" --yes\n')
    s.send("done\n")
    assert s.ask('echo "status=$?"\n') == "status=126"
    out, err, status = s.finish()
    assert world.ran() == [] and err.count("railway.volume-delete") >= 2


def test_stdin_exit_status_after_eof(pipe):
    s = pipe()
    assert s.ask("echo hi\n") == "hi"
    s.send("exit 4\n")
    s.proc.stdin.close()
    assert s.proc.wait(timeout=WAIT) == 4


def test_stdin_exit_ends_the_session_while_the_pipe_is_open(pipe):
    s = pipe()
    assert s.ask("echo hi\n") == "hi"
    s.send("exit 4\n")
    assert s.proc.wait(timeout=15) == 4


def test_stdin_s_mode_with_arguments(pipe):
    s = pipe("-s", "first", "second arg")
    assert s.ask('echo "$1|$2|$#"\n') == "first|second arg|2"
    s.send(DELETE_VOLUME + "\n")
    assert s.ask("echo $?\n") == "126"
    assert s.finish()[2] == 0


# ---- 5. interactive mode through a real pty ---------------------------------------------------------------------
PROMPT = "agentsh-test$ "


class PtyShell:
    def __init__(self, world, *args, env=None):
        environ = world.environ(env)
        environ.update({"TERM": "dumb", "INPUTRC": "/dev/null"})
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.chdir(str(world.project))
                os.execve(AGENTSH, [AGENTSH, *args], environ)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.out = b""          # everything read so far
        self.seen = 0           # how far expect() has consumed
        self.status = None

    def _read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:          # EIO: the child closed the terminal
            data = b""
        if not data:
            return None
        self.out += data
        return True

    def expect(self, text):
        want = text.encode()
        deadline = time.monotonic() + WAIT
        while True:
            at = self.out.find(want, self.seen)
            if at >= 0:
                chunk = self.out[self.seen:at + len(want)].decode("utf-8", "replace")
                self.seen = at + len(want)
                return chunk
            left = deadline - time.monotonic()
            if left <= 0 or self._read(left) is None:
                raise AssertionError("did not see %r; output so far:\n%s"
                                     % (text, self.out.decode("utf-8", "replace")))

    def send(self, line):
        os.write(self.fd, line.encode() + b"\n")

    def run(self, line, marker):
        """Type a line, then a marker echo built so that only its output (not the typed text) matches."""
        self.send(line)
        self.send("echo MA''RK%s" % marker)
        return self.expect("MARK%s\r\n" % marker)

    def wait(self):
        deadline = time.monotonic() + WAIT
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                raise AssertionError("the shell did not exit; output:\n%s" % self.out.decode("utf-8", "replace"))
            self._read(0.2)
        return self.status

    def close(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.status = -9
        os.close(self.fd)


@pytest.fixture
def shell(world):
    shells = []

    def start(*args, env=None):
        sh = PtyShell(world, *args, env=env)
        shells.append(sh)
        return sh
    yield start
    for sh in shells:
        sh.close()


def _bashrc_with_prompt(world, extra=""):
    (world.home / ".bashrc").write_text("PS1='%s'\n%s" % (PROMPT, extra))


def test_interactive_prompt_runs_and_exit_status(world, shell):
    _bashrc_with_prompt(world)
    sh = shell()
    sh.expect(PROMPT)
    sh.send("echo hel''lo")
    sh.expect("hello\r\n")
    sh.expect(PROMPT)
    sh.send("exit 3")
    assert sh.wait() == 3


def test_interactive_destructive_line_is_stopped(world, shell):
    _bashrc_with_prompt(world)
    sh = shell()
    sh.expect(PROMPT)
    out = sh.run("echo start; " + DELETE_VOLUME, 1)
    assert "railway.volume-delete" in out and "safer:" in out
    assert "\r\nstart\r\n" not in out          # the whole line is skipped, not only the dangerous command
    sh.send("V=pg-data")
    out = sh.run('railway volume delete --volume "$V" --yes', 2)
    assert "railway.volume-delete" in out
    sh.send("for v in pg-data; do")
    sh.send('  railway volume delete --volume "$v" --yes')
    out = sh.run("done", 3)
    assert "railway.volume-delete" in out
    sh.send("exit 0")
    assert sh.wait() == 0
    assert world.ran() == []


def test_interactive_state_and_multiline_loop(world, shell):
    _bashrc_with_prompt(world)
    sh = shell()
    sh.expect(PROMPT)
    sh.send("cd sub")
    sh.send("X=5")
    sh.send('echo "where=$(basename "$PWD") x=$X"')
    sh.expect("where=sub x=5\r\n")
    sh.send("for i in 1 2; do")
    sh.send('  echo "n$((i*10))"')
    sh.send("done")
    sh.expect("n10\r\n")
    sh.expect("n20\r\n")
    sh.send("exit")
    assert sh.wait() == 0


@pytest.mark.parametrize("tamper", ["trap - DEBUG", "set +o history", "shopt -u extdebug", "history -c",
                                    "trap '' DEBUG", "unset -f __agentsh_preexec", "enable -n trap"])
def test_interactive_guard_cannot_be_switched_off(world, shell, tamper):
    _bashrc_with_prompt(world)
    sh = shell()
    sh.expect(PROMPT)
    out = sh.run(tamper, 1)
    assert "agentsh.guard-tamper" in out or "agentsh: blocked" in out, out
    out = sh.run(DELETE_VOLUME, 2)
    assert "railway.volume-delete" in out
    sh.send("echo st''ill-guarded")
    sh.expect("still-guarded\r\n")
    sh.send("exit 0")
    assert sh.wait() == 0
    assert world.ran() == []


# recognised on the analyzed commands (after eval, builtin, quoting and variables), not on the typed text
OBFUSCATED_TAMPER = [
    "eval 'tr''ap - DEB''UG'",
    'T=DEBUG; trap - "$T"',
    'builtin "tr"ap - DEBUG',
    "shopt -u extdeb''ug",
    "x=extdeb; shopt -u ${x}ug",
    "set +o hist''ory",
]


@pytest.mark.parametrize("tamper", OBFUSCATED_TAMPER)
def test_interactive_guard_survives_obfuscated_tampering(world, shell, tamper):
    _bashrc_with_prompt(world)
    sh = shell()
    sh.expect(PROMPT)
    sh.send(tamper)
    sh.send(DELETE_VOLUME)
    sh.send("echo MA''RK1")
    sh.send("\x04")             # end of input: leaves even a shell that refuses every line (including `exit`)
    sh.wait()
    assert world.ran() == [], sh.out.decode("utf-8", "replace")


def test_interactive_exec_of_an_unguarded_shell_is_stopped(world, shell):
    _bashrc_with_prompt(world)
    sh = shell()
    sh.expect(PROMPT)
    out = sh.run("exec bash --norc", 1)
    assert "shell.interactive-shell" in out
    out = sh.run(DELETE_VOLUME, 2)
    assert "railway.volume-delete" in out
    sh.send("exit 5")
    assert sh.wait() == 5
    assert world.ran() == []


def test_interactive_init_file_is_sourced(world, shell):
    init = world.home / "init.sh"
    init.write_text("PS1='%s'\nINIT_VAR=from-init\n" % PROMPT)
    sh = shell("--init-file", str(init))
    sh.expect(PROMPT)
    sh.send('echo "v=$INIT_VAR rc=${RC_LOADED-unset}"')
    sh.expect("v=from-init rc=unset\r\n")
    sh.send("exit 0")
    assert sh.wait() == 0


def test_interactive_destructive_bashrc_is_not_sourced(world, shell):
    (world.home / ".bashrc").write_text("%s\nRC_VAR=set\n" % DELETE_VOLUME)
    sh = shell()
    out = sh.run('echo "rc=[${RC_VAR-unset}]"', 1)
    assert "rc=[unset]" in out
    assert "railway.volume-delete" in out
    sh.send("exit 0")
    assert sh.wait() == 0
    assert world.ran() == []


# ---- 6. starting an unguarded interactive shell from inside agentsh ---------------------------------------------
def test_bash_on_a_terminal_is_stopped(world, shell):
    sh = shell("-c", "bash")
    assert sh.wait() == STOP_STATUS
    out = sh.out.decode("utf-8", "replace")
    assert "shell.interactive-shell" in out


@pytest.mark.parametrize("command", ["exec bash -i", "bash -i", "script -q /dev/null", "tmux new",
                                     "exec bash --norc", "sh -i", "python3 -c 'import pty; pty.spawn(\"bash\")'"])
def test_unguarded_interactive_shells_are_stopped(world, command):
    p = world.agentsh("-c", command, env={"TMUX_TMPDIR": "@TMP@"})
    stderr = assert_stopped(p, world)
    assert "shell.interactive-shell" in stderr or "interpreter" in stderr, stderr

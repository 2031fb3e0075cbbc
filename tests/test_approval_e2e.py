"""End-to-end: the human-approval queue and agentsh's self-protection, through the real `agentsh` binary.

The agent is `agentsh -c CMD` started with pipes (as agents run it). The human is `agentsh pending|approve|deny|
allow-once|review` run on a pseudo-terminal (stdin and stdout a pty, stderr a pipe) with an environment built from
scratch, so nothing of the test runner's own environment (agent markers, the governed-shell marker) reaches it.
Nothing destructive ever runs: `railway`, `kubectl`, `pip`, `sqlite3` and `agentsh` on the agent's PATH are fakes
that append to a log in a marker directory, and HOME and the XDG directories are temporary.
"""
import json
import os
import pwd
import re
import select
import signal
import subprocess
import sys
import time

import pytest

from tests.test_shell_e2e import AGENTSH, BASH, STOP_STATUS, WAIT, World

EXIT_STOPPED = 1          # agentsh's "did not happen" for the human commands (typed wrong, already decided)
EXIT_REFUSED = 3          # a human command run by something that is not a human outside the agent
DELETE_VOLUME = "railway volume delete --volume pg-data --yes"
DELETE_OTHER = "railway volume delete --volume pg-datb --yes"       # one character away from DELETE_VOLUME
PROD_DELETE = "kubectl --context prod-cluster delete deployment web"
LOGGED_FAKES = ("railway", "kubectl", "pip", "pip3", "sqlite3", "agentsh")
HUMAN_PATH = "%s:/usr/local/bin:/usr/bin:/bin" % os.path.dirname(AGENTSH)
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
POLL = 0.1

pytestmark = pytest.mark.skipif(not os.access(BASH, os.X_OK), reason="needs /bin/bash")


# ---- the world ----------------------------------------------------------------------------------------------------
class ApprovalWorld(World):
    """test_shell_e2e's World with fakes that log every run (a second run is visible) and an approval config."""

    def __init__(self, tmp_path):
        super().__init__(tmp_path)
        for tool in LOGGED_FAKES:
            script = self.fakebin / tool
            script.write_text('#!/bin/sh\necho "$*" >> "%s/%s.log"\necho "fake %s ran"\n'
                              % (self.markers, tool, tool))
            script.chmod(0o755)
        self.state = self.home / ".state" / "agentsh"
        self.audit_log = self.state / "audit.jsonl"
        self.approvals_db = self.state / "approvals.db"

    def set_approval(self, wait, expiry=None):
        text = "[approval]\nwait = %s\n" % json.dumps(wait)
        if expiry is not None:
            text += "expiry = %s\n" % json.dumps(expiry)
        (self.home / ".config" / "agentsh" / "config.toml").write_text(text)

    def runs(self, tool):
        log = self.markers / ("%s.log" % tool)
        return log.read_text().splitlines() if log.exists() else []

    def human_env(self, extra=None):
        """What a person's terminal would have: no agent marker, no governed-shell marker, nothing inherited."""
        env = {k: self.env[k] for k in ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME",
                                        "XDG_DATA_HOME")}
        env.update({"PATH": HUMAN_PATH, "TERM": "dumb", "LANG": "C.UTF-8"})
        env.update(extra or {})
        return env

    def audit(self):
        if not self.audit_log.exists():
            return []
        return [json.loads(line) for line in self.audit_log.read_text().splitlines() if line.strip()]


class Terminal:
    """A process whose stdin and stdout are a pseudo-terminal (stderr a pipe, to tell the streams apart)."""

    def __init__(self, argv, env, cwd):
        master, slave = os.openpty()
        try:
            self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env,
                                         cwd=cwd, start_new_session=True)
        finally:
            os.close(slave)
        self.master = master
        self.err_fd = self.proc.stderr.fileno()
        self.out = b""
        self.err = b""
        self.open = {master, self.err_fd}

    @property
    def pid(self):
        return self.proc.pid

    def _pump(self, timeout):
        ready, _, _ = select.select(list(self.open), [], [], timeout)
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:          # EIO: nobody holds the terminal any more
                data = b""
            if not data:
                self.open.discard(fd)
            elif fd == self.master:
                self.out += data
            else:
                self.err += data

    def expect(self, text):
        """Wait for text on either stream (Python's input() writes its prompt to stderr on a terminal)."""
        deadline = time.monotonic() + WAIT
        while text.encode() not in self.out and text.encode() not in self.err:
            if time.monotonic() > deadline or not self.open:
                raise AssertionError("did not see %r; stdout %r stderr %r" % (text, self.out, self.err))
            self._pump(POLL)

    def type(self, text):
        os.write(self.master, text.encode())

    def finish(self):
        """(exit status, stdout, stderr) once the process has exited and its output is read."""
        deadline = time.monotonic() + WAIT
        while self.open and (self.proc.poll() is None or self.err_fd in self.open):
            if time.monotonic() > deadline:
                raise AssertionError("did not exit; stdout %r stderr %r" % (self.out, self.err))
            self._pump(POLL)
        self._pump(0)
        status = self.proc.wait(timeout=WAIT)
        self.close()
        return status, self.out.replace(b"\r\n", b"\n").decode("utf-8", "replace"), self.err.decode("utf-8",
                                                                                                    "replace")

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self.master is not None:
            os.close(self.master)
            self.master = None
        self.proc.stderr.close()
        self.open = set()


class Agent:
    """`agentsh -c CMD` as an agent runs it: stdin /dev/null (or a pipe), stdout and stderr captured."""

    def __init__(self, world, command, env=None, stdin=subprocess.DEVNULL, argv=None):
        self.proc = subprocess.Popen(argv or [AGENTSH, "-c", command], stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=world.environ(env), cwd=str(world.project),
                                     start_new_session=True)

    def running(self):
        return self.proc.poll() is None

    def finish(self):
        out, err = self.proc.communicate(timeout=WAIT)
        return self.proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.communicate()


@pytest.fixture
def world(tmp_path):
    return ApprovalWorld(tmp_path)


@pytest.fixture
def procs():
    """Starts agents and terminals; whatever a failing test left running is killed."""
    started = []

    class Starter:
        def agent(self, world, command, **kw):
            a = Agent(world, command, **kw)
            started.append(a)
            return a

        def terminal(self, argv, env, cwd):
            t = Terminal(argv, env, cwd)
            started.append(t)
            return t
    yield Starter()
    for p in started:
        if isinstance(p, Agent):
            p.kill()
        else:
            p.close()


def human(world, procs, *args, env=None, cwd=None, argv=None):
    """Start `agentsh ARGS` at a human's terminal; returns the Terminal (call finish())."""
    return procs.terminal(argv or [AGENTSH, *args], world.human_env(env), str(cwd or world.tmp))


def run_human(world, procs, *args, env=None, cwd=None, argv=None):
    return human(world, procs, *args, env=env, cwd=cwd, argv=argv).finish()


def pending(world, procs, show_all=False):
    status, out, err = run_human(world, procs, "pending", "--json", *(["--all"] if show_all else []))
    assert status == 0, err
    return json.loads(out)


def wait_for_requests(world, procs, agents, count=1):
    """The pending requests once `count` exist (each agent must still be waiting for one)."""
    deadline = time.monotonic() + WAIT
    while True:
        rows = pending(world, procs)
        if len(rows) >= count:
            return rows
        for a in agents:
            if not a.running():
                raise AssertionError("the agent stopped instead of waiting: %r" % (a.finish(),))
        if time.monotonic() > deadline:
            raise AssertionError("no pending request appeared")
        time.sleep(POLL)


def wait_for_request(world, procs, agent):
    rows = wait_for_requests(world, procs, [agent])
    assert len(rows) == 1, rows
    return rows[0]


# ---- can a human approve at all here? ------------------------------------------------------------------------------
PROBE = "import json; from agentsh.approval import approver_problems; print(json.dumps(approver_problems()))"


@pytest.fixture(scope="module")
def approver_problems_here(tmp_path_factory):
    """approver_problems() as seen by a clean process on a pty started from this test run. Non-empty when the
    test runner itself (or one of its ancestors) looks like an agent: then no human can approve from here."""
    w = ApprovalWorld(tmp_path_factory.mktemp("probe"))
    t = Terminal([sys.executable, "-c", PROBE], w.human_env(), str(w.tmp))
    status, out, err = t.finish()
    assert status == 0, err
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def needs_human(approver_problems_here):
    if approver_problems_here:
        pytest.xfail("this test run's own process tree looks like an agent, so agentsh refuses every human "
                     "started from it: %s" % "; ".join(approver_problems_here))


def test_a_clean_terminal_started_from_this_test_may_approve(approver_problems_here):
    # documents the premise of the approval tests: the ancestry check does not see the test runner as an agent
    if approver_problems_here:
        pytest.xfail("refused here: %s" % "; ".join(approver_problems_here))
    assert approver_problems_here == []


# ---- 1. a waiting command, approved by a human ---------------------------------------------------------------------
def test_waiting_command_runs_once_after_a_human_approves(world, procs, needs_human):
    world.set_approval(30)
    agent = procs.agent(world, DELETE_VOLUME)
    req = wait_for_request(world, procs, agent)
    assert set(req) >= {"id", "command", "cwd", "environment", "findings", "created", "expires"}
    assert (req["command"], req["cwd"], req["environment"], req["state"], req["typed"]) == \
        (DELETE_VOLUME, str(world.project), "local", "pending", None)
    assert [f["rule"] for f in req["findings"]] == ["railway.volume-delete"]
    assert ISO_TIME.match(req["created"]) and ISO_TIME.match(req["expires"]) and req["expires"] > req["created"]
    assert world.runs("railway") == []

    status, out, err = run_human(world, procs, "approve", req["id"])
    assert (status, out, err) == (0, "approved %s: %s\n" % (req["id"], DELETE_VOLUME), "")

    status, out, err = agent.finish()
    assert (status, out) == (0, "fake railway ran\n"), err
    assert world.runs("railway") == ["volume delete --volume pg-data --yes"]
    assert err.startswith("agentsh: needs human confirmation: %s\n" % DELETE_VOLUME)
    assert err.count("Waiting up to 30 s for a human") == 1
    assert err.endswith("agentsh: approved by a human; running it once.\n")
    assert req["id"] not in err
    assert pending(world, procs) == []
    assert [r["state"] for r in pending(world, procs, show_all=True)] == ["used"]


# ---- 2. denied, expired ---------------------------------------------------------------------------------------------
def test_denied_command_never_runs(world, procs, needs_human):
    world.set_approval(30)
    agent = procs.agent(world, DELETE_VOLUME)
    req = wait_for_request(world, procs, agent)
    status, out, err = run_human(world, procs, "deny", req["id"])
    assert (status, out, err) == (0, "denied %s: %s\n" % (req["id"], DELETE_VOLUME), "")
    status, out, err = agent.finish()
    assert (status, out) == (STOP_STATUS, "")
    assert "A human denied it (exit status 126)" in err and req["id"] not in err
    assert world.runs("railway") == []
    assert [r["state"] for r in pending(world, procs, show_all=True)] == ["denied"]
    # a denied request cannot be approved afterwards
    status, out, err = run_human(world, procs, "approve", req["id"])
    assert (status, err) == (EXIT_STOPPED, "agentsh: request %s is already denied\n" % req["id"])


def test_unapproved_request_expires_and_never_runs(world, procs):
    world.set_approval("1s")
    status, out, err = procs.agent(world, DELETE_VOLUME).finish()
    assert (status, out) == (STOP_STATUS, "")
    assert "Waiting up to 1 s" in err
    assert "No human approved it within 1 s, so it did not run (exit status 126)" in err
    assert world.runs("railway") == []
    assert [r["state"] for r in pending(world, procs, show_all=True)] == ["expired"]
    assert [r["event"] for r in world.audit()] == ["confirm", "requested", "expired"]


# ---- 3. the agent cannot approve ------------------------------------------------------------------------------------
def _pipe_approval(world, procs, req_id):
    # stdout is still the terminal: only stdin is a pipe
    return run_human(world, procs, argv=[BASH, "-c", "yes | agentsh approve %s" % req_id])


def _approval_through_agentsh(world, procs, req_id):
    return run_human(world, procs, argv=[AGENTSH, "-c", "agentsh approve %s" % req_id])


def _approval_in_governed_env(world, procs, req_id):
    return run_human(world, procs, "approve", req_id, env={"__AGENTSH_GOVERNED": "1"})


def _approval_with_agent_marker(world, procs, req_id):
    return run_human(world, procs, "approve", req_id, env={"CLAUDECODE": "1"})


def _approval_under_agent_ancestor(world, procs, req_id):
    # the approver's own environment is scrubbed, but its parent bash still carries CLAUDECODE
    # (`; exit $?` keeps bash from exec'ing the last command, so it stays an ancestor)
    return run_human(world, procs, argv=[BASH, "-c", "env -u CLAUDECODE agentsh approve %s; exit $?" % req_id],
                     env={"CLAUDECODE": "1"})


ATTEMPTS = [
    ("stdin-a-pipe", _pipe_approval, EXIT_REFUSED, "stdin and stdout must be a terminal"),
    ("through-agentsh-c", _approval_through_agentsh, STOP_STATUS, "agentsh.self-approve"),
    ("governed-marker", _approval_in_governed_env, EXIT_REFUSED,
     "this process runs inside an agentsh-governed shell"),
    ("agent-marker", _approval_with_agent_marker, EXIT_REFUSED,
     "this process runs inside claude-code (environment variable CLAUDECODE)"),
    ("agent-ancestor", _approval_under_agent_ancestor, EXIT_REFUSED, "has the agent marker CLAUDECODE"),
]


@pytest.mark.parametrize("name,attempt,want_status,problem", ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
def test_agent_cannot_approve(world, procs, name, attempt, want_status, problem):
    world.set_approval(60)
    agent = procs.agent(world, DELETE_VOLUME)
    req = wait_for_request(world, procs, agent)
    before = len(world.audit())

    status, out, err = attempt(world, procs, req["id"])
    assert status == want_status, (out, err)
    assert problem in err
    assert "approved" not in out

    rows = pending(world, procs)
    assert [(r["id"], r["state"]) for r in rows] == [(req["id"], "pending")]
    assert agent.running() and world.runs("railway") == []
    new = world.audit()[before:]
    if want_status == EXIT_REFUSED:
        refused = [r for r in new if r["event"] == "refused"]
        assert len(refused) == 1 and refused[0]["action"] == "approve"
        assert refused[0]["command"] == "agentsh approve %s" % req["id"]
        assert any(problem in p for p in refused[0]["problems"]), refused[0]["problems"]
    else:
        blocks = [r for r in new if r["event"] == "block"]
        assert len(blocks) == 1 and blocks[0]["command"] == "agentsh approve %s" % req["id"]
        assert [f["rule"] for f in blocks[0]["findings"]] == ["agentsh.self-approve"]
    assert not [r for r in new if r["event"] in ("approved", "approved-by-human")]


def test_agent_ancestor_pid_is_named(world, procs):
    world.set_approval(60)
    agent = procs.agent(world, DELETE_VOLUME)
    req = wait_for_request(world, procs, agent)
    t = human(world, procs, argv=[BASH, "-c", "env -u CLAUDECODE agentsh approve %s; exit $?" % req["id"]],
              env={"CLAUDECODE": "1"})
    bash_pid = t.pid
    status, out, err = t.finish()
    assert status == EXIT_REFUSED
    assert "an ancestor process (pid %d) has the agent marker CLAUDECODE" % bash_pid in err


@pytest.mark.parametrize("args", [["deny", "@ID@"], ["allow-once", DELETE_VOLUME, "--cwd", "*"], ["review"]],
                         ids=["deny", "allow-once", "review"])
def test_other_human_commands_refuse_a_governed_process(world, procs, args):
    world.set_approval(60)
    agent = procs.agent(world, DELETE_VOLUME)
    req = wait_for_request(world, procs, agent)
    argv = [a.replace("@ID@", req["id"]) for a in args]
    status, out, err = run_human(world, procs, *argv, env={"__AGENTSH_GOVERNED": "1"})
    assert status == EXIT_REFUSED
    assert "refusing to %s: this process runs inside an agentsh-governed shell" % args[0] in err
    assert [(r["id"], r["state"]) for r in pending(world, procs)] == [(req["id"], "pending")]
    agent.kill()
    # no pre-approval was recorded either: the exact command still stops
    world.set_approval(0)
    status, out, err = procs.agent(world, DELETE_VOLUME).finish()
    assert status == STOP_STATUS and world.runs("railway") == []


# ---- 4. --yes and `yes |` do not approve ----------------------------------------------------------------------------
def test_yes_piped_into_agentsh_does_not_approve(world, procs):
    world.set_approval(1)
    agent = procs.agent(world, None, argv=[BASH, "-c", 'yes | "$0" -c "$1"', AGENTSH,
                                           "railway volume delete --volume x --yes"])
    status, out, err = agent.finish()
    assert (status, out) == (STOP_STATUS, "")
    assert "No human approved it within 1 s" in err
    assert world.runs("railway") == []


@pytest.mark.parametrize("command", ["yes | railway volume delete --volume x --yes",
                                     "railway volume delete --volume x --yes </dev/zero",
                                     "echo y | railway volume delete --volume x --yes --yes"])
def test_yes_inside_the_command_does_not_approve(world, procs, command):
    world.set_approval(0)
    status, out, err = procs.agent(world, command).finish()
    assert (status, out) == (STOP_STATUS, "")
    assert err.startswith("agentsh: needs human confirmation: %s\n" % command)
    assert "railway.volume-delete" in err
    assert world.runs("railway") == []


# ---- 5. typed confirmation for production ---------------------------------------------------------------------------
def test_production_approval_needs_the_environment_typed(world, procs, needs_human):
    world.set_approval(30)
    agent = procs.agent(world, PROD_DELETE)
    req = wait_for_request(world, procs, agent)
    assert (req["environment"], req["typed"]) == ("production", "production")
    assert "k8s.delete-workload" in [f["rule"] for f in req["findings"]]

    t = human(world, procs, "approve", req["id"])
    t.expect("Type 'production' to approve")
    t.type("y\n")
    status, out, err = t.finish()
    assert (status, out) == (EXIT_STOPPED, "y\n")        # the terminal echoes what the human typed
    assert err == "This touches production. Type 'production' to approve: " \
                  "not approved: you typed 'y', not 'production'\n"
    assert [(r["id"], r["state"]) for r in pending(world, procs)] == [(req["id"], "pending")]
    assert agent.running() and world.runs("kubectl") == []

    t = human(world, procs, "approve", req["id"])
    t.expect("Type 'production' to approve")
    t.type("production\n")
    status, out, err = t.finish()
    assert (status, err) == (0, "This touches production. Type 'production' to approve: ")
    assert out == "production\napproved %s: %s\n" % (req["id"], PROD_DELETE)

    status, out, err = agent.finish()
    assert (status, out) == (0, "fake kubectl ran\n"), err
    assert world.runs("kubectl") == ["--context prod-cluster delete deployment web"]


# ---- 6. two humans at once ------------------------------------------------------------------------------------------
def test_concurrent_approvals_take_effect_once(world, procs, needs_human):
    world.set_approval(30)
    agent = procs.agent(world, DELETE_VOLUME)
    req = wait_for_request(world, procs, agent)
    terminals = [human(world, procs, "approve", req["id"]) for _ in range(2)]
    results = sorted(t.finish() for t in terminals)
    (won_status, won_out, won_err), (lost_status, lost_out, lost_err) = results
    assert (won_status, won_out, won_err) == (0, "approved %s: %s\n" % (req["id"], DELETE_VOLUME), "")
    assert lost_status == EXIT_STOPPED and lost_out == ""
    # "used" when the waiting command consumed the approval before the second human's UPDATE
    assert re.fullmatch(r"agentsh: request %s is already (approved|used)\n" % req["id"], lost_err), lost_err
    status, out, err = agent.finish()
    assert (status, out) == (0, "fake railway ran\n")
    assert world.runs("railway") == ["volume delete --volume pg-data --yes"]
    assert len([r for r in world.audit() if r["event"] == "approved-by-human"]) == 1


# ---- 7. allow-once covers exactly one command, once -----------------------------------------------------------------
def test_allow_once_covers_the_exact_command_once(world, procs, needs_human):
    world.set_approval(0)
    status, out, err = run_human(world, procs, "allow-once", DELETE_VOLUME, "--for", "10m",
                                 "--cwd", str(world.project))
    assert (status, out, err) == (0, "pre-approved once for 10m in %s: %s\n" % (world.project, DELETE_VOLUME), "")

    status, out, err = procs.agent(world, DELETE_OTHER).finish()
    assert (status, out) == (STOP_STATUS, "")
    assert err.startswith("agentsh: needs human confirmation: %s\n" % DELETE_OTHER)
    assert world.runs("railway") == []

    status, out, err = procs.agent(world, DELETE_VOLUME).finish()
    assert (status, out, err) == (0, "fake railway ran\n", "")
    assert world.runs("railway") == ["volume delete --volume pg-data --yes"]

    status, out, err = procs.agent(world, DELETE_VOLUME).finish()
    assert (status, out) == (STOP_STATUS, "")
    assert "needs human confirmation" in err
    assert world.runs("railway") == ["volume delete --volume pg-data --yes"]
    assert [r["event"] for r in world.audit()] == ["allow-once", "confirm", "confirm", "approved", "confirm"]


def test_allow_once_is_bound_to_its_directory(world, procs, needs_human):
    world.set_approval(0)
    elsewhere = world.tmp / "elsewhere"
    elsewhere.mkdir()
    status, out, err = run_human(world, procs, "allow-once", DELETE_VOLUME, cwd=elsewhere)
    assert (status, err) == (0, "")
    assert out == "pre-approved once for 10m in %s: %s\n" % (elsewhere, DELETE_VOLUME)
    status, out, err = procs.agent(world, DELETE_VOLUME).finish()
    assert status == STOP_STATUS and world.runs("railway") == []


# ---- the live review screen -----------------------------------------------------------------------------------------
def test_review_selects_approves_and_denies(world, procs, needs_human):
    world.set_approval(30)
    first = procs.agent(world, DELETE_VOLUME)
    wait_for_requests(world, procs, [first], 1)
    second = procs.agent(world, DELETE_OTHER)
    rows = wait_for_requests(world, procs, [first, second], 2)
    assert [r["command"] for r in rows] == [DELETE_VOLUME, DELETE_OTHER]

    t = human(world, procs, "review")
    t.expect(rows[1]["id"])
    t.type("ja")                  # select the second request, approve it
    status, out, err = second.finish()
    assert (status, out) == (0, "fake railway ran\n"), err
    assert first.running()
    t.type("d")                   # the selection moves to what is left: the first request
    status, out, err = first.finish()
    assert (status, out) == (STOP_STATUS, "") and "A human denied it" in err
    t.type("q")
    status, out, err = t.finish()
    assert status == 0, err
    assert world.runs("railway") == ["volume delete --volume pg-datb --yes"]
    assert sorted((r["command"], r["state"]) for r in pending(world, procs, show_all=True)) == \
        [(DELETE_VOLUME, "denied"), (DELETE_OTHER, "used")]


# ---- 8. self-protection through `agentsh -c` -----------------------------------------------------------------------
# The path of each protected file as an agent would write it (~, $VARS, relative to the project, absolute).
PROTECTED = {
    "config": ("@HOME@/.config/agentsh/config.toml", "~/.config/agentsh/config.toml"),
    "audit": ("@HOME@/.state/agentsh/audit.jsonl", "$XDG_STATE_HOME/agentsh/audit.jsonl"),
    "approvals": ("@HOME@/.state/agentsh/approvals.db", "@HOME@/.state/agentsh/approvals.db"),
    "claude": ("@HOME@/.claude/settings.json", "~/.claude/settings.json"),
    "claude-local": ("@PROJECT@/.claude/settings.local.json", ".claude/settings.local.json"),
    "cursor": ("@HOME@/.cursor/hooks.json", "~/.cursor/hooks.json"),
    "codex": ("@HOME@/.codex/config.toml", "~/.codex/config.toml"),
    "gemini": ("@HOME@/.gemini/settings.json", "$HOME/.gemini/settings.json"),
    "github-hooks": ("@PROJECT@/.github/hooks/x.json", ".github/hooks/x.json"),
}
TAMPER_FORMS = {
    "write": ("echo '{}' > {F}", "agentsh.tamper-redirect"),
    "append": ("echo x >> {F}", "agentsh.tamper-redirect"),
    "move": ("mv {F} {F}.off", "agentsh.tamper-files"),
    "delete": ("rm -f {F}", "agentsh.tamper-files"),
    "chmod": ("chmod 000 {F}", "agentsh.tamper-files"),
    "copy-over": ("cp /dev/null {F}", "agentsh.tamper-copy"),
    "truncate": ("truncate -s 0 {F}", "agentsh.tamper-files"),
}
TAMPER_CASES = [(form.replace("{F}", spelled), rule) for _key, (_path, spelled) in PROTECTED.items()
                for form, rule in TAMPER_FORMS.values()]
OTHER_STOPS = [
    ("agentsh approve abc234", "agentsh.self-approve"),
    ("agentsh deny abc234", "agentsh.self-approve"),
    ("agentsh allow-once '%s' --for 10m" % DELETE_VOLUME, "agentsh.self-approve"),
    ("agentsh review", "agentsh.self-approve"),
    ("agentsh creds add RAILWAY_TOKEN --env staging", "agentsh.self-approve"),
    ("agentsh install claude-code", "agentsh.self-approve"),
    ("pip uninstall agentsh", "agentsh.uninstall"),
    ("pip3 uninstall -y agentsh", "agentsh.uninstall"),
    ("sqlite3 @HOME@/.state/agentsh/approvals.db \"update requests set state='approved'\"", "agentsh.state-db"),
    ("sqlite3 $XDG_STATE_HOME/agentsh/approvals.db .dump", "agentsh.state-db"),
    ("AGENTSH_X=1 true", "agentsh.env-override"),
    ("export AGENTSH_X=1", "agentsh.env-override"),
    ('export AGENTSH_X=1; echo "[$AGENTSH_X]"', "agentsh.env-override"),
    ("sed -i 's/agentsh/true/' ~/.claude/settings.json", "agentsh.tamper-edit"),
    ("echo '{}' | tee ~/.cursor/hooks.json", "agentsh.tamper-files"),
    ("rm -rf ~/.codex", "agentsh.tamper-files"),
    ("rm -rf .github/hooks", "agentsh.tamper-files"),
    ("ln -sf /dev/null ~/.config/agentsh/config.toml", "agentsh.tamper-copy"),
    ("perl -pi -e 's/agentsh/true/' ~/.claude/settings.json", "agentsh.tamper-edit"),
]


def protect(world, procs):
    """Create every protected file (and a real audit log and approvals database) and return a snapshot."""
    for key, (path, _spelled) in PROTECTED.items():
        p = world.expand(path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if key not in ("audit", "approvals") and not os.path.exists(p):     # agentsh makes those two
            with open(p, "w") as f:
                f.write('{"hooks": "agentsh %s"}\n' % key)
    assert pending(world, procs) == []                      # creates approvals.db
    status, out, err = procs.agent(world, "true").finish()   # creates the audit log with a real record
    assert status == 0 and world.audit_log.exists() and world.approvals_db.exists()
    return snapshot(world)


def snapshot(world):
    """Every file under HOME and the project with its mode and content; the audit log only grows, so for it the
    content is checked separately (a prefix), and the rule cache agentsh rebuilds itself is left out."""
    out = {}
    for top in (world.home, world.project):
        for d, dirs, files in os.walk(top):
            dirs[:] = [x for x in dirs if os.path.join(d, x) != str(world.home / ".cache")]
            for name in dirs + files:
                p = os.path.join(d, name)
                st = os.lstat(p)
                if name.endswith(("-wal", "-shm")):
                    continue
                body = None
                if name in files and p != str(world.audit_log):
                    with open(p, "rb") as f:
                        body = f.read()
                out[p] = (oct(st.st_mode), body)
    return out, world.audit_log.read_bytes()


def assert_unchanged(world, before):
    files, log = before
    now_files, now_log = snapshot(world)
    assert now_files == files
    assert now_log.startswith(log) and len(now_log) > len(log)


@pytest.mark.parametrize("command,rule", TAMPER_CASES + OTHER_STOPS)
def test_self_protection_stops(world, procs, command, rule):
    before = protect(world, procs)
    status, out, err = procs.agent(world, world.expand(command)).finish()
    assert (status, out) == (STOP_STATUS, ""), err
    assert err.startswith("agentsh: blocked: "), err
    assert rule in err
    assert world.ran() == [], "a stopped command ran: %s" % world.ran()
    assert_unchanged(world, before)
    last = world.audit()[-1]
    assert (last["event"], last["command"]) == ("block", world.expand(command))


@pytest.mark.parametrize("command,want", [
    ("cat ~/.claude/settings.json", '{"hooks": "agentsh claude"}\n'),
    ("cat .claude/settings.local.json", '{"hooks": "agentsh claude-local"}\n'),
    ("sed -n 1p ~/.codex/config.toml", '{"hooks": "agentsh codex"}\n'),
    ("ls ~/.config/agentsh", "config.toml\n"),
    ("grep -c agentsh ~/.cursor/hooks.json", "1\n"),
])
def test_reading_protected_files_is_allowed(world, procs, command, want):
    before = protect(world, procs)
    status, out, err = procs.agent(world, command).finish()
    assert (status, out, err) == (0, want, "")
    assert_unchanged(world, before)


@pytest.mark.parametrize("command", [
    "echo 'environment = \"local\"' > .agentsh.toml",
    "printf x >> .agentsh.toml",
    "rm .agentsh.toml",
    "mv .agentsh.toml @TMP@/agentsh.toml.off",
    "sed -i 's/production/local/' .agentsh.toml",
])
def test_project_config_edits_need_confirmation(world, procs, command):
    project_file = world.project / ".agentsh.toml"
    project_file.write_text("# declared by the human\n")
    before = protect(world, procs)
    status, out, err = procs.agent(world, world.expand(command)).finish()
    assert (status, out) == (STOP_STATUS, "")
    assert err.startswith("agentsh: needs human confirmation: "), err
    assert "agentsh.project-config-" in err
    assert project_file.read_text() == "# declared by the human\n"
    assert_unchanged(world, before)


# Forms that reach the same files by other means. Each strict xfail is a self-protection gap: today agentsh
# allows the command and it changes the file.
def _gap(why):
    # a strict xfail until fixed; kept as the record of the hole
    return pytest.mark.review_finding("self-protection gap (fixed): " + why)


# HOME is under /tmp here (pytest's tmp_path), as it is in many containers and CI jobs
_SCRATCH = _gap("payloads/interpreters._is_scratch drops every delete fact below /tmp or $TMPDIR before the "
                "path class `agentsh` is looked at (with HOME=/home/user the same command is blocked)")
_NO_FACT = _gap("the interpreter analyzer has no fact for this call, whatever the path")
NEEDS_NODE = pytest.mark.skipif(not os.path.exists("/usr/bin/node"), reason="needs node")
TAMPER_GAPS = [
    pytest.param("python3 -c \"import shutil; shutil.rmtree('@HOME@/.config/agentsh')\"", id="python-rmtree",
                 marks=_SCRATCH),
    pytest.param("python3 -c \"import os; os.remove('@HOME@/.claude/settings.json')\"", id="python-os-remove",
                 marks=_SCRATCH),
    pytest.param("node -e \"require('fs').unlinkSync('@HOME@/.claude/settings.json')\"", id="node-unlink",
                 marks=[NEEDS_NODE, _SCRATCH]),
    pytest.param("find ~/.codex/config.toml -delete", id="find-delete",
                 marks=_gap("find -delete is not matched against class `agentsh`; below /tmp it is not even "
                            "confirmed (with HOME=/home/user it is only fs.find-delete-outside-project, a confirm)")),
    pytest.param("python3 -c \"open('@HOME@/.claude/settings.json', 'w').write('{}')\"", id="python-open-w",
                 marks=_NO_FACT),
    pytest.param("python3 -c \"import os; os.rename('@HOME@/.cursor/hooks.json', '@TMP@/off.json')\"",
                 id="python-os-rename", marks=_NO_FACT),
    pytest.param("python3 -c \"import shutil; shutil.move('@HOME@/.cursor/hooks.json', '@TMP@/off.json')\"",
                 id="python-shutil-move", marks=_NO_FACT),
    pytest.param("python3 -c \"import os; os.chmod('@HOME@/.gemini/settings.json', 0)\"", id="python-os-chmod",
                 marks=_NO_FACT),
    pytest.param("node -e \"require('fs').writeFileSync('@HOME@/.claude/settings.json', '{}')\"", id="node-write",
                 marks=[NEEDS_NODE, _NO_FACT]),
    pytest.param("dd if=/dev/null of=$XDG_STATE_HOME/agentsh/audit.jsonl", id="dd-of",
                 marks=_gap("dd's of= operand is not treated as a write target")),
]


@pytest.mark.parametrize("command", TAMPER_GAPS)
def test_self_protection_other_means(world, procs, command):
    before = protect(world, procs)
    status, out, err = procs.agent(world, world.expand(command)).finish()
    assert_unchanged(world, before)
    assert (status, out) == (STOP_STATUS, ""), err
    assert err.startswith("agentsh: blocked: ") and "agentsh.tamper-" in err, err


@pytest.mark.review_finding("self-approval bypass: a python one-liner that UPDATEs approvals.db with "
                                       "a WHERE clause is only sql.update (write), so agentsh -c allows it and the "
                                       "waiting command runs without any human")
def test_agent_cannot_approve_by_writing_the_database_from_code(world, procs):
    world.set_approval(10)
    waiting = procs.agent(world, DELETE_VOLUME)
    wait_for_request(world, procs, waiting)
    forge = ("python3 -c \"import sqlite3; sqlite3.connect('%s', isolation_level=None).execute(\\\"update "
             "requests set state='approved' where state='pending'\\\")\"" % world.approvals_db)
    status, out, err = procs.agent(world, forge).finish()
    waited = waiting.finish()
    assert world.runs("railway") == [], "the waiting command ran without a human: %r" % (waited,)
    assert waited[0] == STOP_STATUS
    assert status == STOP_STATUS, err


# ---- 9. the audit trail of one approval -----------------------------------------------------------------------------
def test_audit_records_one_approval(world, procs, needs_human):
    world.set_approval(30)
    agent = procs.agent(world, DELETE_VOLUME)
    req = wait_for_request(world, procs, agent)
    t = human(world, procs, "approve", req["id"])
    approver_pid = t.pid
    status, out, err = t.finish()
    assert status == 0, err
    assert agent.finish()[0] == 0

    records = world.audit()
    assert [r["event"] for r in records] == ["confirm", "requested", "approved-by-human", "approved"]
    confirm, requested, by_human, approved = records
    assert all(r["command"] == DELETE_VOLUME and r["cwd"] == str(world.project) for r in records)
    assert confirm["decision"] == "confirm" and "request" not in confirm
    assert [f["rule"] for f in confirm["findings"]] == ["railway.volume-delete"]
    assert requested["request"] == req["id"] and "approver" not in requested
    assert by_human["request"] == req["id"] and by_human["mode"] == "approver"
    approver = by_human["approver"]
    assert set(approver) == {"user", "uid", "tty", "pid"}
    assert approver["user"] == pwd.getpwuid(os.getuid()).pw_name and approver["uid"] == os.getuid()
    assert approver["pid"] == approver_pid and approver["tty"].startswith("/dev/pts/")
    assert approved["request"] == req["id"] and approved["approver"] == approver

    status, out, err = run_human(world, procs, "audit", "verify")
    assert status == 0, err
    assert out.startswith(str(world.audit_log) + ": ")

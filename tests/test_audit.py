"""The audit log: one hash-chained JSON line per decision, written before the command runs.

Through the real `agentsh` binary (temporary HOME/XDG, fake tools that only record that they ran) and through
`agentsh.audit` directly for the concurrency and tampering cases.
"""
import json
import multiprocessing
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from agentsh import audit
from tests.test_shell_e2e import AGENTSH, DELETE_VOLUME, STOP_STATUS, World

RECORD_FIELDS = {"time", "event", "mode", "session", "cwd", "command", "decision", "findings", "environment",
                 "prev", "hash"}


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    w.env["AGENTSH_SESSION"] = "test-session-1"
    return w


def log_of(world):
    return world.home / ".state" / "agentsh" / "audit.jsonl"


def records(world):
    with open(log_of(world), "rb") as f:
        return [json.loads(line) for line in f]


# ---- what is recorded -------------------------------------------------------------------------------------------
def test_allowed_and_stopped_commands_are_both_recorded(world):
    assert world.agentsh("-c", "echo hi").stdout == b"hi\n"
    p = world.agentsh("-c", DELETE_VOLUME)
    assert p.returncode == STOP_STATUS and world.ran() == []
    allowed, stopped = records(world)
    for rec in (allowed, stopped):
        assert RECORD_FIELDS <= set(rec), RECORD_FIELDS - set(rec)
        assert rec["mode"] == "command" and rec["session"] == "test-session-1"
        assert rec["cwd"] == str(world.project)
        assert rec["time"].endswith("Z") and rec["time"][:2] == "20"
        assert rec["environment"] == "local"
    assert (allowed["event"], allowed["decision"], allowed["command"], allowed["findings"]) == \
        ("allow", "allow", "echo hi", [])
    assert (stopped["event"], stopped["decision"], stopped["command"]) == ("confirm", "confirm", DELETE_VOLUME)
    assert [f["rule"] for f in stopped["findings"]] == ["railway.volume-delete"]
    assert stopped["findings"][0]["severity"] == "critical"
    assert allowed["prev"] == audit.GENESIS and stopped["prev"] == allowed["hash"]
    assert allowed["hash"] == audit.chain_hash(audit.GENESIS, allowed)
    assert audit.verify(str(log_of(world)))[:3] == (True, 2, None)


def test_record_is_written_before_the_command_runs(world):
    command = 'tail -n 1 "$XDG_STATE_HOME/agentsh/audit.jsonl"'
    p = world.agentsh("-c", command)
    assert p.returncode == 0, p.stderr
    own = json.loads(p.stdout)
    assert (own["command"], own["event"]) == (command, "allow")


def test_harness_payload_is_recorded_not_the_wrapper(world):
    wrapper = ("source %s/.claude/shell-snapshots/snapshot-bash-1-abc.sh 2>/dev/null || true && shopt -u extglob "
               "2>/dev/null || true && eval '%s' < /dev/null && pwd -P >| %s/claude-ab12-cwd"
               % (world.home, DELETE_VOLUME, world.tmp))
    assert world.agentsh("-c", wrapper).returncode == STOP_STATUS
    (rec,) = records(world)
    assert rec["command"] == DELETE_VOLUME and rec["harness"] == "claude-code"


def test_secrets_are_redacted_in_the_stored_command(world):
    allowed = "echo 'Authorization: Bearer abcdef123456' https://deploy:secretpw@example.com/x"
    p = world.agentsh("-c", allowed)
    assert p.returncode == 0 and b"abcdef123456" in p.stdout      # the command itself is untouched
    stopped = "RAILWAY_TOKEN=tok-0123456789 " + DELETE_VOLUME
    assert world.agentsh("-c", stopped).returncode == STOP_STATUS
    first, second = records(world)
    assert first["command"] == "echo 'Authorization: Bearer ***' https://deploy:***@example.com/x"
    assert second["command"] == "RAILWAY_TOKEN=*** " + DELETE_VOLUME
    raw = log_of(world).read_bytes()
    for secret in (b"abcdef123456", b"secretpw", b"tok-0123456789"):
        assert secret not in raw


def test_stdin_mode_records_each_vetted_command(world):
    p = world.agentsh(stdin=("echo one\n\n# a comment\n%s\necho two\n" % DELETE_VOLUME).encode())
    assert p.stdout == b"one\ntwo\n" and world.ran() == []
    recs = records(world)
    assert [(r["mode"], r["event"], r["command"]) for r in recs] == [
        ("stdin", "allow", "echo one"), ("stdin", "confirm", DELETE_VOLUME), ("stdin", "allow", "echo two")]


def test_interactive_line_vetting_records(world):
    # `agentsh __vet-line` is what the interactive guard calls for each typed line: it only decides
    env = world.environ()
    for line, status in (("echo hi", 0), (DELETE_VOLUME, STOP_STATUS), ("trap - DEBUG", STOP_STATUS)):
        p = subprocess.run([AGENTSH, "__vet-line", "--", line], capture_output=True, env=env,
                           cwd=str(world.project), timeout=60)
        assert p.returncode == status, p.stderr
    recs = records(world)
    assert [(r["mode"], r["event"], r["command"]) for r in recs] == [
        ("interactive", "allow", "echo hi"), ("interactive", "confirm", DELETE_VOLUME),
        ("interactive", "block", "trap - DEBUG")]
    assert recs[2]["rule"] == "agentsh.guard-tamper"
    assert audit.verify(str(log_of(world)))[:3] == (True, 3, None)


# ---- concurrency ------------------------------------------------------------------------------------------------
def _append_many(environ, proc, count):
    for i in range(count):
        audit.append(audit.make_record("allow", "worker %d item %d" % (proc, i), "/work", environ, mode="test",
                                       extra={"proc": proc, "i": i}), environ)


def test_concurrent_appends_keep_one_intact_chain(tmp_path):
    environ = {"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state"),
               "XDG_CONFIG_HOME": str(tmp_path / "config")}
    procs, per = 8, 250
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_append_many, args=(environ, p, per)) for p in range(procs)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0] * procs
    path = audit.log_path(environ)
    with open(path, "rb") as f:
        raw = f.read()
    lines = raw.split(b"\n")
    assert lines[-1] == b"" and len(lines) - 1 == procs * per
    seen = {}
    for line in lines[:-1]:
        rec = json.loads(line)            # a torn or interleaved line would not parse
        key = (rec["proc"], rec["i"])
        seen[key] = seen.get(key, 0) + 1
        assert rec["command"] == "worker %d item %d" % key
    assert seen == {(p, i): 1 for p in range(procs) for i in range(per)}
    assert audit.verify(path) == (True, procs * per, None, "%d records, chain intact" % (procs * per))


def test_concurrent_agentsh_processes_keep_one_intact_chain(world):
    def one_worker(p):
        for r in range(10):
            proc = world.agentsh("-c", ": w%d r%d" % (p, r))
            assert proc.returncode == 0, proc.stderr
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one_worker, range(4)))
    recs = records(world)
    assert sorted(r["command"] for r in recs) == sorted(": w%d r%d" % (p, r) for p in range(4) for r in range(10))
    assert audit.verify(str(log_of(world)))[:3] == (True, 40, None)


# ---- tampering --------------------------------------------------------------------------------------------------
@pytest.fixture
def log(tmp_path):
    environ = {"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state")}
    path = str(tmp_path / "audit.jsonl")
    for i in range(6):
        audit.append(audit.make_record("allow", "command %d" % i, "/w", environ), environ, path=path)
    assert audit.verify(path) == (True, 6, None, "6 records, chain intact")
    return path


def _lines(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def _write(path, lines, trailing=b"\n"):
    with open(path, "wb") as f:
        f.write(b"\n".join(lines) + trailing)


def test_edited_field_is_found(log):
    lines = _lines(log)
    lines[2] = lines[2].replace(b'"command 2"', b'"command X"')
    _write(log, lines)
    ok, count, line, reason = audit.verify(log)
    assert (ok, count, line) == (False, 2, 3) and "edited" in reason


def test_edited_field_with_its_own_hash_recomputed_is_found(log):
    lines = _lines(log)
    rec = json.loads(lines[2])
    rec["command"] = "command X"
    rec["hash"] = audit.chain_hash(rec["prev"], rec)
    lines[2] = json.dumps(rec, sort_keys=True, separators=(",", ":")).encode()
    _write(log, lines)
    assert audit.verify(log)[:3] == (False, 3, 4)


def test_deleted_line_is_found(log):
    lines = _lines(log)
    del lines[2]
    _write(log, lines)
    ok, count, line, reason = audit.verify(log)
    assert (ok, count, line) == (False, 2, 3) and "removed" in reason


def test_deleted_first_line_is_found(log):
    _write(log, _lines(log)[1:])
    ok, count, line, reason = audit.verify(log)
    assert (ok, count, line) == (False, 0, 1) and "genesis" in reason


def test_swapped_lines_are_found(log):
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    _write(log, lines)
    assert audit.verify(log)[:3] == (False, 1, 2)


def test_truncated_last_line_is_found(log):
    with open(log, "rb") as f:
        data = f.read()
    with open(log, "wb") as f:
        f.write(data[:-20])
    ok, count, line, reason = audit.verify(log)
    assert (ok, count, line) == (False, 5, 6) and "incomplete" in reason


def test_append_after_a_torn_line_still_reports_the_damage(log):
    with open(log, "rb") as f:
        data = f.read()
    with open(log, "wb") as f:
        f.write(data[:-20])
    environ = {"HOME": "/nonexistent"}
    audit.append(audit.make_record("allow", "after the damage", "/w", environ), environ, path=log)
    assert audit.verify(log)[:3] == (False, 5, 6)


def test_inserted_forged_line_is_found(log):
    lines = _lines(log)
    forged = json.loads(lines[3])
    forged["command"] = "forged"
    forged["hash"] = audit.chain_hash(forged["prev"], forged)
    lines.insert(4, json.dumps(forged, sort_keys=True, separators=(",", ":")).encode())
    _write(log, lines)
    assert audit.verify(log)[:3] == (False, 4, 5)


# ---- the log cannot be written ----------------------------------------------------------------------------------
@pytest.fixture(params=["state-dir-is-a-file", "log-is-a-directory"])
def unwritable(world, request):
    # permissions do not stop root, so the log's path is made impossible instead
    state = world.home / ".state"
    state.mkdir()
    if request.param == "state-dir-is-a-file":
        (state / "agentsh").write_text("not a directory\n")
    else:
        (state / "agentsh" / "audit.jsonl").mkdir(parents=True)
    yield world
    shutil.rmtree(state)


def test_allowed_command_still_runs_and_warns_when_log_cannot_be_written(unwritable):
    p = unwritable.agentsh("-c", "echo still-runs; railway status")
    assert p.returncode == 0
    assert p.stdout == b"still-runs\nfake railway ran\n"
    stderr = p.stderr.decode()
    assert "agentsh: warning:" in stderr and "audit log" in stderr and "allowed and runs" in stderr


def test_stopped_command_stays_stopped_when_log_cannot_be_written(unwritable):
    p = unwritable.agentsh("-c", DELETE_VOLUME)
    assert p.returncode == STOP_STATUS and p.stdout == b"" and unwritable.ran() == []
    stderr = p.stderr.decode()
    assert "railway.volume-delete" in stderr and "could not record this decision" in stderr


def test_stdin_mode_when_log_cannot_be_written(unwritable):
    p = unwritable.agentsh(stdin=("echo one\n%s\necho \"st=$?\"\n" % DELETE_VOLUME).encode())
    assert p.stdout == b"one\nst=126\n" and unwritable.ran() == []
    stderr = p.stderr.decode()
    assert "allowed and runs" in stderr and "could not record this decision" in stderr

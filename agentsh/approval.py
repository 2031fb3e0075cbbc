"""Human approval the agent cannot give: pending requests in SQLite and the checks on whoever approves them.

A `confirm` becomes a row in `$XDG_STATE_HOME/agentsh/approvals.db` (WAL, so agents and reviewers can use it at
once) bound to a hash of the exact command, its cwd, the resolved environment and the rule ids, with an expiry.
The agent's process waits, polling the row; it is told once, on stderr, what is pending and that a human must
approve it from their own terminal. It is never shown anything it could approve with (no id, no code).

The human side (`agentsh pending|approve|deny|review|allow-once`) refuses to act unless stdin and stdout are
terminals and no ancestor process is an agentsh-governed shell, an agentsh hook, or a known agent (psutil). An
approval is a conditional UPDATE (`WHERE state = 'pending' AND expires > now`), so when two humans approve at once
exactly one takes effect, and the waiting command consumes it with another conditional UPDATE: it runs once.

What this cannot stop in same-user mode is written in the README: code the agent runs outside agentsh, as the same
uid, can open this database too (through agentsh, naming it is blocked). Running the agent as its own user closes that.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time

DB_NAME = "approvals.db"
DEFAULT_WAIT_SECONDS = 300
DEFAULT_EXPIRY_SECONDS = 600
POLL_SECONDS = 0.25
GOVERNED_MARKER = "__AGENTSH_GOVERNED"   # set by agentsh in every shell it runs; inherited by all descendants

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    key TEXT NOT NULL,              -- sha256 of command, cwd, environment, rule ids
    command TEXT NOT NULL,          -- redacted, for display
    runs TEXT,                      -- redacted: everything agentsh vetted, when more than the command shown
    cwd TEXT,
    environment TEXT,
    findings TEXT NOT NULL,         -- JSON list
    agent TEXT,
    session TEXT,
    pid INTEGER,
    mode TEXT,
    typed TEXT,                     -- what the human must type to approve (NULL: a keypress is enough)
    created REAL NOT NULL,
    expires REAL NOT NULL,
    state TEXT NOT NULL,            -- pending | approved | denied | expired | used | cancelled
    decided REAL,
    approver TEXT                   -- JSON: user, uid, tty, pid
);
CREATE INDEX IF NOT EXISTS requests_state ON requests(state, expires);
CREATE TABLE IF NOT EXISTS preapprovals (
    id TEXT PRIMARY KEY,
    command TEXT NOT NULL,          -- the exact command text
    cwd TEXT,                       -- NULL: any directory
    created REAL NOT NULL,
    expires REAL NOT NULL,
    used REAL,
    approver TEXT
);
"""


class ApprovalError(Exception):
    pass


# ---- the database ------------------------------------------------------------------------------------------------
def db_path(environ) -> str:
    from agentsh.context import state_dir
    return os.path.join(state_dir(environ), DB_NAME)


def connect(environ) -> sqlite3.Connection:
    path = db_path(environ)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA busy_timeout=10000")
    con.executescript(_SCHEMA)
    if "runs" not in {r[1] for r in con.execute("PRAGMA table_info(requests)")}:
        con.execute("ALTER TABLE requests ADD COLUMN runs TEXT")     # a database from an earlier version
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass
    return con


def request_key(command: str, cwd, environment, rule_ids) -> str:
    from agentsh.audit import _sha256_hex
    body = json.dumps([command, cwd, environment, sorted(set(rule_ids))], ensure_ascii=False)
    return _sha256_hex(body.encode("utf-8"))


def _new_id() -> str:
    # short enough to type, never shown to the agent
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    raw = os.urandom(6)
    return "".join(alphabet[b % len(alphabet)] for b in raw)


def typed_confirmation(decision) -> str | None:
    """A critical finding in production or a credential mismatch: the human types the environment's name."""
    from agentsh.model import SEVERITY_RANK
    for f in decision.findings:
        if f.environment == "mismatch" or f.rule.startswith("context.credential"):
            return "mismatch" if decision.environment in (None, "mismatch") else decision.environment
        if f.environment == "production" and SEVERITY_RANK.get(f.severity, 0) >= SEVERITY_RANK["high"]:
            return "production"
    return None


def settings(environ) -> dict:
    """[approval] wait / expiry (seconds or "5m") from config.toml."""
    from agentsh.context import user_config_section
    out = {"wait": DEFAULT_WAIT_SECONDS, "expiry": DEFAULT_EXPIRY_SECONDS}
    section = user_config_section(environ, "approval")
    for k in ("wait", "expiry"):
        if k in section:
            try:
                out[k] = parse_duration(section[k])
            except ValueError:
                pass
    return out


def parse_duration(value) -> int:
    if isinstance(value, (int, float)) and value >= 0:
        return int(value)
    s = str(value).strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if s and s[-1] in units and s[:-1].isdigit():
        return int(s[:-1]) * units[s[-1]]
    if s.isdigit():
        return int(s)
    raise ValueError("not a duration: %r (use e.g. 90s, 10m, 1h)" % value)


# ---- the agent's side --------------------------------------------------------------------------------------------
def wait_for_human(decision, display, cwd, environ, agent, mode, stream, max_wait=None, extra=None, vetted=None):
    """Create (or join) the pending request for this exact command and wait for a human. Returns a gate.Outcome."""
    from agentsh import audit
    from agentsh.gate import Outcome
    from agentsh.render import stop_message
    conf = settings(environ)
    wait = conf["wait"] if max_wait is None else min(conf["wait"], max_wait)
    rules = [f.rule for f in decision.findings]
    # bound to everything agentsh vetted (the harness scaffolding and start-up files too), not only to what is shown
    vetted = vetted if vetted is not None else display
    key = request_key(vetted, cwd, decision.environment, rules)
    try:
        con = connect(environ)
    except (sqlite3.Error, OSError) as e:
        msg = stop_message(decision) + "  agentsh could not open its approval queue (%s).\n" % e
        stream.write(msg)
        return Outcome(False, decision, decision.decision, msg)
    try:
        pre = _take_preapproval(con, display, cwd) if (extra or {}).get("harness") or vetted == display else \
            _take_preapproval(con, vetted, cwd)
        if pre is not None:
            _audit(audit, "approved", display, cwd, environ, decision, agent, mode,
                   dict(extra or {}, approval="allow-once", approver=json.loads(pre["approver"] or "null")))
            return Outcome(True, decision, "approved")
        if wait <= 0:
            msg = stop_message(decision)
            stream.write(msg)
            return Outcome(False, decision, decision.decision, msg)
        req_id = _open_request(con, key, display, cwd, decision, agent, environ, mode, conf["expiry"], wait,
                               runs=None if vetted == display else vetted)
        _audit(audit, "requested", display, cwd, environ, decision, agent, mode, dict(extra or {}, request=req_id))
        stream.write(stop_message(decision, approval={"state": "waiting", "seconds": wait}))
        stream.flush()
        state, row = _poll(con, req_id, time.time() + wait)
        if state == "approved" and _consume(con, req_id):
            _audit(audit, "approved", display, cwd, environ, decision, agent, mode,
                   dict(extra or {}, request=req_id, approver=json.loads(row["approver"] or "null")))
            stream.write("agentsh: approved by a human; running it once.\n")
            return Outcome(True, decision, "approved")
        if state == "denied":
            _audit(audit, "denied", display, cwd, environ, decision, agent, mode,
                   dict(extra or {}, request=req_id, approver=json.loads(row["approver"] or "null")))
            msg = stop_message(decision, approval={"state": "denied"})
            stream.write(msg)
            return Outcome(False, decision, "denied", msg)
        _expire(con, req_id)
        _audit(audit, "expired", display, cwd, environ, decision, agent, mode, dict(extra or {}, request=req_id))
        msg = stop_message(decision, approval={"state": "expired", "seconds": wait})
        stream.write(msg)
        return Outcome(False, decision, "expired", msg)
    except audit.AuditError as e:
        msg = stop_message(decision) + "  agentsh could not record the approval (%s), so it does not run.\n" % e
        stream.write(msg)
        return Outcome(False, decision, decision.decision, msg)
    finally:
        con.close()


def _audit(audit, event, display, cwd, environ, decision, agent, mode, extra):
    audit.append(audit.make_record(event, display, cwd, environ, decision=decision, agent=agent, mode=mode,
                                   extra=extra), environ)


def _open_request(con, key, display, cwd, decision, agent, environ, mode, expiry, wait, runs=None) -> str:
    """The id of a pending request for this exact key (an agent retrying joins it), or a new one."""
    from agentsh.audit import session_id
    from agentsh.redact import redact
    now = time.time()
    con.execute("BEGIN IMMEDIATE")
    try:
        row = con.execute("SELECT id FROM requests WHERE key = ? AND state = 'pending' AND expires > ?",
                          (key, now)).fetchone()
        if row:
            con.execute("UPDATE requests SET expires = max(expires, ?) WHERE id = ?", (now + max(expiry, wait), row[0]))
            con.execute("COMMIT")
            return row[0]
        req_id = _new_id()
        findings = [{"rule": f.rule, "severity": f.severity, "message": f.message, "why": f.why,
                     "where": redact(f.location())[:300], "environment": f.environment} for f in decision.findings]
        con.execute("INSERT INTO requests (id, key, command, runs, cwd, environment, findings, agent, session, pid, "
                    "mode, typed, created, expires, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'pending')",
                    (req_id, key, redact(display), redact(runs) if runs else None, cwd, decision.environment,
                     json.dumps(findings), agent,
                     session_id(environ), os.getpid(), mode, typed_confirmation(decision), now,
                     now + max(expiry, wait)))
        con.execute("COMMIT")
        return req_id
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _poll(con, req_id, deadline):
    con.row_factory = sqlite3.Row
    while True:
        row = con.execute("SELECT * FROM requests WHERE id = ?", (req_id,)).fetchone()
        if row is None:
            return "expired", None
        if row["state"] != "pending" or time.time() >= deadline:
            return row["state"], row
        time.sleep(POLL_SECONDS)


def _consume(con, req_id) -> bool:
    """Approved → used, exactly once (two waiting copies of the same command cannot both run on one approval)."""
    cur = con.execute("UPDATE requests SET state = 'used' WHERE id = ? AND state = 'approved'", (req_id,))
    return cur.rowcount == 1


def _expire(con, req_id):
    con.execute("UPDATE requests SET state = 'expired', decided = ? WHERE id = ? AND state = 'pending'",
                (time.time(), req_id))


def _take_preapproval(con, command, cwd):
    con.row_factory = sqlite3.Row
    now = time.time()
    con.execute("BEGIN IMMEDIATE")
    try:
        row = con.execute("SELECT * FROM preapprovals WHERE command = ? AND (cwd IS NULL OR cwd = ?) AND used IS NULL "
                          "AND expires > ? ORDER BY created LIMIT 1", (command, cwd, now)).fetchone()
        if row is not None:
            con.execute("UPDATE preapprovals SET used = ? WHERE id = ?", (now, row["id"]))
        con.execute("COMMIT")
        return row
    except BaseException:
        con.execute("ROLLBACK")
        raise


# ---- the human's side --------------------------------------------------------------------------------------------
def approver_problems(environ=None) -> list:
    """Why this process may not approve anything (empty: it may). Checked on every approve/deny/allow-once/review."""
    environ = os.environ if environ is None else environ
    problems = []
    from agentsh.shell import _isatty
    if not (_isatty(0) and _isatty(1)):
        problems.append("stdin and stdout must be a terminal (a human at a keyboard, not a pipe)")
    if environ.get(GOVERNED_MARKER):
        problems.append("this process runs inside an agentsh-governed shell")
    from agentsh.context import AGENT_MARKERS
    for var, agent in AGENT_MARKERS:
        if environ.get(var):
            problems.append("this process runs inside %s (environment variable %s)" % (agent, var))
            break
    problems.extend(_ancestry_problems())
    return problems


def _ancestry_problems() -> list:
    from agentsh.context import AGENT_MARKERS, AGENT_PROCESSES
    try:
        import psutil
    except ImportError:
        return ["psutil is not installed, so the process ancestry cannot be checked"]
    problems = []
    markers = [m for m, _ in AGENT_MARKERS]
    try:
        parents = psutil.Process().parents()
    except psutil.Error as e:
        return ["cannot read the process ancestry: %s" % e]
    for p in parents:
        try:
            name = (p.name() or "").lower()
            cmdline = p.cmdline()
        except psutil.Error:
            continue
        words = " ".join(cmdline)
        if any(os.path.basename(w) == "agentsh" for w in cmdline[:2]) and "hook" in cmdline[1:3] or \
                "agentsh/guard.bash" in words:
            problems.append("an ancestor process is an agentsh hook or guarded shell (pid %d)" % p.pid)
            break
        base = os.path.basename(cmdline[0]).lower() if cmdline else name
        for proc, agent in AGENT_PROCESSES.items():
            if name == proc or base == proc or name.startswith(proc + "-"):
                problems.append("an ancestor process is %s (pid %d, %s)" % (agent, p.pid, name))
                break
        try:
            env = p.environ()
        except (psutil.Error, OSError):
            env = {}
        if env.get(GOVERNED_MARKER):
            problems.append("an ancestor process (pid %d) runs inside an agentsh-governed shell" % p.pid)
        for m in markers:
            if env.get(m):
                problems.append("an ancestor process (pid %d) has the agent marker %s" % (p.pid, m))
                break
        if problems:
            break
    return problems


def approver_identity() -> dict:
    import pwd
    try:
        user = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        user = str(os.getuid())
    try:
        tty = os.ttyname(0)
    except OSError:
        tty = None
    return {"user": user, "uid": os.getuid(), "tty": tty, "pid": os.getpid()}


def list_requests(con, include_done=False) -> list:
    con.row_factory = sqlite3.Row
    now = time.time()
    con.execute("UPDATE requests SET state = 'expired', decided = ? WHERE state = 'pending' AND expires <= ?",
                (now, now))
    q = "SELECT * FROM requests" + ("" if include_done else " WHERE state = 'pending'") + " ORDER BY created"
    return [dict(r) for r in con.execute(q)]


def get_request(con, req_id):
    con.row_factory = sqlite3.Row
    row = con.execute("SELECT * FROM requests WHERE id = ?", (req_id,)).fetchone()
    return dict(row) if row else None


def decide_request(con, req_id, verdict, approver) -> tuple:
    """(True, "") when this call approved/denied the request; (False, why) when it was not pending any more."""
    assert verdict in ("approved", "denied")
    now = time.time()
    cur = con.execute("UPDATE requests SET state = ?, decided = ?, approver = ? WHERE id = ? AND state = 'pending' "
                      "AND expires > ?", (verdict, now, json.dumps(approver), req_id, now))
    if cur.rowcount == 1:
        return True, ""
    row = get_request(con, req_id)
    if row is None:
        return False, "no request %s" % req_id
    if row["state"] == "pending":
        return False, "request %s has expired" % req_id
    return False, "request %s is already %s" % (req_id, row["state"])


def add_preapproval(con, command, cwd, seconds, approver) -> str:
    pre_id = _new_id()
    now = time.time()
    con.execute("INSERT INTO preapprovals (id, command, cwd, created, expires, approver) VALUES (?,?,?,?,?,?)",
                (pre_id, command, cwd, now, now + seconds, json.dumps(approver)))
    return pre_id


def as_public(row) -> dict:
    """The `pending --json` shape."""
    return {"id": row["id"], "command": row["command"], "runs": row["runs"] if "runs" in row.keys() else None,
            "cwd": row["cwd"], "environment": row["environment"],
            "findings": json.loads(row["findings"]), "created": _iso(row["created"]), "expires": _iso(row["expires"]),
            "state": row["state"], "agent": row["agent"], "session": row["session"], "typed": row["typed"]}


def _iso(t) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

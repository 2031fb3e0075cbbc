"""The audit log: one JSON object per decision in `$XDG_STATE_HOME/agentsh/audit.jsonl`, hash-chained.

Each record carries `prev` (the previous record's hash) and `hash` = SHA-256 over `prev` and the record's canonical
JSON (sorted keys, no spaces, without `hash`). Editing, deleting or reordering a line breaks the chain at that line,
and `agentsh audit verify` names it. Appends take an exclusive `flock` on the log, read the last hash, write one line
with one `write()` and `fsync` before the lock is released, so concurrent agents never interleave or fork the chain.

This module is on the shell's fast path: stdlib only, its own canonical JSON writer (importing `json` costs 1.5 ms)
and `_sha256` (hashlib's OpenSSL load costs ~2 ms).
Secrets are redacted before anything is written: the log is for people and log shippers, not for tokens.
"""
from __future__ import annotations

import os
import time

GENESIS = "0" * 64
LOG_NAME = "audit.jsonl"
_TAIL_CHUNK = 65536


class AuditError(Exception):
    """The log cannot be written. Callers still decide, and stop anything that is not `allow`."""


def log_path(environ) -> str:
    from agentsh.context import state_dir
    return os.path.join(state_dir(environ), LOG_NAME)


def _sha256_hex(data: bytes) -> str:
    try:
        from _sha256 import sha256
    except ImportError:      # a Python built without the builtin module
        from hashlib import sha256
    return sha256(data).hexdigest()


def dumps(obj) -> str:
    """json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False), for the types records hold,
    without importing the json package (1.5 ms on every agent command). tests/test_audit.py checks it against json."""
    try:
        from _json import encode_basestring as quote
    except ImportError:
        from json.encoder import py_encode_basestring as quote
    out = []

    def enc(o):
        if isinstance(o, str):
            out.append(quote(o))
        elif o is None:
            out.append("null")
        elif o is True:
            out.append("true")
        elif o is False:
            out.append("false")
        elif isinstance(o, int):
            out.append(int.__repr__(o))
        elif isinstance(o, float):
            if o != o or o in (float("inf"), float("-inf")):
                raise ValueError("audit records hold no NaN or infinity")
            out.append(float.__repr__(o))
        elif isinstance(o, dict):
            out.append("{")
            for i, k in enumerate(sorted(o)):
                if not isinstance(k, str):
                    raise TypeError("audit record keys are strings")
                if i:
                    out.append(",")
                out.append(quote(k))
                out.append(":")
                enc(o[k])
            out.append("}")
        elif isinstance(o, (list, tuple)):
            out.append("[")
            for i, v in enumerate(o):
                if i:
                    out.append(",")
                enc(v)
            out.append("]")
        else:
            enc(str(o))
    enc(obj)
    return "".join(out)


def canonical(record: dict) -> bytes:
    body = {k: v for k, v in record.items() if k != "hash"}
    return dumps(body).encode("utf-8")


def chain_hash(prev: str, record: dict) -> str:
    return _sha256_hex(prev.encode("ascii") + b"\n" + canonical(record))


def session_id(environ) -> str:
    """The agent's session: a harness's own id when the caller knows it, else this process group's session."""
    for var in ("AGENTSH_SESSION", "CLAUDE_SESSION_ID", "CODEX_THREAD_ID", "OPENHANDS_SESSION_ID", "GEMINI_SESSION_ID"):
        if environ.get(var):
            return environ[var][:128]
    try:
        return "sid-%d" % os.getsid(0)
    except OSError:
        return "pid-%d" % os.getpid()


def make_record(event: str, command: str, cwd: str | None, environ, decision=None, agent=None, mode="shell",
                extra: dict | None = None) -> dict:
    """The record for one event. event: allow | confirm | block | approved | denied | expired | requested | …"""
    from agentsh.redact import redact
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (int(time.time() * 1000) % 1000),
        "event": event,
        "mode": mode,
        "session": session_id(environ),
        "agent": agent,
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "uid": os.getuid(),
        "cwd": cwd,
        "command": redact(command),
    }
    if decision is not None:
        record["decision"] = decision.decision
        record["environment"] = decision.environment
        record["findings"] = [{"rule": f.rule, "severity": f.severity, "message": f.message,
                               "where": redact(f.location())[:500], "environment": f.environment}
                              for f in decision.findings]
        if decision.error:
            record["error"] = redact(str(decision.error))
    if extra:
        record.update(extra)
    return record


def _last_hash(fd) -> str:
    """The `hash` of the log's last line (GENESIS for an empty log). Reads backwards from the end."""
    size = os.fstat(fd).st_size
    if size == 0:
        return GENESIS
    end = size
    tail = b""
    while end > 0:
        start = max(0, end - _TAIL_CHUNK)
        tail = os.pread(fd, end - start, start) + tail
        end = start
        stripped = tail.rstrip(b"\n")
        nl = stripped.rfind(b"\n")
        if nl >= 0 or end == 0:
            last = stripped[nl + 1:]
            # a string inside a record cannot hold `"hash":"` unescaped, so the top-level key is found by text
            at = last.rfind(b'"hash":"')
            if at >= 0:
                value = last[at + 8:at + 72]
                if len(value) == 64 and all(c in b"0123456789abcdef" for c in value) and \
                        last[at + 72:at + 73] == b'"':
                    return value.decode("ascii")
            import json
            try:
                value = json.loads(last.decode("utf-8"))["hash"]
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                # a damaged last line: chain onto its bytes, so verify still reports the damage where it is
                return _sha256_hex(last)
            return value if isinstance(value, str) else _sha256_hex(last)
    return GENESIS


def append(record: dict, environ, path: str | None = None) -> dict:
    """Chain and append one record. Raises AuditError when the log cannot be written."""
    import fcntl
    path = path or log_path(environ)
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as e:
        raise AuditError("cannot open the audit log %s: %s" % (path, e.strerror or e)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        prev = _last_hash(fd)
        record["prev"] = prev
        record["hash"] = chain_hash(prev, record)
        line = dumps(record).encode("utf-8") + b"\n"
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(0, "short write (%d of %d bytes)" % (written, len(line)))
        os.fsync(fd)
    except OSError as e:
        raise AuditError("cannot write the audit log %s: %s" % (path, e.strerror or e)) from None
    finally:
        os.close(fd)   # closing releases the lock
    _forward(record, environ)
    return record


def _forward(record: dict, environ) -> None:
    """Optional syslog forwarding (`[audit] syslog = true` in config.toml): one JSON line per event at LOG_INFO,
    facility LOG_AUTHPRIV where it exists, for fleets that ship logs to a central store."""
    if not _syslog_enabled(environ):
        return
    try:
        import json
        import syslog
        facility = getattr(syslog, "LOG_AUTHPRIV", syslog.LOG_AUTH)
        syslog.openlog("agentsh", syslog.LOG_PID, facility)
        syslog.syslog(syslog.LOG_INFO, json.dumps(record, sort_keys=True, separators=(",", ":")))
    except (OSError, ImportError):
        pass   # the local log is the record of truth; forwarding is best effort


def _syslog_enabled(environ) -> bool:
    from agentsh.context import user_config_section
    return bool(user_config_section(environ, "audit").get("syslog", False))


# ---- reading and verifying -------------------------------------------------------------------------------------
def read_entries(path: str):
    """Yield (line number, record or None, raw line) for each line of the log."""
    import json
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                rec = json.loads(raw.decode("utf-8"))
                if not isinstance(rec, dict):
                    rec = None
            except (ValueError, UnicodeDecodeError):
                rec = None
            yield n, rec, raw


def verify(path: str) -> tuple:
    """(ok, number of records, first broken line or None, reason)."""
    prev = GENESIS
    count = 0
    for n, rec, raw in read_entries(path):
        if not raw.endswith(b"\n"):
            return False, count, n, "line %d is incomplete (no newline): a torn write" % n
        if rec is None:
            return False, count, n, "line %d is not a JSON object" % n
        if rec.get("prev") != prev:
            return False, count, n, "line %d: prev does not match the hash of line %d (a line was removed, " \
                                    "inserted or reordered)" % (n, n - 1) if n > 1 else \
                "line 1: prev is not the genesis value"
        if rec.get("hash") != chain_hash(prev, rec):
            return False, count, n, "line %d: its content does not match its hash (the line was edited)" % n
        prev = rec["hash"]
        count += 1
    return True, count, None, "%d records, chain intact" % count

"""CLI commands for people: the audit log (`audit`, `audit verify`) and the approval queue (`pending`, `approve`,
`deny`, `review`, `allow-once`). Registered on the click group in agentsh.cli."""
from __future__ import annotations

import json
import os
import sys
import time

import click

from agentsh.cli import EXIT_OK, EXIT_STOPPED, InputError, cli

EXIT_REFUSED = 3    # approve/deny/review/allow-once run by something that is not a human outside the agent

EVENTS = ("allow", "confirm", "block", "requested", "approved", "denied", "expired", "session-start")


# ---- audit ---------------------------------------------------------------------------------------------------------
def _since(value):
    """ISO time (2026-11-25T10:00), or a duration back from now (30m, 2h, 7d)."""
    if value is None:
        return None
    from agentsh.approval import parse_duration
    try:
        return time.time() - parse_duration(value)
    except ValueError:
        pass
    from datetime import datetime, timezone
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError("--since %r: use an ISO time (2026-11-25T10:00) or a duration (30m, 2h, 7d)" % value) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _record_time(rec) -> float:
    from datetime import datetime
    try:
        return datetime.fromisoformat(rec["time"].replace("Z", "+00:00")).timestamp()
    except (KeyError, ValueError, AttributeError):
        return 0.0


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON record per line.")
@click.option("--since", default=None, help="Only records after this ISO time or duration ago (30m, 2h, 7d).")
@click.option("--decision", "decisions", multiple=True, type=click.Choice(EVENTS),
              help="Only these events (repeatable): allow, confirm, block, approved, denied, expired, …")
@click.option("--agent", "agents", multiple=True, help="Only records from this agent (repeatable).")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new records as they are written.")
@click.pass_context
def audit(ctx, as_json, since, decisions, agents, follow):
    """What agentsh decided: the hash-chained audit log ($XDG_STATE_HOME/agentsh/audit.jsonl)."""
    if ctx.invoked_subcommand is not None:
        return None
    from agentsh import audit as audit_mod
    path = audit_mod.log_path(os.environ)
    cutoff = _since(since)

    def wanted(rec):
        return rec is not None and (cutoff is None or _record_time(rec) >= cutoff) and \
            (not decisions or rec.get("event") in decisions) and (not agents or rec.get("agent") in agents)

    console = None
    if not as_json:
        from rich.console import Console
        console = Console(highlight=False, soft_wrap=False)
    rows = []
    offset = 0
    if os.path.exists(path):
        for _n, rec, _raw in audit_mod.read_entries(path):
            if wanted(rec):
                rows.append(rec)
        offset = os.path.getsize(path)
    elif not follow:
        click.echo("no audit log yet (%s)" % path, err=True)
        return EXIT_OK
    _print_records(rows, as_json, console)
    while follow:
        try:
            time.sleep(0.5)
            if not os.path.exists(path) or os.path.getsize(path) <= offset:
                continue
            with open(path, "rb") as f:
                f.seek(offset)
                data = f.read()
            complete = data[:data.rfind(b"\n") + 1]
            offset += len(complete)
            new = []
            for raw in complete.splitlines():
                try:
                    rec = json.loads(raw)
                except ValueError:
                    continue
                if wanted(rec):
                    new.append(rec)
            _print_records(new, as_json, console, header=False)
        except KeyboardInterrupt:
            break
    return EXIT_OK


_EVENT_STYLE = {"allow": "green", "confirm": "yellow", "block": "bold red", "approved": "cyan", "denied": "red",
                "expired": "magenta", "requested": "yellow"}


def _print_records(rows, as_json, console, header=True):
    if as_json:
        for r in rows:
            click.echo(json.dumps(r, ensure_ascii=False))
        sys.stdout.flush()
        return
    if not rows:
        if header:
            console.print("[dim]no matching records[/]")
        return
    from rich.markup import escape
    from rich.table import Table
    t = Table(show_header=header, box=None, pad_edge=False)
    for col in ("time", "event", "agent", "env", "rule"):
        t.add_column(col, no_wrap=True)
    t.add_column("command", overflow="fold")
    for r in rows:
        rules = ",".join(sorted({f.get("rule", "") for f in r.get("findings") or []}))[:40]
        cmd = (r.get("command") or "").replace("\n", "\\n")
        t.add_row(r.get("time", "")[:19].replace("T", " "),
                  "[%s]%s[/]" % (_EVENT_STYLE.get(r.get("event"), "white"), escape(str(r.get("event")))),
                  escape(str(r.get("agent") or "-")), escape(str(r.get("environment") or "-")), escape(rules),
                  escape(cmd[:120] + ("…" if len(cmd) > 120 else "")))
    console.print(t)


@audit.command("verify")
def audit_verify():
    """Check the hash chain; names the first broken line. Exit 0 intact, 1 broken."""
    from agentsh import audit as audit_mod
    path = audit_mod.log_path(os.environ)
    if not os.path.exists(path):
        click.echo("no audit log yet (%s): nothing to verify" % path)
        return EXIT_OK
    ok, count, line, reason = audit_mod.verify(path)
    if ok:
        click.echo("%s: %s" % (path, reason))
        return EXIT_OK
    click.echo("%s: BROKEN at line %d: %s (%d records before it verify)" % (path, line, reason, count), err=True)
    return EXIT_STOPPED


# ---- approvals -------------------------------------------------------------------------------------------------
def _require_human(action):
    """Refuse, log and exit unless a human at a terminal outside any agent's process tree runs this."""
    from agentsh import approval
    problems = approval.approver_problems()
    if not problems:
        return approval.approver_identity()
    from agentsh import audit as audit_mod
    try:
        audit_mod.append(audit_mod.make_record("refused", "agentsh " + " ".join(sys.argv[1:]), os.getcwd(),
                                               os.environ, mode="approver",
                                               extra={"action": action, "problems": problems,
                                                      "approver": approval.approver_identity()}), os.environ)
    except (audit_mod.AuditError, OSError):
        pass
    click.echo("agentsh: refusing to %s: %s.\nOnly a human at their own terminal, outside the agent's process tree, "
               "can do this." % (action, "; ".join(problems)), err=True)
    sys.exit(EXIT_REFUSED)


def _connect():
    from agentsh import approval
    try:
        return approval.connect(os.environ)
    except Exception as e:
        raise InputError("cannot open the approval queue: %s" % e) from None


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="A JSON list of pending requests.")
@click.option("--all", "show_all", is_flag=True, help="Also requests that were decided or expired.")
def pending(as_json, show_all):
    """Commands waiting for a human's approval."""
    from agentsh import approval
    con = _connect()
    rows = [approval.as_public(r) for r in approval.list_requests(con, include_done=show_all)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        click.echo("nothing is waiting for approval")
        return EXIT_OK
    from rich.console import Console
    from rich.markup import escape
    c = Console(highlight=False)
    for r in rows:
        _show_request(c, r, escape)
    return EXIT_OK


def _show_request(c, r, escape, selected=False):
    mark = "[reverse]" if selected else ""
    end = "[/reverse]" if selected else ""
    c.print("%s[bold]%s[/] [yellow]%s[/] %s  env=%s  agent=%s  expires %s%s" % (
        mark, r["id"], r["state"], escape(r["cwd"] or ""), r["environment"], r["agent"] or "-",
        r["expires"][11:19], end))
    c.print("    [bold]$ %s[/]" % escape(r["command"].replace("\n", "\n      ")))
    if r.get("runs"):
        shown = r["runs"] if len(r["runs"]) <= 600 else r["runs"][:600] + "…"
        c.print("    [dim]runs (all of it was vetted):[/] %s" % escape(shown.replace("\n", "\n      ")))
    for f in r["findings"]:
        c.print("    [dim]%s[/] %s: %s" % (f["severity"], f["rule"], escape(f["message"])))
    if r.get("typed"):
        c.print("    [red]approval requires typing[/] [bold]%s[/]" % r["typed"])


def _approve_or_deny(req_id, verdict, confirm_text=None):
    from agentsh import approval
    approver = _require_human("approve" if verdict == "approved" else "deny")
    con = _connect()
    row = approval.get_request(con, req_id)
    if row is None:
        raise InputError("no request %s (see `agentsh pending`)" % req_id)
    if verdict == "approved" and row["typed"]:
        typed = confirm_text if confirm_text is not None else click.prompt(
            "This touches %s. Type %r to approve" % (row["typed"], row["typed"]), default="", show_default=False)
        if typed.strip() != row["typed"]:
            click.echo("not approved: you typed %r, not %r" % (typed, row["typed"]), err=True)
            return EXIT_STOPPED
    ok, why = approval.decide_request(con, req_id, verdict, approver)
    if not ok:
        click.echo("agentsh: %s" % why, err=True)
        return EXIT_STOPPED
    from agentsh import audit as audit_mod
    try:
        audit_mod.append(audit_mod.make_record(verdict + "-by-human", row["command"], row["cwd"], os.environ,
                                               mode="approver", extra={"request": req_id, "approver": approver}),
                         os.environ)
    except (audit_mod.AuditError, OSError) as e:
        click.echo("agentsh: warning: %s" % e, err=True)
    click.echo("%s %s: %s" % (verdict, req_id, row["command"]))
    return EXIT_OK


@cli.command()
@click.argument("request_id")
def approve(request_id):
    """Approve a pending request (a human, at a terminal, outside the agent)."""
    return _approve_or_deny(request_id, "approved")


@cli.command()
@click.argument("request_id")
def deny(request_id):
    """Deny a pending request: the waiting command exits 126."""
    return _approve_or_deny(request_id, "denied")


@cli.command("allow-once")
@click.argument("command")
@click.option("--for", "duration", default="10m", show_default=True, help="How long the pre-approval lasts.")
@click.option("--cwd", default=None, help="Directory it must run in (default: this one; '*' for any).")
def allow_once(command, duration, cwd):
    """Pre-approve one exact COMMAND, once, for a while."""
    from agentsh import approval
    try:
        seconds = approval.parse_duration(duration)
    except ValueError as e:
        raise InputError(str(e)) from None
    approver = _require_human("allow-once")
    where = None if cwd == "*" else os.path.abspath(cwd or os.getcwd())
    con = _connect()
    pre_id = approval.add_preapproval(con, command, where, seconds, approver)
    from agentsh import audit as audit_mod
    try:
        audit_mod.append(audit_mod.make_record("allow-once", command, where, os.environ, mode="approver",
                                               extra={"preapproval": pre_id, "seconds": seconds,
                                                      "approver": approver}), os.environ)
    except (audit_mod.AuditError, OSError) as e:
        click.echo("agentsh: warning: %s" % e, err=True)
    click.echo("pre-approved once for %s%s: %s" % (duration, "" if where is None else " in " + where, command))
    return EXIT_OK


@cli.command()
def review():
    """Live view of requests as they arrive: j/k select, a approve, d deny, q quit."""
    from agentsh import approval
    approver = _require_human("review")
    con = _connect()
    from rich.console import Console
    from rich.markup import escape
    c = Console(highlight=False)
    import select
    import termios
    import tty
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    seen = set()
    selected = 0
    notify = _which("notify-send")
    try:
        tty.setcbreak(fd)
        while True:
            rows = [approval.as_public(r) for r in approval.list_requests(con)]
            fresh = [r for r in rows if r["id"] not in seen]
            if fresh:
                sys.stdout.write("\a")
                for r in fresh:
                    seen.add(r["id"])
                    if notify:
                        _notify(notify, r)
            c.clear()
            c.print("[bold]agentsh review[/]  %d pending   [dim]j/k select · a approve · d deny · q quit[/]" % len(rows))
            selected = min(selected, max(0, len(rows) - 1))
            for i, r in enumerate(rows):
                _show_request(c, r, escape, selected=(i == selected))
            if not select.select([fd], [], [], 1.0)[0]:
                continue
            key = os.read(fd, 1).decode("utf-8", "replace")
            if key in ("q", "\x04"):
                return EXIT_OK
            if key == "j":
                selected += 1
            elif key == "k":
                selected = max(0, selected - 1)
            elif key in ("a", "d") and rows:
                r = rows[selected]
                verdict = "approved" if key == "a" else "denied"
                if verdict == "approved" and r.get("typed"):
                    termios.tcsetattr(fd, termios.TCSADRAIN, old)
                    typed = input("Type %r to approve %s: " % (r["typed"], r["id"]))
                    tty.setcbreak(fd)
                    if typed.strip() != r["typed"]:
                        continue
                ok, why = approval.decide_request(con, r["id"], verdict, approver)
                if ok:
                    from agentsh import audit as audit_mod
                    try:
                        audit_mod.append(audit_mod.make_record(verdict + "-by-human", r["command"], r["cwd"],
                                                               os.environ, mode="approver",
                                                               extra={"request": r["id"], "approver": approver}),
                                         os.environ)
                    except (audit_mod.AuditError, OSError):
                        pass
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


def _which(name):
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return None


def _notify(binary, r):
    import subprocess
    try:
        subprocess.Popen([binary, "agentsh: approval needed", r["command"][:200]], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    except OSError:
        pass

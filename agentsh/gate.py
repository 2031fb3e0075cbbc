"""The gate every front end passes a command through: decide, record, and (for `confirm`) wait for a human.

`admit(...)` is shared by the shell (`-c`, script, stdin and interactive modes) and the hooks, so they cannot drift:
the decision comes from `agentsh.analyze`, the audit record is written before anything runs, and a command is
admitted only when it is allowed or a human approved it. Messages for the agent go to stderr, never stdout.
"""
from __future__ import annotations

import os
import sys


class Outcome:
    __slots__ = ("admitted", "decision", "event", "message")

    def __init__(self, admitted, decision, event, message=""):
        self.admitted = admitted      # True: run it
        self.decision = decision      # the analyzer's Decision (None when analysis itself failed)
        self.event = event            # allow | block | confirm | approved | denied | expired | error
        self.message = message        # what to tell the agent (stderr) when not admitted


def _decide(text, environ, cwd, prelude=None):
    from agentsh.analyze import analyze, make_context
    try:
        context = make_context(environ, cwd)
    except ValueError as e:     # an unreadable config: fail closed, loudly
        return None, "agentsh: blocked: invalid configuration: %s\n" % e
    context.prelude = prelude
    return analyze(text, context), None


def admit(text: str, display: str, environ=None, cwd=None, mode="shell", extra=None, wait=True,
          stream=None, prelude=None, max_wait=None, agent=None, extra_check=None) -> Outcome:
    """Decide `text` (what agentsh vets, e.g. start-up files plus the command) and show `display` (the command as
    the agent wrote it); `prelude` is what already ran in this shell session (stdin mode). Writes the audit record, waits for approval when configured, prints the stop message."""
    environ = os.environ if environ is None else environ
    stream = stream or sys.stderr
    if cwd is None:
        try:
            cwd = os.getcwd()
        except OSError:
            cwd = environ.get("PWD") or "/"
    try:
        decision, error = _decide(text, environ, cwd, prelude)
    except Exception as e:      # never a silent allow: an internal error blocks with a message
        decision, error = None, "agentsh: blocked: internal error while vetting the command: %s: %s\n" % (
            type(e).__name__, e)
    from agentsh import audit
    from agentsh.context import detect_agent
    agent = agent or detect_agent(environ, ancestry=True)[0]
    if decision is None:
        _record(audit, "block", display, cwd, environ, None, agent, mode, dict(extra or {}, error=error.strip()))
        stream.write(error)
        return Outcome(False, None, "error", error)
    decision.command = display
    if extra_check is not None and decision.decision != "block":
        finding = extra_check(decision)      # a front end's own rule (the interactive guard's tamper check)
        if finding is not None:
            decision.findings.append(finding)
            decision.decision = "block"
    audit_error = None
    try:
        _record(audit, decision.decision, display, cwd, environ, decision, agent, mode, extra)
    except audit.AuditError as e:
        audit_error = str(e)
    if decision.decision == "allow":
        if audit_error:
            stream.write("agentsh: warning: %s (the command was allowed and runs)\n" % audit_error)
        return Outcome(True, decision, "allow")
    from agentsh.render import stop_message
    if audit_error:
        msg = stop_message(decision, approval=None) + \
            "  agentsh could not record this decision (%s), so it cannot be approved either.\n" % audit_error
        stream.write(msg)
        return Outcome(False, decision, decision.decision, msg)
    if decision.decision == "confirm" and wait:
        from agentsh import approval
        return approval.wait_for_human(decision, display, cwd, environ, agent, mode, stream, max_wait=max_wait,
                                       extra=extra, vetted=text)
    msg = stop_message(decision)
    stream.write(msg)
    return Outcome(False, decision, decision.decision, msg)


def _record(audit, event, display, cwd, environ, decision, agent, mode, extra):
    record = audit.make_record(event, display, cwd, environ, decision=decision, agent=agent, mode=mode, extra=extra)
    try:
        audit.append(record, environ)
    except audit.AuditError:
        if event == "allow" or decision is not None:
            raise
        # an error block that cannot be recorded is still a block

"""`agentsh hook AGENT`: the pre-tool-use hook front end. Reads the host's JSON on stdin, vets the command through
the same gate as the shell (analyzer, audit log, approval queue) and answers in the host's dialect
(agentsh.integrations). Imported without click or rich: it runs before every agent tool call.

`confirm` here: by default agentsh waits for its own out-of-band approval, within the host's hook timeout (minus a
margin), because every host `ask` can be answered by something other than the human on some setting (Claude Code's
auto mode classifier, VS Code's autopilot, Gemini's YOLO mode). `[hooks] ask = "host"` in config.toml hands a
confirm to the host's own dialog instead, on hosts that have one (Claude Code, VS Code, Gemini).
"""
import io
import os
import sys

MARGIN_SECONDS = 5     # leave the host time to read the answer before its hook timeout


def hook_settings(environ) -> dict:
    from agentsh.context import user_config_section
    value = user_config_section(environ, "hooks").get("ask")
    return {"ask": value if value in ("agentsh", "host") else "agentsh"}


def make_decider(environ, settings, stream=None):
    """decide(call) -> (outcome, reason, user_message) for agentsh.integrations.run_hook."""
    results = []      # (outcome, event) of every command decided in this call

    def decide(call):
        from agentsh.gate import admit
        env = dict(environ)
        if call.session_id:
            env["AGENTSH_SESSION"] = str(call.session_id)[:128]
        cwd = call.cwd if isinstance(call.cwd, str) and os.path.isdir(call.cwd) else None
        use_host_ask = bool(call.can_ask) and settings["ask"] == "host"
        timeout = getattr(call.host, "timeout_seconds", 30) or 30
        buf = io.StringIO()
        outcome = admit(call.command, call.command, env, cwd, mode="hook",
                        extra={"hook": call.agent, "variant": call.variant, "tool": call.tool_name},
                        wait=not use_host_ask, stream=buf, max_wait=max(0, timeout - MARGIN_SECONDS),
                        agent=call.agent)
        results.append(("allow" if outcome.admitted else "stop", outcome.event))
        if outcome.admitted:
            return "allow", "agentsh: %s" % outcome.event
        reason = (outcome.message or buf.getvalue()).strip() or "agentsh stopped this command"
        reason = reason.replace(" (exit status %d)" % 126, "")    # the shell's wording; a hook reply has no status
        if outcome.event == "confirm" and use_host_ask:
            return "ask", reason, reason
        return "deny", reason, reason

    decide.results = results
    return decide


HOSTS_WHERE_ALLOW_SKIPS_PROMPTS = frozenset({"claude-code", "copilot", "cursor"})


def _canonical(agent):
    from agentsh.integrations import canonical_agent
    try:
        return canonical_agent(agent)
    except Exception:
        return agent


def _audit_unreadable(agent, raw, reply):
    """A payload agentsh could not read was answered with the host's blocking reply: record that too."""
    from agentsh.integrations import parse_call
    try:
        parse_call(agent, raw)
        return                  # a readable non-shell call: no decision was needed
    except Exception as e:
        error = "%s: %s" % (type(e).__name__, e)
    from agentsh import audit
    try:
        audit.append(audit.make_record("block", "(unreadable %s hook payload, %d bytes)" % (agent, len(raw)), None,
                                       os.environ, agent=_canonical(agent), mode="hook",
                                       extra={"hook": agent, "error": error[:300], "exit": reply.exit_code}),
                     os.environ)
    except (audit.AuditError, OSError):
        pass


def run(argv) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write("usage: agentsh hook AGENT  (claude-code, cursor, codex, gemini, copilot, goose, openhands, "
                         "cline); reads the host's hook JSON on stdin\n")
        return 2
    agent = argv[0]
    from agentsh.integrations import no_opinion_reply, parse_call, run_hook
    try:
        raw = sys.stdin.buffer.read()
    except OSError:
        raw = b""
    decide = make_decider(os.environ, hook_settings(os.environ))
    reply = run_hook(agent, raw, decide)
    if decide.results and all(r == ("allow", "allow") for r in decide.results) and reply.exit_code == 0 and \
            _canonical(agent) in HOSTS_WHERE_ALLOW_SKIPS_PROMPTS:
        # agentsh has nothing against it: leave it to the host's own permission rules rather than pre-approving
        # (on these hosts an `allow` would skip the prompts the user configured)
        try:
            reply = no_opinion_reply(parse_call(agent, raw))
        except Exception:
            pass
    if not decide.results:
        _audit_unreadable(agent, raw, reply)
    if reply.stdout:
        sys.stdout.write(reply.stdout)
        sys.stdout.flush()
    if reply.stderr:
        sys.stderr.write(reply.stderr)
    return reply.exit_code

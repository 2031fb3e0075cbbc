"""`agentsh hook AGENT`: read a host's pre-tool-use payload, ask a decider, answer in the host's own dialect.

The decider is the caller's (analysis, audit log, human approval); this module only translates, and it fails
closed: unreadable input, an unknown agent, an exception anywhere, or a malformed decision all produce the host's
blocking reply, never a silent allow.

    reply = run_hook("claude-code", stdin_bytes, decide)
    sys.stdout.write(reply.stdout); sys.stderr.write(reply.stderr); sys.exit(reply.exit_code)

where decide(call) returns (outcome, reason) or (outcome, reason, user_message), outcome in allow / deny / ask.
`reason` is written for the model (and for the human where the host has one message only); `user_message`, when
given, is shown to the human where the host has a separate field for it.
"""
from __future__ import annotations

import importlib

from .base import OUTCOMES, HookInputError, HookReply, load_object, stderr_line
from .hosts import HOSTS, VARIANT_HOSTS

# Agent name -> dialect module. Modules load on first use: a hook process speaks one dialect, so it pays for one.
DIALECT_MODULES = {
    "claude-code": "claude",
    "cursor": "cursor",
    "codex": "codex",
    "gemini": "gemini",
    "copilot": "copilot",
    "goose": "goose",
    "openhands": "openhands",
    "cline": "cline",
}
AGENTS = tuple(DIALECT_MODULES)
ALIASES = {"claude": "claude-code"}

DEGRADED_ASK_NOTE = "a human must confirm this command, and this agent's hooks cannot ask, so agentsh blocks it"


def canonical_agent(agent) -> str:
    """The adapter name for `agent` (case-insensitive, `claude` accepted); HookInputError if there is none."""
    name = agent.strip().lower() if isinstance(agent, str) else ""
    name = ALIASES.get(name, name)
    if name not in DIALECT_MODULES:
        raise HookInputError("unknown agent %r; known agents: %s (and claude, for claude-code)"
                             % (agent, ", ".join(AGENTS)))
    return name


def _dialect(name: str):
    return importlib.import_module("%s.%s" % (__package__, DIALECT_MODULES[name]))


def host_info(agent: str, variant: str | None = None):
    name = canonical_agent(agent)
    return VARIANT_HOSTS.get((name, variant), HOSTS[name])


def ask_capable(agent: str, variant: str | None = None, *, use_unreliable_ask: bool = False) -> bool:
    """Whether an `ask` reaches a human through this host's own prompt.

    False means: do not ask; get a human's answer some other way (out of band) and reply allow or deny.
    use_unreliable_ask also trusts hosts that document ask but are reported to mishandle it (Cursor).
    """
    host = host_info(agent, variant)
    return host.honours_ask or (use_unreliable_ask and host.ask_unreliable)


def parse_call(agent: str, raw, *, use_unreliable_ask: bool = False):
    """The HookCall in `raw` (the hook's stdin bytes); HookInputError for an unknown agent or malformed input."""
    name = canonical_agent(agent)
    call = _dialect(name).parse(load_object(raw), agent=name)
    host = host_info(name, call.variant)
    return call.replace(host=host, can_ask=ask_capable(name, call.variant, use_unreliable_ask=use_unreliable_ask))


def render(call, outcome: str, reason: str, user_message=None, *, use_unreliable_ask: bool = False) -> HookReply:
    """The host's reply for a decision on `call`. An ask the host cannot honour becomes a deny (fail closed)."""
    if outcome not in OUTCOMES:
        raise ValueError("outcome must be one of %s, not %r" % (", ".join(OUTCOMES), outcome))
    if reason is not None and not isinstance(reason, str):
        raise TypeError("reason must be a string, not %s" % type(reason).__name__)
    if user_message is not None and not isinstance(user_message, str):
        raise TypeError("user_message must be a string, not %s" % type(user_message).__name__)
    reason = reason or ""
    if outcome == "ask" and not ask_capable(call.agent, call.variant, use_unreliable_ask=use_unreliable_ask):
        outcome = "deny"
        reason = "%s (%s)" % (reason, DEGRADED_ASK_NOTE) if reason.strip() else DEGRADED_ASK_NOTE
    return _dialect(call.agent).render(call, outcome, reason, user_message or None)


def no_opinion_reply(call) -> HookReply:
    """The reply that leaves a non-shell tool call to the host's own rules."""
    return _dialect(call.agent).no_opinion(call)


def fail_closed_reply(agent: str, message: str) -> HookReply:
    """The host's blocking reply when the input is unreadable or something failed. Never an allow."""
    message = message if isinstance(message, str) and message.strip() else "agentsh blocked this tool call"
    try:
        return _dialect(canonical_agent(agent)).fail_closed(message)
    except Exception:
        # No dialect to speak (unknown agent): exit 2 is the closest thing to a universal "block" (Claude, Codex,
        # Gemini, Cursor, Goose, OpenHands, VS Code), with the reason on stderr.
        return HookReply(stdout="", stderr=stderr_line(message), exit_code=2)


def _checked_decision(result):
    if not isinstance(result, (tuple, list)) or len(result) not in (2, 3):
        raise TypeError("decide() must return (outcome, reason) or (outcome, reason, user_message), got %r"
                        % (result,))
    outcome, reason = result[0], result[1]
    user_message = result[2] if len(result) == 3 else None
    if outcome not in OUTCOMES:
        raise ValueError("decide() returned outcome %r; expected one of %s" % (outcome, ", ".join(OUTCOMES)))
    if reason is not None and not isinstance(reason, str):
        raise TypeError("decide() returned a %s reason, not a string" % type(reason).__name__)
    if user_message is not None and not isinstance(user_message, str):
        raise TypeError("decide() returned a %s user_message, not a string" % type(user_message).__name__)
    return outcome, reason or "", user_message


def _decide_each(call, decide):
    """One decision for the call: each command decided on its own, the strictest answer kept (deny > ask > allow)."""
    if len(call.commands) == 1:
        return _checked_decision(decide(call))
    first_ask = first_allow = None
    for command in call.commands:
        decision = _checked_decision(decide(call.replace(command=command, commands=(command,))))
        if decision[0] == "deny":
            return decision  # no need to put the remaining commands (and perhaps a human) through the decider
        if decision[0] == "ask" and first_ask is None:
            first_ask = decision
        elif decision[0] == "allow" and first_allow is None:
            first_allow = decision
    return first_ask or first_allow


def run_hook(agent: str, raw, decide, *, use_unreliable_ask: bool = False) -> HookReply:
    """Parse, skip non-shell calls, decide, render; every failure becomes the host's blocking reply."""
    try:
        name = canonical_agent(agent)
    except HookInputError as err:
        return fail_closed_reply(agent, "agentsh hook: %s. The tool call is blocked." % err)
    try:
        call = parse_call(name, raw, use_unreliable_ask=use_unreliable_ask)
    except HookInputError as err:
        return fail_closed_reply(name, "agentsh could not read the %s hook input: %s. The tool call is blocked to "
                                       "be safe." % (name, err))
    except Exception as err:  # a bug in an adapter must not turn into a silent allow
        return fail_closed_reply(name, "agentsh hit an internal error reading the %s hook input (%s: %s). The "
                                       "tool call is blocked to be safe." % (name, type(err).__name__, err))
    try:
        if call.command is None:
            return no_opinion_reply(call)
        outcome, reason, user_message = _decide_each(call, decide)
        return render(call, outcome, reason, user_message, use_unreliable_ask=use_unreliable_ask)
    except Exception as err:
        return fail_closed_reply(name, "agentsh hit an internal error while vetting this command (%s: %s). It is "
                                       "blocked to be safe." % (type(err).__name__, err))

"""Agent hook adapters: one module per host dialect, pure functions from payload bytes to reply records.

Importing this package costs only `json` and agentsh.model, and each dialect module loads on first use: it sits
on the path of every agent tool call.
"""
from .base import HookCall, HookInputError, HookReply, HostInfo
from .hooks import (AGENTS, ALIASES, ask_capable, canonical_agent, fail_closed_reply, host_info, no_opinion_reply,
                    parse_call, render, run_hook)
from .hosts import HOSTS, VARIANT_HOSTS

__all__ = [
    "AGENTS", "ALIASES", "HOSTS", "VARIANT_HOSTS", "HookCall", "HookInputError", "HookReply", "HostInfo",
    "ask_capable", "canonical_agent", "fail_closed_reply", "host_info", "no_opinion_reply", "parse_call", "render",
    "run_hook",
]

"""What each host does with a hook's answer: one table, so the caller can plan (ask or not, how long to wait)
without importing any dialect module.

Timeouts are the hosts' defaults; an installer may set its own in the hook entry, and a human-approval wait must
end well before whichever applies. Sources: /work/shared/reference/agent-integrations.md §1, §2, §5.
"""
from __future__ import annotations

from .base import HostInfo

CLAUDE = HostInfo(name="claude-code", timeout_seconds=600, honours_ask=True, deny_only=False, exit2_blocks=True,
                  note="tool-hook timeout 10 min since 2.1.3; allow skips Claude's prompt, ask forces one")
VSCODE = HostInfo(name="vscode", timeout_seconds=30, honours_ask=True, deny_only=False, exit2_blocks=True,
                  note="VS Code agent hooks: matchers ignored, the most restrictive answer wins")
CURSOR = HostInfo(name="cursor", timeout_seconds=30, honours_ask=False, ask_unreliable=True, deny_only=True,
                  exit2_blocks=True, note="timeout undocumented (30 s assumed); install with failClosed: true")
CODEX = HostInfo(name="codex", timeout_seconds=30, honours_ask=False, deny_only=True, exit2_blocks=True,
                 note="ask and bare allow are rejected and the call runs; native confirmation is execpolicy prompt")
GEMINI = HostInfo(name="gemini", timeout_seconds=60, honours_ask=True, deny_only=False, exit2_blocks=True,
                  note="ask is honoured in code (forced confirmation); non-interactive runs treat ask as deny")
COPILOT_CLI = HostInfo(name="copilot-cli", timeout_seconds=30, honours_ask=False, deny_only=True, exit2_blocks=False,
                       note="Copilot CLI / cloud agent: only deny is processed; exit codes disputed; "
                            "timeouts fail open")
GOOSE = HostInfo(name="goose", timeout_seconds=30, honours_ask=False, deny_only=True, exit2_blocks=True,
                 note="install with on_failure: block so a crash or timeout denies")
OPENHANDS = HostInfo(name="openhands", timeout_seconds=60, honours_ask=False, deny_only=True, exit2_blocks=True,
                     note="the SDK's confirmation mode is separate, driven by the model's own security_risk")
CLINE = HostInfo(name="cline", timeout_seconds=30, honours_ask=False, deny_only=True, exit2_blocks=False,
                 note="reads stdout JSON only; hooks must be enabled in Cline's settings")

# Per agent, for its default variant (Copilot: the CLI / cloud agent, the stricter of its two hosts).
HOSTS = {
    "claude-code": CLAUDE,
    "cursor": CURSOR,
    "codex": CODEX,
    "gemini": GEMINI,
    "copilot": COPILOT_CLI,
    "goose": GOOSE,
    "openhands": OPENHANDS,
    "cline": CLINE,
}

# Variants whose host behaves differently from the agent's default: VS Code running Claude-format hook files
# (~/.claude/settings.json) or Copilot ones (.github/hooks/*.json), and Cursor running Claude-format ones.
VARIANT_HOSTS = {
    ("claude-code", "vscode"): VSCODE,
    ("claude-code", "cursor"): CURSOR,
    ("copilot", "vscode"): VSCODE,
}

"""Entry point. Dispatches without importing click or rich, so the shell path (`agentsh -c CMD`) stays fast.

`agentsh check|explain|rules|…` go to the click CLI (agentsh.cli); anything else is a bash command line
(agentsh.shell).
"""
import sys

SUBCOMMANDS = frozenset({"check", "explain", "rules", "context", "creds", "audit", "pending", "approve", "deny",
                         "review", "allow-once", "hook", "install", "doctor", "version"})


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "__vet-line":        # the interactive guard's per-line check (agentsh/guard.bash)
        from agentsh.interactive import vet_line
        return vet_line(argv[1:])
    if argv and argv[0] == "hook":              # every agent tool call: no click, no rich
        from agentsh.hook import run
        return run(argv[1:])
    if argv and argv[0] in SUBCOMMANDS:
        from agentsh.cli import run_cli
        return run_cli(argv)
    from agentsh.shell import run_shell
    return run_shell(argv)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Install agentsh into its own virtual environment and put `agentsh` on the PATH.
#
#   ./install.sh              user install: venv in ${XDG_DATA_HOME:-~/.local/share}/agentsh/venv,
#                             command in ~/.local/bin/agentsh, shell shim in …/agentsh/bin/bash next to the venv
#   ./install.sh --dev        development: venv in ./.venv (editable install + test dependencies),
#                             command in ./.venv/bin/agentsh, shell shim in ./.venv/agentsh-bin/bash
#   ./install.sh --uninstall  remove the user install: venv, command, shim, and agentsh's hooks in the agents'
#                             user settings; configuration, state and the audit log stay (with --dev: the shim only)
#
# The shim is a launcher named `bash` that runs agentsh's shell, for agents that take a shell path (Claude Code's
# CLAUDE_CODE_SHELL, Aider's SHELL, editor terminal profiles); agentsh runs the real bash by its absolute path.
# Idempotent: running it again upgrades in place. Needs python3 >= 3.11 and the Python package index.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=user
action=install
for arg in "$@"; do
  case "$arg" in
    --dev) mode=dev ;;
    --uninstall) action=uninstall ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option: $arg" >&2; exit 2 ;;
  esac
done

data="${XDG_DATA_HOME:-$HOME/.local/share}/agentsh"
if [ "$mode" = dev ]; then
  venv="$here/.venv"
  bindir="$venv/bin"
  shimdir="$venv/agentsh-bin"
else
  venv="$data/venv"
  bindir="$HOME/.local/bin"
  shimdir="$data/bin"
fi
launcher="$bindir/agentsh"
shim="$shimdir/bash"

# Only files that are recognisably agentsh's launchers are removed.
is_ours() { [ -f "$1" ] && grep -q '^from agentsh\.' "$1"; }

if [ "$action" = uninstall ]; then
  removed=0
  if [ "$mode" = user ] && [ -x "$venv/bin/python" ]; then
    # The agents' hooks go first, while agentsh is still here to edit their settings: a hook left pointing at a
    # removed agentsh fails, and Cursor's and Goose's fail closed (every shell command blocked).
    "$venv/bin/python" -I -c '
import sys
try:
    from agentsh.installer import uninstall_all
except ImportError:
    sys.exit(0)   # an agentsh from before `agentsh install`: it installed no hooks
done, errors = uninstall_all(sys.argv[1], shell_path=sys.argv[2])
for c in done:
    print("removed agentsh hook: %s (%s)" % (c.path, c.note))
for e in errors:
    print("install.sh: left the hooks of %s" % e, file=sys.stderr)
' "$HOME" "$shim" || echo "install.sh: could not check the agents' settings for agentsh hooks" >&2
  fi
  if is_ours "$shim"; then
    rm -f -- "$shim"
    echo "removed $shim"
    removed=1
  fi
  rmdir -- "$shimdir" 2>/dev/null || true
  if [ "$mode" = dev ]; then
    echo "The development venv $venv is left in place (its agentsh command is pip's)."
    exit 0
  fi
  if is_ours "$launcher"; then
    rm -f -- "$launcher"
    echo "removed $launcher"
    removed=1
  fi
  if [ -f "$venv/pyvenv.cfg" ]; then
    rm -rf -- "$venv"
    echo "removed $venv"
    removed=1
  fi
  rmdir -- "$data" 2>/dev/null || true
  [ "$removed" = 1 ] || echo "Nothing to remove: agentsh is not installed for this user."
  echo "Kept (delete them yourself if you want them gone):"
  echo "  configuration and rules: ${XDG_CONFIG_HOME:-$HOME/.config}/agentsh"
  echo "  state and audit log:     ${XDG_STATE_HOME:-$HOME/.local/state}/agentsh"
  echo "  cache:                   ${XDG_CACHE_HOME:-$HOME/.cache}/agentsh"
  echo "Hooks installed with --project stay in their projects (.claude/, .cursor/, .github/hooks/agentsh.json, …)."
  exit 0
fi

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "install.sh: agentsh needs Python >= 3.11 (found: $("$python" --version 2>&1 || echo none))" >&2
  exit 1
fi

[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
if [ "$mode" = dev ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$here[dev]"
  extra_path="$here"
else
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$here"
  extra_path=""
fi

# Launchers that start Python with -I -S: no site processing, no user site, no PYTHON* variables. It saves
# ~5 ms per agent command over pip's console script, and -I keeps the agent's environment from redirecting
# agentsh's own imports (PYTHONPATH). The package location is written in explicitly instead.
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
write_launcher() {   # PATH
  local tmp="$1.tmp.$$"
  {
    echo "#!$venv/bin/python -IS"
    echo "import sys"
    if [ -n "$extra_path" ]; then
      echo "sys.path[0:0] = [$(printf '%q' "$extra_path" | sed "s/.*/'&'/"), '$site']"
    else
      echo "sys.path[0:0] = ['$site']"
    fi
    echo "from agentsh.main import main"
    echo "sys.exit(main())"
  } > "$tmp"
  chmod 755 "$tmp"
  mv -f "$tmp" "$1"
}
mkdir -p "$bindir" "$shimdir"
# The shim is the same program under the name bash: its interactive guard calls back `$0 __vet-line`.
write_launcher "$launcher"
write_launcher "$shim"

# Compile the rule packs once now, so the first agent command does not pay for it.
"$launcher" check <<< true >/dev/null
"$shim" -c true || echo "install.sh: warning: the shim could not run bash -c true (see the message above)" >&2

echo "agentsh installed: $launcher"
echo "bash shim:         $shim  (agentsh's shell, for agents that take a shell path)"
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) echo "Add it to your PATH:  export PATH=\"$bindir:\$PATH\"" ;;
esac
echo "Next steps:"
echo "  $launcher install claude-code       # hook an agent: also cursor, codex, gemini, goose, openhands, cline;"
echo "                                       # copilot with --project; --print shows the change first"
echo "  export CLAUDE_CODE_SHELL=$shim       # Claude Code: run its commands through agentsh's shell too"
echo "Try it:  $launcher explain 'sudo bash -c \"railway volume delete --volume pg-data --yes\"'"
echo "         $launcher check < $here/examples/pocketos-session.txt"

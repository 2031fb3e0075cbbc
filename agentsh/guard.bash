# agentsh interactive guard. agentsh starts the real bash as `bash --rcfile <this file> -i …`.
#
# Why this mechanism (and not a front end that feeds a hidden bash): readline, job control, PS1/PS2, completion,
# `--init-file` scripts such as VS Code's shell integration and every keystroke behave exactly as in bash, because it
# is bash. The guard is a DEBUG trap with `extdebug`: before the first simple command of each new history entry it
# vets the whole line (`history 1`, so `X=/; rm -rf $X` is judged as one line) with `agentsh __vet-line`; when the
# line is stopped the trap returns 1 and, under extdebug, bash skips every command of that line.
#
# History is what identifies "a new line", so the guard keeps it on and complete (HISTCONTROL/HISTIGNORE empty and
# read-only); if history is switched off anyway, every command is refused. Lines that try to remove the guard
# (`trap - DEBUG`, `shopt -u extdebug`, `set +o history`, unsetting these functions) are stopped by agentsh itself.

__agentsh_bin=${__AGENTSH_BIN:?agentsh guard: __AGENTSH_BIN is not set}
__agentsh_rc=${__AGENTSH_RC-}
unset __AGENTSH_BIN __AGENTSH_RC

# The user's start-up files run only if agentsh allows them: for a login shell /etc/profile (the administrator's)
# and the first of ~/.bash_profile, ~/.bash_login, ~/.profile; otherwise --rcfile/--init-file or ~/.bashrc.
__agentsh_source() {
  local q
  builtin printf -v q '%q' "$1"
  if "$__agentsh_bin" __vet-line --startup -- "source $q"; then
    builtin source "$1"
  fi
}
if [[ ${__AGENTSH_LOGIN-} == 1 ]]; then
  [[ -r /etc/profile ]] && builtin source /etc/profile
  for __agentsh_f in ~/.bash_profile ~/.bash_login ~/.profile; do
    if [[ -r $__agentsh_f ]]; then __agentsh_source "$__agentsh_f"; break; fi
  done
  builtin unset __agentsh_f
elif [[ -n $__agentsh_rc && $__agentsh_rc != none && -r $__agentsh_rc ]]; then
  __agentsh_source "$__agentsh_rc"
fi
builtin unset -f __agentsh_source
builtin unset __AGENTSH_LOGIN

# Chain a DEBUG trap that is already installed (VS Code's shell integration installs one).
__agentsh_prior=
if __agentsh_t=$(builtin trap -p DEBUG) && [[ -n $__agentsh_t ]]; then
  __agentsh_take() { __agentsh_prior=$2; }
  builtin eval "__agentsh_take ${__agentsh_t#trap }"
  builtin unset -f __agentsh_take
fi
builtin unset __agentsh_t

builtin set -o history
HISTCONTROL=
HISTIGNORE=
[[ ${HISTSIZE-} =~ ^[1-9][0-9]*$ ]] || HISTSIZE=1000
builtin readonly HISTCONTROL HISTIGNORE HISTSIZE
builtin shopt -s cmdhist lithist extdebug

__agentsh_last_line=
__agentsh_last=__init__     # history number of the last vetted line; __init__ until the first prompt
__agentsh_ok=1

__agentsh_arm() {
  # a line that slipped past the checks and removed the trap or extdebug: put them back before the next prompt
  [[ $(builtin trap -p DEBUG) == *__agentsh_preexec* ]] || builtin trap '__agentsh_preexec' DEBUG
  builtin shopt -q extdebug || builtin shopt -s extdebug
  # runs last in PROMPT_COMMAND: from here on, a new history number is a new line typed at the prompt
  if [[ $__agentsh_last == __init__ ]]; then
    local h
    h=$(HISTTIMEFORMAT= builtin history 1)
    [[ $h =~ ^[[:space:]]*([0-9]+) ]] && __agentsh_last=${BASH_REMATCH[1]} || __agentsh_last=0
  fi
  __agentsh_ok=1
}

__agentsh_preexec() {
  [[ -n ${COMP_LINE-} ]] && return 0                  # programmable completion, not a command line
  [[ $__agentsh_last == __init__ ]] && return 0       # start-up, before the first prompt
  if ! builtin shopt -qo history; then
    case $BASH_COMMAND in
      "set -o history"|"builtin set -o history"|exit|exit\ *|logout) return 0 ;;   # the ways back, or out
    esac
    builtin printf 'agentsh: history is switched off in this shell, so agentsh cannot see the lines; '\
'nothing runs until `set -o history` (or `exit`).\n' >&2
    return 1
  fi
  local h num line
  h=$(HISTTIMEFORMAT= builtin history 1)
  if [[ $h =~ ^[[:space:]]*([0-9]+)[*]?[[:space:]][[:space:]](.*)$ ]]; then
    num=${BASH_REMATCH[1]}
    line=${BASH_REMATCH[2]}
  else
    builtin printf 'agentsh: cannot read the line being run from the history; nothing runs.\n' >&2
    return 1
  fi
  if [[ $num != "$__agentsh_last" || $line != "$__agentsh_last_line" ]]; then
    # a new history entry, or the same number with other text (`fc -s` rewrites its own entry): vet it
    __agentsh_last=$num
    __agentsh_last_line=$line
    if "$__agentsh_bin" __vet-line -- "$line"; then __agentsh_ok=1; else __agentsh_ok=0; fi
  fi
  if [[ $__agentsh_ok == 1 ]]; then
    [[ -n $__agentsh_prior ]] && builtin eval "$__agentsh_prior"
    return 0
  fi
  return 1
}

if [[ $(builtin declare -p PROMPT_COMMAND 2>/dev/null) == "declare -a"* ]]; then
  PROMPT_COMMAND+=(__agentsh_arm)
else
  PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND$'\n'}__agentsh_arm"
fi
builtin readonly -f __agentsh_preexec __agentsh_arm
builtin readonly __agentsh_bin
builtin trap '__agentsh_preexec' DEBUG

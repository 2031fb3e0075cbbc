"""bash's own command-line reading, reproduced exactly, for the shell front end and the analyzer alike.

bash 5 (shell.c: parse_long_options, parse_shell_options):
- Long options come first. An argument starting with `-` whose text after one or two dashes is exactly a long option
  name is that option (`--login` and `-login` alike; `--rcfile F`, `-init-file F` take the next word). A double-dash
  word that is not a known name is an error (bash exits 2); a single-dash one ends the long options.
- Then single-letter options, with `-` or `+`: `c`, `s` and `l` count whichever sign is used (`+c` is `-c`); `i`
  only with `-`; `o` and `O` take the next word as their value. `-` or `--` ends the options.
- With `c`, the first operand is the command text and the rest become `$0`, `$1`, …; without `c` and `s`, the first
  operand is a script file.
"""

LONG_OPTIONS = frozenset({"debug", "debugger", "dump-po-strings", "dump-strings", "help", "init-file", "login",
                          "noediting", "noprofile", "norc", "posix", "pretty-print", "rcfile", "restricted",
                          "verbose", "version", "wordexp"})
LONG_WITH_VALUE = frozenset({"init-file", "rcfile"})


class BashArgs:
    __slots__ = ("command", "read_stdin", "interactive", "login", "rcfile", "norc", "noprofile", "info",
                 "operands_at", "error", "no_exec", "stopped_at_dynamic", "mode")

    def __init__(self):
        self.command = self.read_stdin = self.interactive = self.login = False
        self.norc = self.noprofile = self.info = self.no_exec = self.stopped_at_dynamic = False
        self.rcfile = None
        self.operands_at = 0
        self.error = None
        self.mode = None          # set by agentsh.shell: command | script | stdin | interactive | info | error


def parse(words, dynamic=None) -> BashArgs:
    """words: the arguments after the program name. dynamic(i) -> True when word i is only known at run time (the
    analyzer's Args): the options end there and it is read as the first operand (a script path built at run time,
    `<(curl …)`), which the analyzer treats as unseen."""
    a = BashArgs()
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if dynamic and dynamic(i):
            break
        if not w.startswith("-") or w == "-" or w == "--":
            break
        name = w[2:] if w.startswith("--") else w[1:]
        if name in LONG_OPTIONS:
            if name in LONG_WITH_VALUE:
                a.rcfile = words[i + 1] if i + 1 < n else None
                i += 2
                continue
            a.login = a.login or name == "login"
            a.norc = a.norc or name == "norc"
            a.noprofile = a.noprofile or name == "noprofile"
            a.info = a.info or name in ("version", "help")
            a.no_exec = a.no_exec or name in ("dump-strings", "dump-po-strings", "pretty-print")
            i += 1
            continue
        if w.startswith("--"):
            a.error = "%s: invalid option" % w
            a.operands_at = i
            return a
        break
    while i < n:
        w = words[i]
        if dynamic and dynamic(i):
            break
        if w in ("-", "--"):
            i += 1
            break
        if len(w) > 1 and w[0] in "-+" and not w.startswith("--"):
            letters = w[1:]
            a.command = a.command or "c" in letters
            a.read_stdin = a.read_stdin or "s" in letters
            a.login = a.login or "l" in letters
            if w[0] == "-":
                a.interactive = a.interactive or "i" in letters
                a.no_exec = a.no_exec or "n" in letters or "D" in letters
            i += 1 + sum(1 for ch in letters if ch in "oO")
            continue
        break
    a.operands_at = min(i, n)
    return a

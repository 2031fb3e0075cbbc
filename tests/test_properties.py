"""Property tests for analyze(): whatever the input, it returns quickly with one of allow/confirm/block, never
crashes, and never allows what it could not see.

Inputs come from four strategies: random text (including lone surrogates, as the CLI decodes stdin with
surrogateescape), bash-ish token soups (keywords, quotes, substitutions, heredocs, operators, destructive
commands), mutations of corpus-like seed commands (the rule packs' own examples plus typical agent commands
written here), and, when ../shared/corpus is present, mutations of a deterministic sample of it.

"Quickly" is hypothesis's per-example `deadline` (DEADLINE below), not a timed assert. Runs are derandomized so a
failure reproduces; set AGENTSH_PROPERTY_EXAMPLES to explore more.

Properties (the first group is what the policy promises; the second checks the engine's facts against what the
parser itself says, so a fact the engine forgot to raise cannot hide behind the first group):
  * never raises, never an internal error (a fail-closed crash is still a crash), decision in allow/confirm/block;
  * a shell:parse-error or shell:dynamic-command fact, or a resolved command whose name is dynamic -> not allow;
  * tree-sitter reports a syntax error anywhere in the input -> not allow (design notes section 8: "never a
    silent allow of something unparsed");
  * a command word that is a $( ), <( ) or other dynamic construct -> not allow;
  * adding a harmless redirection (2>/dev/null, >/dev/null, </dev/null) between the words of a stopped simple
    command does not make it allowed (bash passes the same argv);
  * a comment line (whatever it holds, a trailing backslash included) before a stopped command does not make it
    allowed (bash ends a comment at the newline);
  * neither does a heredoc with a quoted delimiter before it (its body ends at the first `EOF` line, backslashes
    and all).
"""
import json
import os
import shlex
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agentsh import rules as rules_mod
from agentsh.analyze import analyze
from agentsh.model import DECISIONS
from agentsh.parse import parse
from agentsh.ts_loader import get_parser
from tests.conftest import ROOT, example_context

EXAMPLES = int(os.environ.get("AGENTSH_PROPERTY_EXAMPLES", "600"))
DEADLINE = timedelta(milliseconds=500)
CORPUS_DIR = os.path.join(ROOT, "..", "shared", "corpus")

COMPILED = rules_mod.compile_files(rules_mod.rule_files(include_user=False))
CONTEXT = example_context()

SETTINGS = settings(max_examples=EXAMPLES, deadline=DEADLINE, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])

# ---- strategies ----------------------------------------------------------------------------------------------------
TOKENS = [
    # keywords and grouping
    "if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while", "until", "case", "esac", ";;",
    "function", "select", "time", "coproc", "{", "}", "(", ")", "((", "))", "[[", "]]", "[", "]", "!",
    # quoting and expansion
    "'", '"', "`", "\\", "$", "$(", "${", "$((", "<(", ">(", "$'", '$"', "$HOME", "${x:-/}", "$@", "$1", "~",
    "*", "?", "{a,b}", "=", "x=", "a=rm", "$a", "'rm -rf /'", '"$(id)"',
    # heredocs, redirections, operators
    "<<", "<<-", "<<<", "<<EOF", "<<'EOF'", "EOF", ">", ">>", "<", "2>&1", ">&", "&>", "<>", ">|", "2>/dev/null",
    ";", "&&", "||", "|", "|&", "&", "\n", "#",
    # commands, wrappers and nested shells
    "rm", "-rf", "/", "rm -rf /", "sudo", "env", "bash", "sh", "-c", "eval", "exec", "xargs", "find", "-exec",
    "-delete", "{}", "\\;", "curl", "http://x", "base64", "-d", "git", "push", "--force", "dd", "of=/dev/sda",
    "kubectl", "delete", "terraform", "destroy", "echo", "cat", "ls", "true", "python3", "-", "mkfs",
]

SEPARATORS = st.sampled_from([" ", " ", " ", "", "\n", "\t", "  "])


@st.composite
def token_soups(draw):
    toks = draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=40))
    out = []
    for t in toks:
        out.append(t)
        out.append(draw(SEPARATORS))
    return "".join(out)


random_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list("$()`'\"\\;&|<>{}[]!#*? \n\tab=-/~")), max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", "surrogateescape")),
)

# Typical agent commands (written for this file, not copied from any corpus).
AGENT_COMMANDS = [
    "ls -la", "git status", "git diff --stat HEAD~1", "git commit -m 'fix: handle empty input'",
    "cat <<'EOF' > notes.md\n# Notes\nsome text\nEOF", "python3 -m pytest -q tests/", "npm run build && npm test",
    "find . -name '*.pyc' -delete", "grep -rn 'TODO' src/ | head -20", "cd build && make -j4",
    "for f in *.txt; do wc -l \"$f\"; done", "if [ -f setup.py ]; then pip install -e .; fi",
    "docker compose up -d", "kubectl get pods -n default", "curl -fsSL https://example.com/x.sh | bash",
    "rm -rf node_modules && npm ci", "tar czf out.tgz dist/", "sed -i 's/foo/bar/g' config.yml",
    "export PATH=\"$HOME/.local/bin:$PATH\"", "echo \"$(date) done\" >> log.txt", "xargs -0 rm -f < files.txt",
    "ssh host 'sudo systemctl restart app'", "bash -c \"cd /tmp && ls\"", "case $1 in a) echo a;; *) echo b;; esac",
    "psql -c 'DROP TABLE users;'", "git push --force-with-lease origin feature",
]


def _seeds():
    seeds = list(AGENT_COMMANDS)
    for rule in COMPILED["rules"]:
        seeds.extend(rule["examples"]["stop"])
        seeds.extend(rule["examples"]["allow"])
    return sorted(set(seeds))


SEEDS = _seeds()


@st.composite
def mutations(draw, seeds):
    s = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "replace", "truncate", "swap"]))
        n = len(s)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 12)))
        if op == "insert":
            tok = draw(st.sampled_from(TOKENS))
            s = s[:i] + draw(SEPARATORS) + tok + draw(SEPARATORS) + s[i:]
        elif op == "delete":
            s = s[:i] + s[j:]
        elif op == "duplicate":
            s = s[:j] + s[i:j] + s[j:]
        elif op == "replace" and i < n:
            s = s[:i] + draw(st.sampled_from(list("$()`'\"\\;&|<>{}#\n "))) + s[i + 1:]
        elif op == "truncate":
            s = s[:i]
        elif op == "swap":
            s = s[i:] + s[:i]
    return s


def _corpus_sample(step=50):
    cmds = []
    try:
        with open(os.path.join(CORPUS_DIR, "nl2bash.txt"), encoding="utf-8") as f:
            cmds.extend(line.rstrip("\n") for line in f if line.strip())
        with open(os.path.join(CORPUS_DIR, "tldr.jsonl"), encoding="utf-8") as f:
            cmds.extend(json.loads(line)["cmd"] for line in f if line.strip())
    except OSError:
        return []
    return cmds[::step]


CORPUS_SAMPLE = _corpus_sample()

any_input = st.one_of(random_text, token_soups(), mutations(SEEDS))


# ---- the properties ------------------------------------------------------------------------------------------------
def _decide(command):
    return analyze(command, CONTEXT, COMPILED)


def _why(d):
    return "%s; rules=%s; facts=%s; commands=%s" % (
        d.decision, sorted({f.rule for f in d.findings}), sorted({f.kind for f in d.facts}),
        [c.display()[:60] for c in d.commands[:5]])


def check_contract(command):
    """The promises every front end relies on; returns the decision for further checks."""
    d = _decide(command)
    assert d.decision in DECISIONS
    assert not (d.error or "").startswith("internal error"), "engine crashed on %r: %s" % (command, d.error)
    kinds = {f.kind for f in d.facts}
    if d.decision == "allow":
        assert "shell:parse-error" not in kinds, "allowed despite a parse error: %s" % _why(d)
        assert "shell:dynamic-command" not in kinds, "allowed despite a dynamic command name: %s" % _why(d)
        dyn = [c.argv0.text for c in d.commands if c.argv0.dynamic]
        assert not dyn, "allowed although the command name %r is dynamic: %s" % (dyn[0], _why(d))
    return d


@SETTINGS
@given(random_text)
def test_contract_random_text(command):
    check_contract(command)


@SETTINGS
@given(token_soups())
def test_contract_token_soup(command):
    check_contract(command)


@SETTINGS
@given(mutations(SEEDS))
def test_contract_mutated_seeds(command):
    check_contract(command)


@pytest.mark.skipif(not CORPUS_SAMPLE, reason="corpus not found at ../shared/corpus")
@SETTINGS
@given(st.data())
def test_contract_mutated_corpus(data):
    check_contract(data.draw(mutations(CORPUS_SAMPLE)))


def _strip_eof_continuations(text):
    """bash joins a backslash-newline at the very end of the input with nothing; tree-sitter calls it an error."""
    while text.endswith("\\\n") and (len(text) - 1 - len(text[:-1].rstrip("\\"))) % 2 == 1:
        text = text[:-2]
    return text


@SETTINGS
@given(any_input)
def test_syntax_error_is_never_allowed(command):
    """tree-sitter's own verdict, not the engine's fact: an input with an ERROR or MISSING node is not allowed."""
    text = _strip_eof_continuations(command.replace("\x00", " "))
    tree = get_parser().parse(text.encode("utf-8", "surrogatepass"))
    assume(tree.root_node.has_error)
    d = _decide(command)
    assert d.decision != "allow", "tree-sitter cannot parse %r but it was allowed: %s" % (command, _why(d))


def _dynamic_command_word(command):
    for inv in parse(command.replace("\x00", " ")).invocations:
        if inv.words and any(p.kind in ("sub", "procsub", "dyn") for p in inv.words[0].parts):
            return inv.words[0].source
    return None


@st.composite
def dynamic_command_lines(draw):
    """Command lines whose command word is (or contains) a substitution or other run-time construct."""
    inner = draw(st.one_of(st.sampled_from(["echo rm", "printf %s rm", "cat cmd.txt", "id -un", ""]),
                           token_soups(), mutations(SEEDS)))
    head = draw(st.sampled_from(["$(%s)", "`%s`", "$( %s )x", "x$(%s)", "\"$(%s)\"", "${x:-$(%s)}", "$((%s))"]))
    prefix = draw(st.sampled_from(["", "sudo ", "A=1 ", "true && ", "ls | ", "if true; then ", "(", "{ "]))
    args = draw(st.sampled_from(["", " -rf /", " --help", " \"$HOME\"", " a b c"]))
    return prefix + (head % inner) + args


@SETTINGS
@given(st.one_of(dynamic_command_lines(), any_input))
def test_substituted_command_name_is_never_allowed(command):
    word = _dynamic_command_word(command)
    assume(word is not None)
    d = _decide(command)
    assert d.decision != "allow", "command name %r is only known at run time, yet allowed: %s" % (word, _why(d))


def _simple_stop_examples():
    """Rule `stop` examples that are one simple command (no operators), as argv lists."""
    out = []
    for rule in COMPILED["rules"]:
        for ex in rule["examples"]["stop"]:
            if any(ch in ex for ch in "|;&<>()`$\n\\"):
                continue
            try:
                argv = shlex.split(ex)
            except ValueError:
                continue
            if len(argv) >= 2:
                out.append(argv)
    return out


SIMPLE_STOPS = _simple_stop_examples()


@SETTINGS
@given(st.sampled_from(SIMPLE_STOPS), st.data())
def test_redirect_between_words_keeps_it_stopped(argv, data):
    base = shlex.join(argv)
    assume(_decide(base).decision != "allow")
    k = data.draw(st.integers(1, len(argv)), label="position")
    redirect = data.draw(st.sampled_from(["2>/dev/null", ">/dev/null", "</dev/null", "2>&1"]), label="redirect")
    mutated = "%s %s %s" % (shlex.join(argv[:k]), redirect, shlex.join(argv[k:]))
    d = _decide(mutated.strip())
    assert d.decision != "allow", "%r is stopped but %r (same argv) is allowed: %s" % (base, mutated, _why(d))


COMMENT_TEXT = st.text(alphabet=st.sampled_from(list("ab -/$'\"`;|&(){}<>#\\")), max_size=20)


@SETTINGS
@given(st.sampled_from(SIMPLE_STOPS), st.sampled_from(["# ", "echo hi # ", "x=1 #", "true; #"]), COMMENT_TEXT,
       st.booleans())
def test_comment_line_before_stopped_command_keeps_it_stopped(argv, lead, comment, trailing_backslash):
    """A comment ends at the newline, whatever it contains (a backslash there continues nothing): the command on
    the next line runs, so it must be stopped exactly as on its own."""
    base = shlex.join(argv)
    assume(_decide(base).decision != "allow")
    command = lead + comment + ("\\" if trailing_backslash else "") + "\n" + base
    d = _decide(command)
    assert d.decision != "allow", "%r is stopped but %r is allowed: %s" % (base, command, _why(d))


@SETTINGS
@given(st.sampled_from(SIMPLE_STOPS), st.sampled_from(["'EOF'", '"EOF"', "\\EOF"]),
       st.lists(st.tuples(COMMENT_TEXT, st.booleans()), min_size=1, max_size=3), st.booleans())
def test_quoted_heredoc_then_stopped_command_keeps_it_stopped(argv, delimiter, body, extra_terminator):
    """In a heredoc with a quoted delimiter nothing is expanded and a backslash-newline is kept as it is: the
    body ends at the first line that is exactly EOF, and the next line is a command that runs (a later stray
    `EOF` line is just a failing command)."""
    base = shlex.join(argv)
    assume(_decide(base).decision != "allow")
    lines = "".join(text + ("\\" if backslash else "") + "\n" for text, backslash in body)
    command = "cat <<%s\n%sEOF\n%s\n%s" % (delimiter, lines, base, "EOF\n" if extra_terminator else "")
    d = _decide(command)
    assert d.decision != "allow", "%r is stopped but %r is allowed: %s" % (base, command, _why(d))


def test_seed_pools_are_populated():
    assert len(SEEDS) > 100
    assert len(SIMPLE_STOPS) > 20

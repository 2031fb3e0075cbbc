"""Pathological inputs: huge, deeply nested or degenerate command lines.

Each input goes through `analyze()` in-process and once through the CLI (`agentsh check --jsonl --json` in a
subprocess, generous timeout). The contract (design notes sections 7 and 8): analysis never raises, always
returns a decision, cuts itself off instead of hanging, and never allows what it could not see. A pathological
input is therefore expected to be `confirm` or `block`, with documented exceptions (`allow_ok`): a huge
input that is benign and that agentsh did read completely (a 1 MB `echo`, a 100k-word `echo`, a huge heredoc fed
to `cat`, even an unterminated one, whose body bash reads to the end of the input) is rightly allowed; blocking
it would only teach agents to work around agentsh. Each of those has a twin that hides `rm -rf /` in the same
bulk, which must be stopped.

Time: the engine has its own per-command deadline (`agentsh.analyze.DEADLINE_SECONDS`, 1.5 s) after which it
blocks. In-process we allow TIME_FACTOR x that deadline, so that only a missing cut-off fails, not a slow machine
(the hard < 2 s budget is a figure of benchmarks/bench.py, not a test).

Some inputs make tree-sitter's own error recovery quadratic (100,000 `||`, `|` or `)` took 20-80 s); a call into
the C parser cannot be interrupted from Python. The engine must guard against that itself (it analyzes large
inputs in a child process it can kill); should that guard regress, an in-process call would hang the whole test
run, so these inputs run only through the CLI subprocess, where a timeout can stop them.
"""
import json
import os
import subprocess
import sys
import time

import pytest

from agentsh.analyze import analyze
from tests.conftest import ROOT, example_context

CLI_TIMEOUT = 60.0           # generous: start-up + 1 MB of JSON + analysis, on a slow machine
HANG_TIMEOUT = 10.0          # for the inputs that only run through the CLI: far above the 1.5 s deadline
AGENTSH = os.path.join(ROOT, ".venv", "bin", "agentsh")

MB = 1 << 20


def _nest(open_, close, inner, n):
    return open_ * n + inner + close * n


# name -> (command, allow_ok)
CASES = {
    # 1 MB commands
    "1mb-single-word-echo": ("echo " + "a" * MB, True),            # benign, fully read: allow is right
    "1mb-single-word-then-rm": ("echo " + "a" * MB + "; rm -rf /", False),
    "1mb-short-words-then-rm": ("echo " + "ab " * (MB // 3) + "; rm -rf /", False),
    "1mb-rm-hidden-in-front": ("rm -rf / " + "# " + "x" * MB, False),
    # 10,000 nested $(
    "10k-nested-cmdsub-open": ("$(" * 10000, False),
    "10k-nested-cmdsub-closed": (_nest("$(", ")", "rm -rf /", 10000), False),
    "10k-nested-cmdsub-after-echo": ("echo " + "$(" * 10000, False),
    "10k-nested-dquoted-cmdsub": ('echo ' + '"$(' * 10000, False),
    "10k-nested-arith": ("echo " + "$((" * 10000, False),
    # 100,000 ;
    "100k-semicolons": (";" * 100000, False),
    "100k-true-semicolons-then-rm": ("true;" * 100000 + "rm -rf /", False),
    # 5,000 nested subshells
    "5k-nested-subshells": (_nest("(", ")", "rm -rf /", 5000), False),
    "5k-nested-subshells-true": (_nest("(", ")", "true", 5000), False),   # too deep to follow: not allow
    "5k-open-parens": ("(" * 5000, False),
    "5k-nested-groups": ("{ " * 5000 + "rm -rf /; " + "}; " * 5000, False),
    # huge heredocs
    "huge-heredoc-to-cat-quoted": ("cat <<'EOF'\n" + "line of text\n" * 100000 + "EOF\n", True),  # data for cat
    "huge-heredoc-to-cat-expanding": ("cat <<EOF\n" + "line $HOME text\n" * 100000 + "EOF\n", True),
    "huge-heredoc-to-bash": ("bash <<'EOF'\n" + "echo hi\n" * 100000 + "rm -rf /\nEOF\n", False),
    # bash reads an unterminated heredoc to the end of the input (with a warning): `rm -rf /` is data for cat
    "huge-heredoc-unterminated": ("cat <<EOF\n" + "x\n" * 100000 + "rm -rf /\n", True),
    # 100k-word argv
    "100k-word-echo": ("echo " + " ".join("w%d" % i for i in range(100000)), True),  # benign: allow is right
    "100k-word-rm-then-root": ("rm -rf " + " ".join("w%d" % i for i in range(100000)) + " /", False),
}

# Inputs that only go through the CLI (see the module docstring): tree-sitter error recovery is quadratic on them.
CLI_ONLY = {
    "100k-or-operators": "||" * 100000,
    "100k-pipes": "|" * 100000,
    "100k-close-parens": ")" * 100000,
}


@pytest.fixture(scope="module")
def compiled():
    from agentsh import rules as rules_mod
    return rules_mod.compile_files(rules_mod.rule_files(include_user=False))


def _describe(d):
    return "%s (error=%s, rules=%s, facts=%s)" % (d.decision, d.error, sorted({f.rule for f in d.findings})[:5],
                                                  sorted({f.kind for f in d.facts})[:5])


@pytest.mark.parametrize("name", list(CASES))
def test_analyze(name, compiled):
    command, allow_ok = CASES[name]
    # how long each takes is printed by benchmarks/bench.py (no timed assertions in tests); here: a decision,
    # never a crash, never allow for what must not be allowed. The engine's own deadline bounds the time.
    d = analyze(command, example_context(), compiled)
    assert d.decision in ("allow", "confirm", "block")
    assert not (d.error or "").startswith("internal error"), "engine crashed: %s" % d.error
    if not allow_ok:
        assert d.decision != "allow", "%s was allowed: %s" % (name, _describe(d))


def _cli(command, timeout):
    """One command through `agentsh check --jsonl --json` (JSONL keeps multi-line commands whole)."""
    if not os.access(AGENTSH, os.X_OK):
        pytest.skip("no agentsh executable at %s" % AGENTSH)
    payload = (json.dumps(command) + "\n").encode("utf-8", "surrogatepass")
    t0 = time.perf_counter()
    try:
        p = subprocess.run([AGENTSH, "check", "--jsonl", "--json"], input=payload, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail("agentsh check did not finish within %.0f s" % timeout)
    elapsed = time.perf_counter() - t0
    lines = [json.loads(x) for x in p.stdout.decode("utf-8", "replace").splitlines() if x.strip()]
    assert p.returncode in (0, 1), "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[-500:])
    assert len(lines) == 1, "expected one decision, got %d; stderr: %s" % (
        len(lines), p.stderr.decode(errors="replace")[-500:])
    d = lines[0]
    assert d["decision"] in ("allow", "confirm", "block")
    assert p.returncode == (0 if d["decision"] == "allow" else 1)
    return d, elapsed


@pytest.mark.parametrize("name", list(CASES))
def test_cli(name):
    command, allow_ok = CASES[name]
    d, _ = _cli(command, CLI_TIMEOUT)
    assert not d.get("error", "").startswith("internal error"), d.get("error")
    if not allow_ok:
        assert d["decision"] != "allow", "%s was allowed through the CLI: %s" % (name, d.get("findings"))


@pytest.mark.parametrize("name", list(CLI_ONLY))
def test_cli_no_hang(name):
    d, elapsed = _cli(CLI_ONLY[name], HANG_TIMEOUT)
    assert d["decision"] != "allow", "%s was allowed: %s" % (name, d.get("findings"))


def test_cases_are_the_size_they_claim():
    assert len(CASES["1mb-single-word-then-rm"][0]) > MB
    assert len(CASES["1mb-short-words-then-rm"][0]) > MB - 10
    assert CASES["10k-nested-cmdsub-open"][0].count("$(") == 10000
    assert CASES["100k-semicolons"][0].count(";") == 100000
    assert CASES["5k-nested-subshells"][0].count("(") == 5000
    assert len(CASES["100k-word-echo"][0].split()) == 100001
    assert sys.getrecursionlimit() < 5000 * 3   # the nesting cases really exceed naive Python recursion

#!/usr/bin/env python3
"""agentsh benchmark: start-up, corpus throughput, parse-failure rate, pathological inputs.

    python benchmarks/bench.py [--agentsh PATH] [--runs N] [--corpus DIR] [--hyperfine] [--skip-startup]

A plain script, not a test: it prints figures and budgets (design notes section 7) and ends with one
`key=value` line for CI logs and comparisons. It never fails the build; `ok=0` in the last line says a budget
was missed. See benchmarks/README.md for what each figure means.

The corpus (../shared/corpus relative to the repository) is read in place and never copied; the corpus sections
are skipped when it is absent.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS = os.path.join(REPO, "..", "shared", "corpus")

STARTUP_OVERHEAD_BUDGET_MS = 20.0     # agentsh -c true vs bash -c true, medians of the same run
THROUGHPUT_TARGET = 2000.0            # commands/s, `agentsh check` over the corpus in one process
PATHOLOGICAL_BUDGET_S = 2.0           # per pathological input, and it must never be allowed


# ---- helpers ---------------------------------------------------------------------------------------------------
def load_corpus(corpus_dir):
    """All corpus commands, nl2bash first then tldr, in file order. [] when the corpus is absent."""
    cmds = []
    nl2bash = os.path.join(corpus_dir, "nl2bash.txt")
    tldr = os.path.join(corpus_dir, "tldr.jsonl")
    if os.path.isfile(nl2bash):
        with open(nl2bash, encoding="utf-8", errors="surrogateescape") as f:
            cmds.extend(line.rstrip("\n") for line in f if line.strip())
    if os.path.isfile(tldr):
        with open(tldr, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    cmd = json.loads(line).get("cmd")
                    if isinstance(cmd, str) and cmd.strip():
                        cmds.append(cmd)
    return cmds


def fmt_ms(seconds):
    return "%.1f ms" % (seconds * 1000)


def section(title):
    print()
    print("== %s %s" % (title, "=" * max(0, 70 - len(title))))


# ---- (a) start-up ------------------------------------------------------------------------------------------------
def measure_startup(agentsh, runs, warmup=3):
    """Median wall time of each command, measured interleaved (one run of each per round) so that drift in
    machine load hits all of them alike and the overhead difference stays meaningful."""
    bash = shutil.which("bash") or "/bin/bash"
    python3 = shutil.which("python3") or sys.executable
    cases = collections.OrderedDict([
        ("bash -c true", ([bash, "-c", "true"], None)),
        ("python3 -c pass", ([python3, "-c", "pass"], None)),
        ("agentsh -c true", ([agentsh, "-c", "true"], None)),
        ("agentsh check (1 command, stdin)", ([agentsh, "check"], b"ls -la\n")),
        # payload analyzers import their parsers only when a command needs them: these show what that costs
        ("agentsh -c with SQL (psql -c)", ([agentsh, "-c", "psql -c 'DROP TABLE users'"], None)),
        ("agentsh -c with GraphQL (curl -d)", ([agentsh, "-c", "curl -X POST https://backboard.railway.app/graphql/v2"
                                                 " -d '{\"query\":\"mutation { volumeDelete(volumeId: \\\"x\\\") }\"}'"],
                                               None)),
        ("agentsh -c with python -c", ([agentsh, "-c", "python3 -c 'import shutil; shutil.rmtree(\"/tmp/x\")'"],
                                       None)),
    ])
    times = {k: [] for k in cases}
    failures = {}
    for i in range(warmup + runs):
        for name, (argv, stdin) in cases.items():
            t0 = time.perf_counter()
            p = subprocess.run(argv, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               stdin=None if stdin is not None else subprocess.DEVNULL)
            dt = time.perf_counter() - t0
            if p.returncode != 0 and name not in failures:
                failures[name] = "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip()[:200])
            if i >= warmup:
                times[name].append(dt)
    return {k: statistics.median(v) for k, v in times.items()}, {k: min(v) for k, v in times.items()}, failures


def hyperfine_startup(agentsh, runs):
    """Cross-check with hyperfine (medians), when it is installed. Returns {} otherwise."""
    hf = shutil.which("hyperfine")
    if not hf:
        return {}
    bash = shutil.which("bash") or "/bin/bash"
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "hf.json")
        cmd = [hf, "-N", "--runs", str(runs), "--warmup", "3", "--export-json", out,
               "%s -c true" % bash, "%s -c pass" % (shutil.which("python3") or sys.executable),
               "%s -c true" % agentsh]
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode != 0:
            return {"error": p.stderr.decode(errors="replace")[:200]}
        with open(out) as f:
            data = json.load(f)
    names = ["bash -c true", "python3 -c pass", "agentsh -c true"]
    return {n: r["median"] for n, r in zip(names, data["results"])}


# ---- (b) throughput ------------------------------------------------------------------------------------------------
def measure_throughput(agentsh, cmds):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8",
                                     errors="surrogateescape") as f:
        for c in cmds:
            f.write(json.dumps({"command": c}) + "\n")
        path = f.name
    try:
        with open(path, "rb") as stdin:
            t0 = time.perf_counter()
            p = subprocess.run([agentsh, "check", "--jsonl", "--json"], stdin=stdin, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            elapsed = time.perf_counter() - t0
    finally:
        os.unlink(path)
    mix = collections.Counter()
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if line.strip():
            mix[json.loads(line).get("decision", "?")] += 1
    return elapsed, mix, p.returncode, p.stderr.decode(errors="replace")[-300:]


# ---- (c) parse-failure rate ----------------------------------------------------------------------------------------
def measure_parse_failures(cmds):
    sys.path.insert(0, REPO)
    from agentsh import rules
    from agentsh.analyze import analyze, make_context
    from agentsh.ts_loader import get_parser
    context = make_context()
    compiled = rules.load(context.environ)
    parser = get_parser()
    parse_error = ts_error = ts_error_allowed = 0
    examples = []
    t0 = time.perf_counter()
    for c in cmds:
        d = analyze(c, context, compiled)
        if any(f.kind == "shell:parse-error" for f in d.facts):
            parse_error += 1
        if parser.parse(c.encode("utf-8", "surrogatepass")).root_node.has_error:
            ts_error += 1
            if d.decision == "allow":
                ts_error_allowed += 1
                if len(examples) < 5:
                    examples.append(c)
    return parse_error, ts_error, ts_error_allowed, examples, time.perf_counter() - t0


# ---- (d) pathological inputs ---------------------------------------------------------------------------------------
def pathological_inputs():
    """The 1 MB inputs end in `rm -rf /` so that "never allow" is the right answer for every row: a benign
    1 MB `echo` is rightly allowed (everything in it was seen); tests/test_pathological.py covers that case."""
    return collections.OrderedDict([
        ("1 MB: one long word, then rm -rf /", "echo " + "a" * (1 << 20) + "; rm -rf /"),
        ("1 MB: 350k short words, then rm -rf /", "echo " + "ab " * ((1 << 20) // 3) + "; rm -rf /"),
        ("10,000 nested $(", "$(" * 10000),
        ("100,000 ;", ";" * 100000),
    ])


def measure_pathological():
    sys.path.insert(0, REPO)
    from agentsh import rules
    from agentsh.analyze import analyze, make_context
    context = make_context()
    compiled = rules.load(context.environ)
    rows = []
    for name, text in pathological_inputs().items():
        t0 = time.perf_counter()
        try:
            d = analyze(text, context, compiled)
            decision, why = d.decision, (d.error or ", ".join(sorted({f.rule for f in d.findings}))[:60])
        except BaseException as e:  # analyze() must never raise; report it rather than die
            decision, why = "RAISED", "%s: %s" % (type(e).__name__, e)
        rows.append((name, time.perf_counter() - t0, decision, why))
    return rows


# ---- main ---------------------------------------------------------------------------------------------------------
def isolate_state():
    """Measure in a throw-away config/state/cache: the user's audit log is not filled with benchmark runs, and a
    `confirm` (the SQL example) stops at once instead of waiting for a human's approval."""
    base = tempfile.mkdtemp(prefix="agentsh-bench-")
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = os.path.join(base, var.lower())
        os.makedirs(os.environ[var])
    os.makedirs(os.path.join(os.environ["XDG_CONFIG_HOME"], "agentsh"))
    with open(os.path.join(os.environ["XDG_CONFIG_HOME"], "agentsh", "config.toml"), "w") as f:
        f.write("[approval]\nwait = 0\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agentsh", default=os.path.join(REPO, ".venv", "bin", "agentsh"),
                    help="agentsh executable (default: .venv/bin/agentsh)")
    ap.add_argument("--runs", type=int, default=40, help="start-up runs per command (>= 30; default 40)")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS, help="corpus directory (default ../shared/corpus)")
    ap.add_argument("--hyperfine", action="store_true", help="also cross-check start-up with hyperfine")
    ap.add_argument("--skip-startup", action="store_true", help="skip the start-up section")
    args = ap.parse_args(argv)
    agentsh = os.path.abspath(args.agentsh)
    if not os.access(agentsh, os.X_OK):
        sys.exit("bench: %s is not executable (build the venv or pass --agentsh)" % agentsh)
    runs = max(30, args.runs)
    isolate_state()
    result = collections.OrderedDict()
    ok = True

    print("agentsh benchmark  (agentsh=%s, python=%s, cpus=%s)" % (agentsh, sys.version.split()[0], os.cpu_count()))

    if not args.skip_startup:
        section("(a) start-up, median of %d interleaved runs" % runs)
        med, best, failures = measure_startup(agentsh, runs)
        for name, v in med.items():
            print("  %-34s %9s   (best %s)" % (name, fmt_ms(v), fmt_ms(best[name])))
        overhead = med["agentsh -c true"] - med["bash -c true"]
        ok_startup = overhead <= STARTUP_OVERHEAD_BUDGET_MS / 1000
        ok &= ok_startup
        print("  overhead agentsh -c true over bash -c true: %s (budget %.0f ms) %s"
              % (fmt_ms(overhead), STARTUP_OVERHEAD_BUDGET_MS, "OK" if ok_startup else "OVER BUDGET"))
        for name, err in failures.items():
            if name.startswith("agentsh -c with"):
                continue   # these commands are stopped on purpose (exit 126): only their time matters
            if name != "agentsh check (1 command, stdin)":   # check exits 1 only when something is stopped
                print("  warning: %s failed: %s" % (name, err))
        result["startup_bash_ms"] = round(med["bash -c true"] * 1000, 1)
        result["startup_python_ms"] = round(med["python3 -c pass"] * 1000, 1)
        result["startup_agentsh_c_ms"] = round(med["agentsh -c true"] * 1000, 1)
        result["startup_check_ms"] = round(med["agentsh check (1 command, stdin)"] * 1000, 1)
        result["startup_overhead_ms"] = round(overhead * 1000, 1)
        result["startup_sql_ms"] = round(med["agentsh -c with SQL (psql -c)"] * 1000, 1)
        result["startup_graphql_ms"] = round(med["agentsh -c with GraphQL (curl -d)"] * 1000, 1)
        result["startup_python_code_ms"] = round(med["agentsh -c with python -c"] * 1000, 1)
        result["startup_ok"] = int(ok_startup)
        if args.hyperfine:
            hf = hyperfine_startup(agentsh, runs)
            if not hf:
                print("  hyperfine: not installed")
            elif "error" in hf:
                print("  hyperfine failed: %s" % hf["error"])
            else:
                print("  hyperfine medians: " + ", ".join("%s %s" % (k, fmt_ms(v)) for k, v in hf.items()))
                print("  hyperfine overhead: %s" % fmt_ms(hf["agentsh -c true"] - hf["bash -c true"]))

    cmds = load_corpus(args.corpus)
    if not cmds:
        section("(b, c) corpus")
        print("  corpus not found at %s: skipped" % os.path.abspath(args.corpus))
    else:
        section("(b) throughput: agentsh check --jsonl --json over the corpus, one process")
        elapsed, mix, rc, err = measure_throughput(agentsh, cmds)
        cps = len(cmds) / elapsed
        ok_tp = cps >= THROUGHPUT_TARGET and sum(mix.values()) == len(cmds)
        ok &= ok_tp
        print("  %d commands in %.2f s: %.0f commands/s (target >= %.0f) %s"
              % (len(cmds), elapsed, cps, THROUGHPUT_TARGET, "OK" if ok_tp else "BELOW TARGET"))
        total = sum(mix.values()) or 1
        print("  decisions: " + ", ".join("%s %d (%.2f%%)" % (k, mix[k], 100.0 * mix[k] / total)
                                         for k in ("allow", "confirm", "block")))
        if sum(mix.values()) != len(cmds):
            print("  WARNING: %d decisions for %d commands (exit %d): %s" % (sum(mix.values()), len(cmds), rc, err))
        result["corpus_commands"] = len(cmds)
        result["throughput_cps"] = round(cps)
        result["throughput_s"] = round(elapsed, 2)
        for k in ("allow", "confirm", "block"):
            result[k] = mix[k]
        result["throughput_ok"] = int(ok_tp)

        section("(c) parse failures (in-process analyze)")
        pe, tse, tse_allowed, examples, secs = measure_parse_failures(cmds)
        print("  shell:parse-error fact: %d of %d commands = %.2f%%" % (pe, len(cmds), 100.0 * pe / len(cmds)))
        print("  tree-sitter reports an error: %d (%.2f%%); of those allowed anyway: %d"
              % (tse, 100.0 * tse / len(cmds), tse_allowed))
        for e in examples:
            print("    e.g. %r" % e[:100])
        print("  (in-process analyze: %.2f s, %.0f commands/s)" % (secs, len(cmds) / secs))
        result["parse_error_rate_pct"] = round(100.0 * pe / len(cmds), 2)
        result["ts_error_allowed"] = tse_allowed

    section("(d) pathological inputs (in-process analyze; budget < %.0f s and never allow)" % PATHOLOGICAL_BUDGET_S)
    rows = measure_pathological()
    ok_p = True
    for name, secs, decision, why in rows:
        good = secs < PATHOLOGICAL_BUDGET_S and decision in ("confirm", "block")
        ok_p &= good
        print("  %-36s %7.2f s  %-8s %s  %s" % (name, secs, decision, "OK" if good else "FAIL", why))
    ok &= ok_p
    result["patho_max_s"] = round(max(r[1] for r in rows), 2)
    result["patho_ok"] = int(ok_p)
    result["ok"] = int(ok)

    print()
    print(" ".join("%s=%s" % kv for kv in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

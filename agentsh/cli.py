"""The human and CI front end (click + rich): check, explain, rules. Thin: parse arguments, call the pipeline,
render. Exit codes: 0 everything allowed, 1 something to confirm or block, 2 usage or input error."""
from __future__ import annotations

import json
import os
import sys

import click

from agentsh.model import SEVERITY_RANK

EXIT_OK, EXIT_STOPPED, EXIT_USAGE = 0, 1, 2
ENVIRONMENTS = ("local", "staging", "production")


class InputError(click.ClickException):
    exit_code = EXIT_USAGE


def run_cli(argv) -> int:
    try:
        result = cli.main(args=list(argv), prog_name="agentsh", standalone_mode=False)
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return EXIT_USAGE if not isinstance(e, InputError) else e.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    return result if isinstance(result, int) else EXIT_OK


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="agentsh", prog_name="agentsh")
def cli():
    """agentsh: vets the shell commands AI agents run; allows, blocks, or asks a human."""


def _load_rules_or_fail(documented=False):
    """The rule set (cached, for deciding) or, with documented=True, every rule with its docs."""
    from agentsh import rules
    try:
        return rules.load_compiled() if documented else rules.load()
    except rules.RuleError as e:
        raise InputError("invalid rule pack: %s" % e) from None


def _read_commands(paths, jsonl: bool) -> list:
    """[(label, command text)] from stdin lines/JSONL or whole files, with errors that name the line."""
    items = []
    sources = paths or ("-",)
    for src in sources:
        if src == "-":
            data = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
            label = "<stdin>"
        else:
            try:
                with open(src, "rb") as f:
                    data = f.read().decode("utf-8", "surrogateescape")
            except OSError as e:
                raise InputError("cannot read %s: %s" % (src, e.strerror or e)) from None
            if not jsonl:
                items.append((src, data))   # a whole file is one script: its lines share variables and cwd
                continue
            label = src
        for n, line in enumerate(data.splitlines(), 1):
            if jsonl:
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    raise InputError("%s line %d: not valid JSON (%s)" % (label, n, e)) from None
                if isinstance(obj, dict):
                    cmd = obj.get("command")
                    if not isinstance(cmd, str):
                        raise InputError('%s line %d: expected a JSON string or {"command": "..."}' % (label, n))
                elif isinstance(obj, str):
                    cmd = obj
                else:
                    raise InputError('%s line %d: expected a JSON string or {"command": "..."}, got %s'
                                     % (label, n, type(obj).__name__))
                items.append((label, cmd))
            else:
                stripped = line.strip()
                if stripped and not stripped.startswith("#"):   # blank and comment-only lines run nothing
                    items.append((label, line))
    return items


@cli.command()
@click.option("--jsonl", is_flag=True, help='Input lines are JSON strings or {"command": "..."} objects.')
@click.option("--json", "as_json", is_flag=True, help="One JSON object per command, in input order.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default=None,
              help="Output format (--json is --format json).")
@click.option("--env", "environment", default="local", show_default=True,
              help="Environment the commands target: local, staging, production.")
@click.argument("paths", nargs=-1, type=click.Path())
def check(jsonl, as_json, fmt, environment, paths):
    """Decide each command: from stdin (one per line), --jsonl, or whole files (PATH…)."""
    fmt = "json" if as_json else (fmt or "text")
    if fmt in ("sarif", "github"):
        raise InputError("--format %s is not available yet; use text or json" % fmt)
    if environment not in ENVIRONMENTS:
        raise InputError("--env must be one of %s" % ", ".join(ENVIRONMENTS))
    compiled = _load_rules_or_fail()
    items = _read_commands(paths, jsonl)
    from agentsh.analyze import analyze, make_context
    context = make_context(environment=environment)
    out = sys.stdout
    stopped = 0
    console = None
    if fmt == "text":
        from rich.console import Console
        console = Console(highlight=False, soft_wrap=True)
    for label, command in items:
        d = analyze(command, context, compiled)
        if d.decision != "allow":
            stopped += 1
        if fmt == "json":
            obj = d.as_json()
            if label not in ("<stdin>",) and not jsonl:
                obj["file"] = label
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        else:
            _print_text(console, d, label if label != "<stdin>" and not jsonl else None)
    out.flush()
    return EXIT_STOPPED if stopped else EXIT_OK


_STYLE = {"allow": "green", "confirm": "yellow", "block": "bold red"}


def _print_text(console, d, file_label):
    from rich.markup import escape
    shown = file_label or d.command.replace("\n", "\\n")
    if len(shown) > 160:
        shown = shown[:160] + "…"
    console.print("[%s]%-7s[/] %s" % (_STYLE[d.decision], d.decision.upper(), escape(shown)))
    for f in sorted(d.findings, key=lambda f: -SEVERITY_RANK[f.severity]):
        console.print("        [dim]%s[/] [bold]%s[/]: %s" % (f.severity, f.rule, escape(f.message)))
        if f.where and f.location() != d.command:
            console.print("          [dim]at:[/] %s" % escape(f.location()[:200]))
        console.print("          [dim]safer:[/] %s" % escape(f.safer))


@cli.command()
@click.option("--env", "environment", default="local", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable explanation.")
@click.argument("command")
def explain(environment, as_json, command):
    """Show how agentsh reads COMMAND: parse tree, unwrapping, rules, context and verdict."""
    if environment not in ENVIRONMENTS:
        raise InputError("--env must be one of %s" % ", ".join(ENVIRONMENTS))
    compiled = _load_rules_or_fail()
    from agentsh.analyze import analyze, make_context
    context = make_context(environment=environment)
    d = analyze(command, context, compiled)
    if as_json:
        obj = d.as_json()
        obj["commands"] = [{"argv": [c.argv0.text] + [a.text for a in c.args],
                            "dynamic": [c.argv0.dynamic] + [a.dynamic for a in c.args],
                            "cwd": c.cwd, "via": list(c.via), "path": list(c.path)} for c in d.commands]
        obj["facts"] = [{"kind": f.kind, "target": f.target, "detail": f.detail, "payload": f.payload}
                        for f in d.facts]
        obj["unwrapping"] = [list(t) for t in d.trace]
        click.echo(json.dumps(obj, ensure_ascii=False, indent=2))
        return EXIT_STOPPED if d.decision != "allow" else EXIT_OK
    from rich.console import Console
    from rich.markup import escape
    from rich.tree import Tree
    from agentsh.ts_loader import get_parser
    console = Console(highlight=False)
    console.print("[bold]command[/]  %s" % escape(command))
    console.print("[bold]context[/]  environment=%s  cwd=%s  project=%s" % (
        context.environment, escape(context.cwd), escape(str(context.project_root))))
    tree = Tree("[bold]parse tree[/] (tree-sitter-bash)")
    _ts_tree(get_parser().parse(command.encode()).root_node, tree, 0)
    console.print(tree)
    steps = Tree("[bold]unwrapping[/]")
    for outer, step, inner in d.trace:
        steps.add("%s  [cyan]--%s-->[/]  %s" % (escape(outer[:120]), escape(step), escape(inner[:120])))
    if not d.trace:
        steps.add("[dim](no wrappers or nested shells)[/]")
    console.print(steps)
    cmds = Tree("[bold]commands that would run[/]")
    for c in d.commands:
        argv = [c.argv0] + list(c.args)
        shown = " ".join(("[magenta]%s[/]" % escape(a.text)) if a.dynamic else escape(a.text) for a in argv)
        extra = []
        if c.via:
            extra.append("via " + " > ".join(c.via))
        if c.path:
            extra.append("in " + " > ".join(c.path))
        extra.append("cwd " + (c.cwd or "unknown"))
        cmds.add("%s  [dim]%s[/]" % (shown, escape("; ".join(extra))))
    console.print(cmds)
    if d.facts:
        facts = Tree("[bold]facts[/]")
        for f in d.facts:
            node = facts.add("[bold]%s[/]  %s" % (f.kind, escape(f.detail or f.target)))
            if f.payload:
                node.add("payload: " + escape(f.payload[:300].replace("\n", "\\n")))
        console.print(facts)
    matched = Tree("[bold]rules matched[/]")
    for f in d.findings:
        node = matched.add("[bold]%s[/] [%s]  %s" % (f.rule, f.severity, escape(f.message)))
        node.add("on: " + escape(f.location()))
        node.add("why: " + escape(f.why))
        node.add("safer: " + escape(f.safer))
    if not d.findings:
        matched.add("[dim](none)[/]")
    from agentsh.rules import Matcher
    m = Matcher(compiled, context.home, lambda cwd: context.project_root)
    considered = sorted({rid for c in d.commands for rid in m.rules_for(c.name)})
    if considered:
        matched.add("[dim]considered: %s[/]" % escape(", ".join(considered)))
    console.print(matched)
    console.print("[bold]verdict[/]  [%s]%s[/]" % (_STYLE[d.decision], d.decision.upper()))
    return EXIT_STOPPED if d.decision != "allow" else EXIT_OK


def _ts_tree(node, parent, depth):
    if depth > 40:
        parent.add("…")
        return
    for c in node.children:
        if not c.is_named:
            continue
        text = c.text.decode("utf-8", "replace")
        label = c.type if c.child_count else "%s %r" % (c.type, text[:60])
        from rich.markup import escape
        _ts_tree(c, parent.add(escape(label)), depth + 1)


@cli.group()
def rules():
    """List and show the rules agentsh applies."""


@rules.command("list")
@click.option("--json", "as_json", is_flag=True)
def rules_list(as_json):
    """All rules: id, severity, pack and message."""
    compiled = _load_rules_or_fail(documented=True)
    rs = sorted(compiled["rules"], key=lambda r: r["id"])
    if as_json:
        for r in rs:
            click.echo(json.dumps({k: r[k] for k in ("id", "severity", "message", "file")}))
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table
    t = Table("rule", "severity", "pack", "message", box=None, pad_edge=False)
    for r in rs:
        t.add_row(r["id"], r["severity"], r["file"], r["message"])
    Console().print(t)
    Console(stderr=True).print("%d rules" % len(rs))
    return EXIT_OK


@rules.command("show")
@click.argument("rule_id")
def rules_show(rule_id):
    """One rule: what it matches, why it matters, the safer way, and its examples."""
    compiled = _load_rules_or_fail(documented=True)
    rule = next((r for r in compiled["rules"] if r["id"] == rule_id), None)
    if rule is None:
        close = [r["id"] for r in compiled["rules"] if rule_id.split(".")[0] in r["id"]][:8]
        raise InputError("no rule %r%s" % (rule_id, (" (similar: %s)" % ", ".join(close)) if close else ""))
    from rich.console import Console
    from rich.markup import escape
    c = Console(highlight=False)
    c.print("[bold]%s[/]  [%s]  (%s)" % (rule["id"], rule["severity"], rule["file"]))
    c.print(escape(rule["message"]))
    c.print("[bold]why[/]    " + escape(rule["why"]))
    c.print("[bold]safer[/]  " + escape(rule["safer"]))
    if rule["catalog"]:
        c.print("[bold]catalog[/] " + ", ".join(rule["catalog"]))
    c.print("[bold]match[/]")
    for k, v in rule["match"].items():
        c.print("  %s = %s" % (k, escape(json.dumps(v))))
    for kind in ("stop", "allow"):
        if rule["examples"][kind]:
            c.print("[bold]examples.%s[/]" % kind)
            for e in rule["examples"][kind]:
                c.print("  " + escape(e))
    return EXIT_OK



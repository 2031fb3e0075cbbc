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


def _check_env(environment):
    if environment is not None and environment not in ENVIRONMENTS:
        raise InputError("--env must be one of %s" % ", ".join(ENVIRONMENTS))


def _context_or_fail(environment=None):
    from agentsh.analyze import make_context
    try:
        return make_context(environment=environment, with_agent=True)
    except ValueError as e:
        raise InputError("invalid configuration: %s" % e) from None


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
              help="Output format (--json is --format json; sarif: SARIF 2.1.0; github: workflow annotations).")
@click.option("--fail-on", "fail_on", type=click.Choice(["confirm", "block"]), default="confirm", show_default=True,
              help="Exit 1 when any command is at least this (block: only blocked commands fail the check).")
@click.option("--env", "environment", default=None,
              help="Force the environment the commands target (local, staging, production) instead of resolving it.")
@click.argument("paths", nargs=-1, type=click.Path())
def check(jsonl, as_json, fmt, fail_on, environment, paths):
    """Decide each command: from stdin (one per line), --jsonl, or files (PATH…): shell scripts, .sql, GitHub
    workflows, GitLab CI, Dockerfiles, Makefiles, package.json, justfiles. Findings carry file and line."""
    fmt = "json" if as_json else (fmt or "text")
    _check_env(environment)
    compiled = _load_rules_or_fail()
    context = _context_or_fail(environment)
    from agentsh.analyze import analyze
    from agentsh import report
    results = []      # (SourceCommand or None, Decision)
    if paths and not jsonl and "-" not in paths:
        from agentsh import sources
        items = []
        for p in paths:
            try:
                items.extend(sources.extract(p))
            except sources.SourceError as e:
                raise InputError(str(e)) from None
        progress = _progress(len(items)) if fmt == "text" and len(items) > 20 and sys.stderr.isatty() else None
        for src in items:
            results.append((src, sources.judge(src, context, compiled)))
            if progress:
                progress.advance(progress.task_ids[0])
        if progress:
            progress.stop()
    else:
        for _label, command in _read_commands(paths, jsonl):
            results.append((None, analyze(command, context, compiled)))
    out = sys.stdout
    if fmt == "sarif":
        out.write(json.dumps(report.to_sarif(results), ensure_ascii=False, indent=2) + "\n")
    elif fmt == "github":
        out.write(report.to_github(results))
    elif fmt == "json":
        for src, d in results:
            obj = d.as_json()
            if src is not None:
                obj.update({"file": src.file, "line": src.line, "kind": src.kind, "name": src.name})
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    else:
        from rich.console import Console
        console = Console(highlight=False, soft_wrap=True)
        for src, d in results:
            _print_text(console, d, "%s:%d %s" % (src.file, src.line, src.name or "") if src is not None else None)
    out.flush()
    return report.exit_status([d for _s, d in results], fail_on)


def _progress(total):
    from rich.progress import Progress
    p = Progress(transient=True)
    p.add_task("checking", total=total)
    p.start()
    return p


_STYLE = {"allow": "green", "confirm": "yellow", "block": "bold red"}


def _print_text(console, d, file_label):
    from rich.markup import escape
    from agentsh.redact import redact
    shown = file_label or redact(d.command).replace("\n", "\\n")
    if len(shown) > 160:
        shown = shown[:160] + "…"
    console.print("[%s]%-7s[/] %s" % (_STYLE[d.decision], d.decision.upper(), escape(shown)))
    for f in sorted(d.findings, key=lambda f: -SEVERITY_RANK[f.severity]):
        console.print("        [dim]%s[/] [bold]%s[/]: %s" % (f.severity, f.rule, escape(f.message)))
        if f.where and f.location() != d.command:
            console.print("          [dim]at:[/] %s" % escape(redact(f.location())[:200]))
        console.print("          [dim]safer:[/] %s" % escape(f.safer))


@cli.command()
@click.option("--env", "environment", default=None, help="Force the environment (local, staging, production).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable explanation.")
@click.argument("command")
def explain(environment, as_json, command):
    """Show how agentsh reads COMMAND: parse tree, unwrapping, rules, context and verdict."""
    _check_env(environment)
    compiled = _load_rules_or_fail()
    context = _context_or_fail(environment)
    from agentsh.analyze import analyze
    d = analyze(command, context, compiled)
    if as_json:
        obj = d.as_json()
        from agentsh.redact import redact
        obj["commands"] = [{"argv": [redact(c.argv0.text)] + [redact(a.text) for a in c.args],
                            "dynamic": [c.argv0.dynamic] + [a.dynamic for a in c.args],
                            "cwd": c.cwd, "via": list(c.via), "path": list(c.path)} for c in d.commands]
        obj["facts"] = [{"kind": f.kind, "target": redact(f.target), "detail": redact(f.detail),
                         "payload": redact(f.payload)} for f in d.facts]
        obj["unwrapping"] = [[redact(x) for x in t] for t in d.trace]
        obj["agent"] = {"name": d.agent[0], "detected_by": d.agent[1]} if d.agent else None
        obj["terminal"] = d.tty
        click.echo(json.dumps(obj, ensure_ascii=False, indent=2))
        return EXIT_STOPPED if d.decision != "allow" else EXIT_OK
    from rich.console import Console
    from rich.markup import escape as rich_escape
    from rich.tree import Tree
    from agentsh.redact import redact
    from agentsh.ts_loader import get_parser

    def escape(text):   # everything explain prints is shown with credentials masked
        return rich_escape(redact(text))
    console = Console(highlight=False)
    console.print("[bold]command[/]  %s" % escape(command))
    console.print("[bold]context[/]  cwd=%s  project=%s  agent=%s  terminal=%s" % (
        escape(context.cwd), escape(str(context.project_root)),
        escape(str(context.agent[0] if context.agent else None)), context.tty))
    if context.environment:
        console.print("         environment forced to %s (--env)" % context.environment)
    tree = Tree("[bold]parse tree[/] (tree-sitter-bash)")
    _ts_tree(get_parser().parse(command.encode()).root_node, tree, 0, escape)
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
    if d.contexts:
        where = Tree("[bold]where each command lands[/]")
        for shown, c in d.contexts:
            node = where.add("%s  [bold]%s[/]%s" % (escape(shown[:100]), c.environment,
                                                    "  [red]MISMATCH[/]" if c.mismatch else ""))
            for sig in c.signals:
                node.add("%s = %s -> %s" % (escape(sig.source), escape(str(sig.value)[:80]), sig.environment))
            if c.declared:
                node.add("declared %s by %s" % (c.declared[0], escape(c.declared[1])))
            if c.conflict():
                node.add("[yellow]signals disagree: the most severe wins[/]")
            for slot, var, env, origin in c.credentials:
                node.add("credential in %s: %s (%s)" % (escape(slot), escape(var or "not registered"),
                                                         escape(origin + (", " + env if env else ""))))
            if c.mismatch:
                node.add("[red]%s[/]" % escape(c.mismatch))
            for note in c.notes:
                node.add("[yellow]%s[/]" % escape(note))
        console.print(where)
    matched = Tree("[bold]rules matched[/]")
    for f in d.findings:
        node = matched.add("[bold]%s[/] [%s%s] in %s  %s" % (f.rule, f.severity, " raised" if f.raised else "",
                                                              f.environment, escape(f.message)))
        node.add("on: " + escape(f.location()))
        node.add("why: " + escape(f.why))
        node.add("safer: " + escape(f.safer))
    if not d.findings:
        matched.add("[dim](none)[/]")
    from agentsh.rules import Matcher
    m = Matcher(compiled, context.home, lambda cwd: context.project_root)  # only to list rules considered
    considered = sorted({rid for c in d.commands for rid in m.rules_for(c.name)})
    if considered:
        matched.add("[dim]considered: %s[/]" % escape(", ".join(considered)))
    console.print(matched)
    console.print("[bold]verdict[/]  [%s]%s[/]" % (_STYLE[d.decision], d.decision.upper()))
    return EXIT_STOPPED if d.decision != "allow" else EXIT_OK


def _ts_tree(node, parent, depth, escape):
    if depth > 40:
        parent.add("…")
        return
    for c in node.children:
        if not c.is_named:
            continue
        text = c.text.decode("utf-8", "replace")
        label = c.type if c.child_count else "%s %r" % (c.type, text[:60])
        _ts_tree(c, parent.add(escape(label)), depth + 1, escape)


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




@cli.command("context")
@click.option("--json", "as_json", is_flag=True)
def context_cmd(as_json):
    """What agentsh sees here: environment signals and declarations, registered credentials in play, agent, tty."""
    from agentsh.context import CredentialStore, Resolver
    from agentsh.model import Arg, Command
    ctx = _context_or_fail()
    probe = Command(name="", args=[], argv0=Arg(""), assignments={}, cwd=ctx.cwd, redirects=[])
    resolved = Resolver(ctx, [probe]).resolve(probe)
    store = CredentialStore(ctx.environ)
    registered = []
    for var, entry in sorted(store.entries().items()):
        value = ctx.environ.get(var)
        state = "not set here"
        if value:
            hit = store.lookup(value)
            state = "matches" if hit and hit[0] == var else "set, different value"
        registered.append({"name": var, "environment": entry.get("environment"), "label": entry.get("label", ""),
                           "here": state})
    info = {
        "environment": resolved.environment,
        "signals": [s.as_json() for s in resolved.signals],
        "declared": {"environment": resolved.declared[0], "source": resolved.declared[1]} if resolved.declared else None,
        "conflict": resolved.conflict(),
        "credentials": registered,
        "agent": {"name": ctx.agent[0], "detected_by": ctx.agent[1]} if ctx.agent else None,
        "tty": {"stdin": sys.stdin.isatty(), "stdout": sys.stdout.isatty()},
        "cwd": ctx.cwd, "project": ctx.project_root,
        "notes": list(ctx.settings.notes) if ctx.settings else [],
    }
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return EXIT_OK
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    c = Console(highlight=False)
    c.print("[bold]environment[/] %s%s" % (info["environment"], "  [yellow](signals disagree: most severe wins)[/]"
                                          if info["conflict"] else ""))
    t = Table("source", "value", "means", box=None, pad_edge=False)
    for s in info["signals"]:
        t.add_row(escape(s["source"]), escape(str(s["value"])), s["environment"])
    if info["declared"]:
        t.add_row(escape(info["declared"]["source"]), "(declared)", info["declared"]["environment"])
    if info["signals"] or info["declared"]:
        c.print(t)
    else:
        c.print("  no signal: commands are judged as local unless their own flags or credentials say otherwise")
    if registered:
        t = Table("credential", "environment", "label", "here", box=None, pad_edge=False)
        for r in registered:
            t.add_row(r["name"], r["environment"], escape(r["label"]), r["here"])
        c.print(t)
    c.print("[bold]agent[/] %s (%s)" % (info["agent"]["name"] or "none", escape(info["agent"]["detected_by"]))
            if info["agent"] else "[bold]agent[/] none")
    c.print("[bold]tty[/] stdin=%s stdout=%s" % (info["tty"]["stdin"], info["tty"]["stdout"]))
    for n in info["notes"]:
        c.print("[yellow]%s[/]" % escape(n))
    return EXIT_OK


@cli.group()
def creds():
    """Register credentials by environment. Only keyed fingerprints are stored, never values."""


@creds.command("add")
@click.argument("var")
@click.option("--env", "environment", required=True, help="local, staging or production (or a name that means one).")
@click.option("--label", default="", help="A note to recognise it by (never the value).")
def creds_add(var, environment, label):
    """Register the current value of the environment variable VAR as belonging to --env."""
    from agentsh.context import CredentialStore, classify_name
    env = environment.lower() if environment.lower() in ENVIRONMENTS else classify_name(environment)
    if env is None:
        raise InputError("--env %r does not name local, staging or production" % environment)
    value = os.environ.get(var)
    if not value:
        raise InputError("%s is not set in this shell: export it first (its value is fingerprinted, not stored)" % var)
    CredentialStore(os.environ).add(var, value, env, label)
    click.echo("registered %s as %s%s" % (var, env, (" (%s)" % label) if label else ""))
    return EXIT_OK


@creds.command("list")
@click.option("--json", "as_json", is_flag=True)
def creds_list(as_json):
    """Registered credentials: names, environments and labels (never values or fingerprints)."""
    from agentsh.context import CredentialStore
    entries = CredentialStore(os.environ).entries()
    rows = [{"name": k, "environment": v.get("environment"), "label": v.get("label", "")}
            for k, v in sorted(entries.items()) if isinstance(v, dict)]
    if as_json:
        click.echo(json.dumps(rows))
    elif not rows:
        click.echo("no credentials registered (agentsh creds add VAR --env production)")
    else:
        for r in rows:
            click.echo("%-28s %-11s %s" % (r["name"], r["environment"], r["label"]))
    return EXIT_OK


@creds.command("rm")
@click.argument("var")
def creds_rm(var):
    """Forget a registered credential."""
    from agentsh.context import CredentialStore
    if not CredentialStore(os.environ).remove(var):
        raise InputError("%s is not registered" % var)
    click.echo("removed %s" % var)
    return EXIT_OK


@cli.command()
@click.argument("agent")
@click.option("--project", is_flag=True, help="Write the project's configuration (in this directory) instead of the user's.")
@click.option("--print", "print_only", is_flag=True, help="Show the change as a diff; write nothing.")
@click.option("--uninstall", is_flag=True, help="Remove agentsh's entries (and nothing else).")
@click.option("--shell/--no-shell", "set_shell", default=True, show_default=True,
              help="Also point the agent's shell setting at agentsh's bash shim where it has one (Claude Code).")
def install(agent, project, print_only, uninstall, set_shell):
    """Plug agentsh into AGENT's hooks: claude-code, cursor, codex, gemini, copilot, goose, openhands, cline.
    Merges into existing settings (backup kept), idempotent."""
    from agentsh import installer
    rules = None
    if installer.canonical_agent(agent) == "codex" and not uninstall:
        from agentsh import rules as rules_mod
        rules = rules_mod.compile_files(rules_mod.rule_files(include_user=False))["rules"]
    try:
        # a project's settings are shared (committed, used by a cloud agent): they name `agentsh` on the PATH, not
        # this machine's install path, and set no shell path
        changes = installer.plan(agent, os.path.expanduser("~"), project_dir=os.getcwd(), project=project,
                                 uninstall=uninstall,
                                 agentsh_cmd="agentsh" if project else installer.agentsh_command(sys.argv[0]),
                                 shell_path=installer.find_shim(sys.executable) if set_shell and not project else None,
                                 rules=rules)
    except installer.InstallError as e:
        raise InputError(str(e)) from None
    changed = [c for c in changes if c.changed]
    if print_only:
        click.echo(installer.render_diff(changes) if changed else "nothing to change")
        return EXIT_OK
    if not changed:
        click.echo("agentsh is already %s for %s" % ("absent" if uninstall else "installed", agent))
        return EXIT_OK
    try:
        written = installer.apply(changes)
    except installer.InstallError as e:
        raise InputError(str(e)) from None
    for path in written:
        click.echo(("removed from " if uninstall else "wrote ") + path)
    for c in changes:
        if c.note:
            click.echo("note: " + c.note)
    return EXIT_OK


@cli.command()
@click.option("--no-forms", is_flag=True, help="Skip running the agents' invocation forms.")
def doctor(no_forms):
    """Check the installation and run each installed integration's invocation forms through agentsh."""
    from agentsh import doctor as doc
    from rich.console import Console
    from rich.table import Table
    from rich.markup import escape
    me = os.path.realpath(sys.argv[0])
    rows = doc.checks(os.environ)
    if not no_forms:
        rows += doc.run_forms(me)
        rows += doc.run_hooks(me, doc.installed_agents(os.path.expanduser("~"), os.getcwd()))
    t = Table(box=None)
    t.add_column("check")
    t.add_column("result")
    t.add_column("detail", overflow="fold")
    for name, ok, detail in rows:
        t.add_row(escape(name), "[green]pass[/]" if ok else "[bold red]FAIL[/]", escape(str(detail)))
    Console(highlight=False).print(t)
    return EXIT_OK if all(ok for _n, ok, _d in rows) else EXIT_STOPPED


from agentsh import cli_human  # noqa: E402,F401  (registers audit, pending, approve, deny, review, allow-once)

"""The commands a file runs, for `agentsh check PATH…`: every `run:` step of a GitHub Actions workflow, every
`script:` line of a GitLab CI job, every Dockerfile RUN, Makefile recipe line, package.json script and justfile
recipe, or a whole shell script or SQL file. Each comes back as a SourceCommand that says where it is (file and
1-based line) and the exact text to give `analyze()`.

Plain Python and PyYAML only (no click, no rich): the CLI, the hooks and the tests all call it.

What a file runs is read from its text, as the tool that runs it would read it; nothing is guessed. A file that
cannot be read as its kind (invalid YAML or JSON, a step whose `run` is not text) raises SourceError with the
file and line: a check that silently skipped it would report a broken workflow as clean. A command whose
interpreter agentsh cannot read (PowerShell, cmd) is still returned, with `unsupported` saying why, so the
caller reports it as unvetted instead of allowing it (see `judge`).
"""
from __future__ import annotations

import json
import os
import re
import shlex

from agentsh.model import Record

MAX_FILE_BYTES = 8 << 20   # a larger file is refused, not truncated: a cut-off file would hide its tail

# interpreters the analyzer reads code of, and the flag that hands them code on the command line
CODE_FLAGS = {"python": "-c", "python3": "-c", "python2": "-c", "pypy": "-c", "pypy3": "-c", "node": "-e",
              "nodejs": "-e", "bun": "-e", "ruby": "-e", "perl": "-e", "php": "-r", "deno": "eval"}
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "busybox"})
SCRIPT_EXTENSIONS = {".sh": "bash", ".bash": "bash", ".zsh": "zsh", ".ksh": "ksh", ".dash": "dash",
                     ".py": "python3", ".js": "node", ".mjs": "node", ".cjs": "node", ".rb": "ruby", ".pl": "perl",
                     ".ps1": "pwsh", ".bat": "cmd", ".cmd": "cmd", ".fish": "fish"}
GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
GITHUB_PLACEHOLDER = "${GITHUB_EXPRESSION}"   # an unset variable: the analyzer treats the value as unknown


class SourceError(Exception):
    """A file that cannot be read as what it is. The message names the file and, where known, the line."""


class SourceCommand(Record):
    """One command a file runs.

    command     the text as written in the file (a `run:` block, a RUN instruction's shell text, a recipe line)
    file        the path as given to extract()
    line        1-based line of the command's first line in the file
    kind        github-actions, gitlab-ci, dockerfile, makefile, package.json, justfile, shell, script, sql
    shell       the interpreter that runs it: bash, sh, python3, pwsh, psql, …
    analyze_as  the exact text to give analyze(): the command itself for a shell, `python3 -c '…'` for Python, …
    name        where in the file, for people: `jobs.deploy.steps[2] (Deploy)`, `make clean`, `npm run reset`
    lines       the file line of each line of `command` (None: only `line` is known, e.g. a folded YAML scalar)
    unsupported why agentsh cannot read what runs (PowerShell, cmd), or None
    """
    __slots__ = ("command", "file", "line", "kind", "shell", "analyze_as", "name", "lines", "unsupported")
    _defaults = {"name": "", "lines": None, "unsupported": None}

    def line_of(self, index: int) -> int:
        """The file line of line `index` (0-based) of `command`."""
        if self.lines and 0 <= index < len(self.lines):
            return self.lines[index]
        return self.line


# ---- the entry points -------------------------------------------------------------------------------------------
def extract(path: str, text: str | None = None) -> list:
    """Every command `path` runs, in file order. `text` is the file's content when the caller already has it."""
    if text is None:
        text = read_text(path)
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    kind = detect_kind(path, text)
    if kind in ("github-actions", "gitlab-ci", "yaml"):
        return _dedupe(_yaml_commands(path, text, kind))
    reader = {"dockerfile": _dockerfile, "makefile": _makefile, "package.json": _package_json,
              "justfile": _justfile, "sql": _sql}.get(kind)
    if reader is not None:
        return _dedupe(reader(path, text))
    return [_script(path, text)]


def read_text(path: str) -> str:
    """The file as UTF-8 text, or SourceError."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise SourceError("cannot read %s: %s" % (path, e.strerror or e)) from None
    if len(data) > MAX_FILE_BYTES:
        raise SourceError("%s: larger than %d bytes; agentsh does not check it" % (path, MAX_FILE_BYTES))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SourceError("%s line %d: not UTF-8 text" % (path, data.count(b"\n", 0, e.start) + 1)) from None


def detect_kind(path: str, text: str) -> str:
    """The kind of file, by name first and content second. Any other file is a script (its shebang says which)."""
    norm = "/" + path.replace(os.sep, "/").lstrip("/")
    base = os.path.basename(norm)
    lower = base.lower()
    ext = os.path.splitext(lower)[1]
    if ext in (".yml", ".yaml"):
        if "/.github/workflows/" in norm or lower in ("action.yml", "action.yaml"):
            return "github-actions"
        if lower in (".gitlab-ci.yml", ".gitlab-ci.yaml") or lower.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml")):
            return "gitlab-ci"
        return "yaml"   # decided by its content once parsed
    if base in ("Dockerfile", "Containerfile") or lower.startswith(("dockerfile.", "containerfile.")) or \
            lower.endswith((".dockerfile", ".containerfile")):
        return "dockerfile"
    if base in ("Makefile", "makefile", "GNUmakefile") or ext == ".mk":
        return "makefile"
    if base == "package.json":
        return "package.json"
    if lower in ("justfile", ".justfile") or ext == ".just":
        return "justfile"
    if ext == ".sql":
        return "sql"
    return "shell" if interpreter_name(_script_interpreter(path, text)) in SHELLS else "script"


def judge(source, context, compiled=None):
    """analyze() for one SourceCommand. A command in a language agentsh cannot read is not allowed on the
    strength of what little it saw: it gets a `shell.unvetted` finding (at least confirm), like any unseen code."""
    from agentsh.analyze import analyze
    decision = analyze(source.analyze_as, context, compiled)
    if source.kind == "dockerfile":
        decision = _inside_image_build(decision)
    if source.unsupported:
        from agentsh.model import DECISION_RANK, Finding
        from agentsh.policy import decide
        first_line = source.command.strip().split("\n", 1)[0][:160]
        finding = Finding("shell.unvetted", "high", "agentsh cannot see what this runs (%s)" % source.shell,
                          source.unsupported, "Run it with a shell agentsh reads (bash, sh) or check it by hand.",
                          first_line, environment=decision.environment)
        decision.findings.append(finding)
        verdict = decide([finding], [])
        if DECISION_RANK[verdict] > DECISION_RANK[decision.decision]:
            decision.decision = verdict
    return decision


# A Dockerfile RUN runs in the throw-away filesystem of the image being built: `rm -rf /var/lib/apt/lists/*` or
# `chmod -R` under /usr there touch the image, not the machine. Non-catastrophic rules about the local filesystem
# and system are dropped for it; catastrophic ones stay (bind mounts and privileged builds reach the host), and so
# does everything that reaches outside the build (cloud, databases, HTTP, fetch-and-exec).
_LOCAL_ONLY_PREFIXES = ("fs.", "system.")


def _inside_image_build(decision):
    from agentsh.policy import decide
    kept = [f for f in decision.findings
            if not f.rule.startswith(_LOCAL_ONLY_PREFIXES) or f.severity == "catastrophic"]
    if len(kept) != len(decision.findings):
        decision.findings = kept
        decision.decision = decide(kept, decision.facts)
    return decision


# ---- interpreters -----------------------------------------------------------------------------------------------
def interpreter_name(argv0: str) -> str:
    """`/usr/bin/python3.11` -> `python3`; `bash` -> `bash`; `/usr/bin/env` is the caller's to skip."""
    name = os.path.basename(argv0)
    if re.fullmatch(r"python3(\.\d+)?", name):
        return "python3"
    if name.endswith(".exe"):
        name = name[:-4]
    return name.lower() if name.lower() in ("pwsh", "powershell", "cmd") else name


def shebang_argv(text: str) -> list | None:
    """The interpreter words of a `#!` line (`#!/usr/bin/env -S python3 -u` -> ['python3', '-u']), or None."""
    if not text.startswith("#!"):
        return None
    words = text[2:].split("\n", 1)[0].split()
    if not words:
        return None
    if os.path.basename(words[0]) == "env":
        words = [w for w in words[1:] if w not in ("-S", "--split-string") and "=" not in w]
        while words and words[0].startswith("-"):
            words = words[1:]
        if not words:
            return None
    return words


def invocation(interpreter: str, code: str) -> tuple:
    """(shell, analyze_as, unsupported) for code run by `interpreter`: shell text is analyzed as it is, code of a
    language the analyzer reads as `python3 -c CODE` and the like, anything else is unsupported."""
    name = interpreter_name(interpreter)
    if name in SHELLS:
        return name, code, None
    if code.startswith("#!"):   # the `#!` line chose the interpreter; `-c`/`-e` code must not start with it
        code = "\n" + code.partition("\n")[2]
    if name in CODE_FLAGS:
        return name, shlex.join([name, CODE_FLAGS[name], code]), None
    return name, shlex.join([name, "-c", code]), "%s code: agentsh cannot read this language" % name


# ---- shell scripts, interpreter scripts, SQL ---------------------------------------------------------------------
def _script_interpreter(path, text) -> str:
    """What runs a script file: its `#!` line, else its extension, else bash (a file of commands)."""
    argv = shebang_argv(text)
    return argv[0] if argv else SCRIPT_EXTENSIONS.get(os.path.splitext(path.lower())[1], "bash")


def _script(path, text) -> SourceCommand:
    shell, analyze_as, unsupported = invocation(_script_interpreter(path, text), text)
    kind = "shell" if shell in SHELLS else "script"
    return SourceCommand(text, path, 1, kind, shell, analyze_as, name=os.path.basename(path),
                         lines=_consecutive(1, text), unsupported=unsupported)


def _sql(path, text):
    """The file as psql (mysql for a file with DELIMITER lines) reads it on stdin, so the SQL analyzer judges
    its statements; the text is inlined as a quoted heredoc, so what is judged is exactly this text."""
    client = "mysql" if re.search(r"(?im)^\s*DELIMITER\s", text) else "psql"
    delimiter = "AGENTSH_SQL"
    while delimiter in text:
        delimiter += "_"
    body = text if text.endswith("\n") else text + "\n"
    analyze_as = "%s <<'%s'\n%s%s\n" % (client, delimiter, body, delimiter)
    return [SourceCommand(text, path, 1, "sql", client, analyze_as, name=os.path.basename(path),
                          lines=_consecutive(1, text))]


def _consecutive(first: int, text: str) -> tuple:
    return tuple(range(first, first + text.count("\n") + 1))


def _dedupe(commands) -> list:
    """In file order; a YAML anchor used by two jobs is one text at one place: judge it once."""
    seen, out = set(), []
    for c in sorted(commands, key=lambda c: c.line):
        key = (c.line, c.kind, c.analyze_as)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


# ---- YAML: GitHub Actions and GitLab CI --------------------------------------------------------------------------
def _yaml_documents(path, text) -> list:
    import yaml
    try:
        return [d for d in yaml.compose_all(text, Loader=yaml.SafeLoader) if d is not None]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        problem = getattr(e, "problem", None) or str(e).split("\n", 1)[0]
        if mark is not None:
            raise SourceError("%s line %d: invalid YAML: %s" % (path, mark.line + 1, problem)) from None
        raise SourceError("%s: invalid YAML: %s" % (path, problem)) from None


def _yaml_commands(path, text, kind) -> list:
    docs = _yaml_documents(path, text)
    roots = [d for d in docs if _is_map(d)]
    if kind == "yaml":
        kind = _yaml_kind(roots)
        if kind is None:
            raise SourceError("%s: a YAML file that is neither a GitHub Actions workflow nor a GitLab CI "
                              "configuration; agentsh does not know what it runs" % path)
    out = []
    for root in roots:
        out.extend(_github(path, root) if kind == "github-actions" else _gitlab(path, root))
    if kind == "github-actions" and not roots:
        raise SourceError("%s: not a GitHub Actions workflow (no mapping at the top)" % path)
    return out


def _is_map(node) -> bool:
    import yaml
    return isinstance(node, yaml.MappingNode)


def _yaml_kind(roots):
    for root in roots:
        keys = _mapping(root, "", "")
        if "jobs" in keys and _is_map(keys["jobs"][1]) or "runs" in keys and _is_map(keys["runs"][1]):
            return "github-actions"
    for root in roots:
        keys = _mapping(root, "", "")
        if {"stages", "default", "include", "workflow"} & keys.keys():
            return "gitlab-ci"
        for _name, (_k, v) in keys.items():
            if _is_map(v) and {"script", "before_script", "after_script"} & _mapping(v, "", "").keys():
                return "gitlab-ci"
    return None


def _mapping(node, path, where) -> dict:
    """{key: (key node, value node)} with `<<` merge keys applied (explicit keys win). A duplicate key is an
    error: which of the two the CI system runs is not something to guess."""
    import yaml
    if not isinstance(node, yaml.MappingNode):
        raise SourceError("%s line %d: %s should be a mapping" % (path, node.start_mark.line + 1, where))
    out, merged = {}, {}
    for key, value in node.value:
        if key.tag == "tag:yaml.org,2002:merge":
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for src in reversed(sources):
                merged.update(_mapping(src, path, "a merged (<<) value"))
            continue
        if not isinstance(key, yaml.ScalarNode):
            continue
        if key.value in out:
            raise SourceError("%s line %d: duplicate key %r in %s" % (path, key.start_mark.line + 1, key.value,
                                                                       where or "the file"))
        out[key.value] = (key, value)
    for k, v in merged.items():
        out.setdefault(k, v)
    return out


def _scalar(path, node, where) -> tuple:
    """(text, first line, lines) of a YAML scalar holding a command. The first line is that of the first
    non-blank content line; `lines` maps each text line to its file line where the text keeps the file's line
    breaks (a literal `|` block, a one-line scalar)."""
    import yaml
    if not isinstance(node, yaml.ScalarNode):
        raise SourceError("%s line %d: %s should be text" % (path, node.start_mark.line + 1, where))
    text = node.value
    if node.style in ("|", ">"):
        first = node.start_mark.line + 2           # the line after the `|` header
        stripped = text.lstrip("\n")
        first += len(text) - len(stripped)
        text = stripped.rstrip("\n")
        lines = _consecutive(first, text) if node.style == "|" else None
        return text, first, lines
    first = node.start_mark.line + 1
    lines = (first,) * (text.count("\n") + 1) if node.end_mark.line == node.start_mark.line else None
    return text, first, lines


def _is_null(node) -> bool:
    return node.tag == "tag:yaml.org,2002:null"


# ---- GitHub Actions ---------------------------------------------------------------------------------------------
def _github(path, root) -> list:
    top = _mapping(root, path, "the workflow")
    if "runs" in top and "jobs" not in top:   # a composite action (action.yml)
        runs = _mapping(top["runs"][1], path, "runs")
        if "steps" not in runs:
            return []   # a JavaScript or Docker action: no shell steps in this file
        return _github_steps(path, runs["steps"][1], "runs.steps", None, None, "bash")
    if "jobs" not in top:
        raise SourceError("%s line %d: not a GitHub Actions workflow: it has no jobs"
                          % (path, root.start_mark.line + 1))
    wf_shell, wf_dir = _run_defaults(path, top, "defaults")
    out = []
    for job_id, (_k, job_node) in _mapping(top["jobs"][1], path, "jobs").items():
        job = _mapping(job_node, path, "jobs.%s" % job_id)
        if "steps" not in job:
            continue   # a reusable-workflow call (`uses:`): its steps are in the other file
        job_shell, job_dir = _run_defaults(path, job, "jobs.%s.defaults" % job_id)
        windows = _may_run_on_windows(job)
        default = "pwsh" if windows == "always" else "bash"
        out.extend(_github_steps(path, job["steps"][1], "jobs.%s.steps" % job_id, job_shell or wf_shell,
                                 job_dir or wf_dir, default, windows=windows))
    return out


def _run_defaults(path, mapping, where) -> tuple:
    """(shell, working-directory) of a `defaults: run:` block, each None when not set."""
    if "defaults" not in mapping:
        return None, None
    defaults = _mapping(mapping["defaults"][1], path, where)
    if "run" not in defaults:
        return None, None
    run = _mapping(defaults["run"][1], path, where + ".run")
    shell = _scalar(path, run["shell"][1], where + ".run.shell")[0] if "shell" in run else None
    wd = _scalar(path, run["working-directory"][1], where + ".run.working-directory")[0] \
        if "working-directory" in run else None
    return shell, wd


def _may_run_on_windows(job) -> str:
    """"always" when runs-on names only Windows runners, "maybe" when a Windows runner is among its possible
    values (a matrix), "" otherwise: a step without `shell:` runs PowerShell on Windows."""
    if "runs-on" not in job:
        return ""
    words = _all_scalars(job["runs-on"][1])
    if any("${{" in w for w in words) and "strategy" in job:
        words = words + _all_scalars(job["strategy"][1])
    windows = [w for w in words if "windows" in w.lower()]
    if not windows:
        return ""
    plain = [w for w in _all_scalars(job["runs-on"][1]) if "${{" not in w]
    return "always" if plain and all("windows" in w.lower() for w in plain) else "maybe"


def _all_scalars(node) -> list:
    import yaml
    if isinstance(node, yaml.ScalarNode):
        return [node.value]
    if isinstance(node, yaml.SequenceNode):
        return [s for n in node.value for s in _all_scalars(n)]
    if isinstance(node, yaml.MappingNode):
        return [s for _k, v in node.value for s in _all_scalars(v)]
    return []


def _github_steps(path, steps_node, where, shell_default, dir_default, platform_shell, windows="") -> list:
    import yaml
    if not isinstance(steps_node, yaml.SequenceNode):
        raise SourceError("%s line %d: %s should be a list" % (path, steps_node.start_mark.line + 1, where))
    out = []
    for i, step_node in enumerate(steps_node.value):
        step = _mapping(step_node, path, "%s[%d]" % (where, i))
        if "run" not in step or _is_null(step["run"][1]):
            continue
        text, first, lines = _scalar(path, step["run"][1], "%s[%d].run" % (where, i))
        if not text.strip():
            continue
        shell_spec = _scalar(path, step["shell"][1], "%s[%d].shell" % (where, i))[0] if "shell" in step \
            else shell_default
        wd = _scalar(path, step["working-directory"][1], "%s[%d].working-directory" % (where, i))[0] \
            if "working-directory" in step else dir_default
        label = "%s[%d]" % (where, i)
        if "name" in step and isinstance(step["name"][1], yaml.ScalarNode):
            label += " (%s)" % step["name"][1].value
        argv = [w for w in shlex.split(shell_spec) if w != "{0}"] if shell_spec else [platform_shell]
        if not argv:
            raise SourceError("%s line %d: empty shell" % (path, step["shell"][1].start_mark.line + 1))
        shell, analyze_as, unsupported = invocation(argv[0], _github_code(text, argv[0]))
        if shell_spec is None and windows == "maybe":
            unsupported = "on a Windows runner of this job's matrix this step runs with PowerShell, which agentsh " \
                          "cannot read"
        if wd:
            analyze_as = "cd %s\n%s" % (_quote_github(wd), analyze_as)
        out.append(SourceCommand(text, path, first, "github-actions", shell, analyze_as, name=label, lines=lines,
                                 unsupported=unsupported))
    return out


def _github_code(text, interpreter) -> str:
    """GitHub pastes each `${{ … }}` value into the script before the shell reads it. For a shell, an unset
    variable stands in for the unknown value (a command named by one is then unknown, as it should be); code of
    another language keeps the expression, which it cannot parse, so it is not allowed unseen."""
    if interpreter_name(interpreter) in SHELLS:
        return GITHUB_EXPRESSION.sub(GITHUB_PLACEHOLDER, text)
    return text


def _quote_github(value) -> str:
    """Shell-quote a value that may contain `${{ … }}`: the expressions stay unknown (double-quoted variables)."""
    out, last = [], 0
    for m in GITHUB_EXPRESSION.finditer(value):
        if m.start() > last:
            out.append(shlex.quote(value[last:m.start()]))
        out.append('"%s"' % GITHUB_PLACEHOLDER)
        last = m.end()
    if last < len(value) or not out:
        out.append(shlex.quote(value[last:]))
    return "".join(out)


# ---- GitLab CI ----------------------------------------------------------------------------------------------------
GITLAB_SECTIONS = ("before_script", "script", "after_script")
GITLAB_GLOBALS = frozenset({"default", "include", "stages", "variables", "workflow", "image", "services", "cache",
                            "before_script", "after_script", "spec"})


def _gitlab(path, root) -> list:
    top = _mapping(root, path, "the configuration")
    out = []
    for section in ("before_script", "after_script"):   # the old global form of `default:`
        if section in top:
            out.extend(_gitlab_section(path, top[section][1], section))
    if "default" in top and _is_map(top["default"][1]):
        default = _mapping(top["default"][1], path, "default")
        for section in GITLAB_SECTIONS:
            if section in default:
                out.extend(_gitlab_section(path, default[section][1], "default.%s" % section))
    for name, (_k, node) in top.items():
        if name in GITLAB_GLOBALS or not _is_map(node):
            continue
        job = _mapping(node, path, name)
        for section in GITLAB_SECTIONS:
            if section in job:
                out.extend(_gitlab_section(path, job[section][1], "%s.%s" % (name, section)))
        if "hooks" in job and _is_map(job["hooks"][1]):
            hooks = _mapping(job["hooks"][1], path, "%s.hooks" % name)
            if "pre_get_sources_script" in hooks:
                out.extend(_gitlab_section(path, hooks["pre_get_sources_script"][1],
                                           "%s.hooks.pre_get_sources_script" % name))
    return out


def _gitlab_section(path, node, label) -> list:
    """One section runs as one shell script, its items in order (so `cd` and variables carry over): a single
    SourceCommand whose `lines` keep each item's own line."""
    if _is_null(node):
        return []
    items = []
    _gitlab_items(path, node, label, items, 0)
    texts, lines = [], []
    for text, first, item_lines in items:
        if not text.strip():
            continue
        texts.append(text)
        lines.extend(item_lines or (first,) * (text.count("\n") + 1))
    if not texts:
        return []
    command = "\n".join(texts)
    return [SourceCommand(command, path, lines[0], "gitlab-ci", "bash", command, name=label, lines=tuple(lines))]


def _gitlab_items(path, node, label, items, depth):
    """A script is a string or a list of strings, nested lists flattened (GitLab allows ten levels)."""
    import yaml
    if isinstance(node, yaml.ScalarNode):
        items.append(_scalar(path, node, label))
    elif isinstance(node, yaml.SequenceNode):
        if node.tag == "!reference":
            return   # `!reference [.job, script]`: those lines are checked where they are written
        if depth > 10:
            raise SourceError("%s line %d: %s nests lists more than ten levels" % (path, node.start_mark.line + 1,
                                                                                  label))
        for item in node.value:
            _gitlab_items(path, item, label, items, depth + 1)
    else:
        raise SourceError("%s line %d: %s should be a string or a list of strings (a `key: value` in a script line "
                          "needs quotes)" % (path, node.start_mark.line + 1, label))


# ---- Dockerfile ---------------------------------------------------------------------------------------------------
DEFAULT_DOCKER_SHELL = ["/bin/sh", "-c"]
HEREDOC = re.compile(r"(?<!<)<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


def _dockerfile(path, text) -> list:
    lines = text.split("\n")
    escape = _docker_escape(lines)
    shell = list(DEFAULT_DOCKER_SHELL)
    stage_shells = {}
    stage = None
    out = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        pieces, i = _docker_instruction(lines, i, escape)
        keyword, _, first_rest = pieces[0][1].strip().partition(" ")
        keyword = keyword.upper()
        pieces[0] = (pieces[0][0], first_rest.lstrip() if first_rest else "")
        label = "RUN"
        if keyword == "ONBUILD":
            inner, _, rest = pieces[0][1].partition(" ")
            if inner.upper() != "RUN":
                continue
            keyword, label = "RUN", "ONBUILD RUN"
            pieces[0] = (pieces[0][0], rest.lstrip())
        if keyword == "FROM":
            if stage is not None:
                stage_shells[stage] = shell
            words = _docker_join(pieces, escape).split()
            base = next((w for w in words if not w.startswith("--")), "").lower()
            shell = list(stage_shells.get(base, DEFAULT_DOCKER_SHELL))
            stage = words[-1].lower() if len(words) >= 3 and words[-2].upper() == "AS" else None
        elif keyword == "SHELL":
            shell = _docker_json_list(pieces, escape)
            if shell is None or not shell:
                raise SourceError("%s line %d: SHELL needs a JSON list, like [\"/bin/bash\", \"-c\"]"
                                  % (path, pieces[0][0]))
        heredocs = []
        if keyword in ("RUN", "COPY", "ADD"):
            heredocs, i = _docker_heredocs(path, lines, i, pieces, escape)
        if keyword == "RUN":
            out.append(_docker_run(path, pieces, heredocs, escape, shell, label))
    return [c for c in out if c is not None]


def _docker_escape(lines) -> str:
    """The `# escape=` parser directive (only in the comment lines at the very top)."""
    for raw in lines:
        m = re.match(r"\s*#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$", raw)
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("\\", "`"):
            return m.group(2)
    return "\\"


def _continues(line, escape) -> bool:
    body = line.rstrip()
    if not body.endswith(escape):
        return False
    run = len(body) - len(body.rstrip(escape))
    return run % 2 == 1 if escape == "\\" else True


def _docker_instruction(lines, i, escape) -> tuple:
    """The physical lines [(line number, text)] of the instruction starting at line i. Comment and empty lines
    inside a continuation are dropped, as Docker drops them."""
    pieces = [(i + 1, lines[i])]
    i += 1
    while _continues(pieces[-1][1], escape) and i < len(lines):
        nxt = lines[i]
        i += 1
        if not nxt.strip() or nxt.lstrip().startswith("#"):
            continue
        pieces.append((i, nxt))
    return pieces, i


def _docker_join(pieces, escape) -> str:
    """The instruction as Docker reads it: each escape-newline removed."""
    parts = []
    for n, (_line, text) in enumerate(pieces):
        if n < len(pieces) - 1:
            text = text.rstrip()[:-1]
        parts.append(text)
    return "".join(parts)


def _docker_json_list(pieces, escape):
    """The JSON (exec) form of an instruction, or None when it is the shell form."""
    joined = _docker_join(pieces, escape).strip()
    if not joined.startswith("["):
        return None
    try:
        value = json.loads(joined)
    except ValueError:
        return None    # Docker runs text that is not valid JSON in the shell form
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return value


def _docker_heredocs(path, lines, i, pieces, escape) -> tuple:
    """The bodies [(marker, [(line number, text)])] of the heredocs an instruction opens, read from the lines
    after it; returns them and the index of the line after the last terminator."""
    bodies = []
    for m in HEREDOC.finditer(_docker_join(pieces, escape)):
        strip_tabs, word = m.group(1) == "-", m.group(3)
        body = []
        while True:
            if i >= len(lines):
                raise SourceError("%s line %d: heredoc <<%s is never closed" % (path, pieces[0][0], word))
            raw = lines[i]
            i += 1
            if (raw.lstrip("\t") if strip_tabs else raw) == word:
                break
            body.append((i, raw))
        bodies.append((m, body))
    return bodies, i


def _strip_run_flags(pieces, escape) -> list:
    """Drop RUN's own options (`--mount=…`, `--network=none`) from the front, with any line they empty."""
    pieces = list(pieces)
    while pieces:
        n, text = pieces[0]
        rest = re.sub(r"^\s*(--[A-Za-z-]+(=\S*)?\s*)+", "", text)
        if rest.strip() in ("", escape):   # the line held only options (and the escape): drop it
            pieces.pop(0)
            continue
        pieces[0] = (n, rest.lstrip())
        break
    return pieces


def _docker_run(path, pieces, heredocs, escape, shell, label):
    first_line = pieces[0][0]
    exec_form = _docker_json_list(pieces, escape)
    if exec_form is not None:
        if not exec_form:
            raise SourceError("%s line %d: RUN with an empty command" % (path, first_line))
        # the exec form runs the program itself, no shell in between
        command = _docker_join(pieces, escape).strip()
        return SourceCommand(command, path, first_line, "dockerfile", "exec", shlex.join(exec_form), name=label)
    pieces = _strip_run_flags(pieces, escape)
    if not pieces:
        raise SourceError("%s line %d: RUN with an empty command" % (path, first_line))
    argv = shell[:-1] if len(shell) > 1 and shell[-1] in ("-c", "/c", "/C", "-Command", "-command") else shell
    if heredocs and len(heredocs) == 1 and HEREDOC.fullmatch(_docker_join(pieces, escape).strip()):
        # `RUN <<EOF … EOF`: the body is the script; a `#!` line in it picks the interpreter
        body = heredocs[0][1]
        if not body:
            return None
        text = "\n".join(t for _n, t in body)
        script_argv = shebang_argv(text) or argv
        shell_name, analyze_as, unsupported = invocation(script_argv[0], text)
        return SourceCommand(text, path, body[0][0], "dockerfile", shell_name, analyze_as, name=label,
                             lines=tuple(n for n, _t in body), unsupported=unsupported)
    if escape == "\\":
        # kept as written, escape-newlines included (the shell joins them): each text line is a file line
        text = "\n".join(t for _n, t in pieces)
        lines = [n for n, _t in pieces]
        for m, body in heredocs:   # the bodies follow the instruction, then each terminator: valid shell as is
            text += "\n" + "\n".join(t for _n, t in body) + ("\n" if body else "") + m.group(3)
            lines += [n for n, _t in body] + [body[-1][0] + 1 if body else lines[-1] + 1]
        lines = tuple(lines)
    else:
        text, lines = _docker_join(pieces, escape).strip(), None
    if not text.strip():
        raise SourceError("%s line %d: RUN with an empty command" % (path, first_line))
    shell_name, analyze_as, unsupported = invocation(argv[0], text)
    return SourceCommand(text, path, pieces[0][0], "dockerfile", shell_name, analyze_as, name=label, lines=lines,
                         unsupported=unsupported)


# ---- Makefile -----------------------------------------------------------------------------------------------------
MAKE_ASSIGNMENT = re.compile(r"^\s*(?:(?:override|export|private)\s+)*([^\s:#=+?!$()]+|\$\([^)]*\))\s*"
                             r"(:::=|::=|:=|\+=|\?=|!=|=)\s*(.*)$", re.S)
MAKE_CONDITIONALS = frozenset({"ifeq", "ifneq", "ifdef", "ifndef", "else", "endif"})


def _makefile(path, text) -> list:
    from agentsh.payloads.scripts import expand_make_vars
    lines = text.split("\n")
    prefix = "\t"
    variables, make_shell = {}, None
    oneshell = False
    rules = []            # [(targets, [(first line, [(line, text)])])]
    parse_time = []       # commands make runs while reading the file: `X != cmd`, `$(shell cmd)`
    current = None
    define_depth = 0
    i = 0
    while i < len(lines):
        raw = lines[i]
        if define_depth:
            word = raw.strip().split()[:1]
            if word == ["endef"]:
                define_depth -= 1
            elif re.match(r"\s*(?:(?:override|export|private)\s+)*define\b", raw):
                define_depth += 1
            i += 1
            continue
        if raw.startswith(prefix) and current is not None:
            pieces = [(i + 1, raw[len(prefix):])]
            i += 1
            while _make_continues(pieces[-1][1]) and i < len(lines):
                nxt = lines[i]
                pieces.append((i + 1, nxt[len(prefix):] if nxt.startswith(prefix) else nxt))
                i += 1
            current[1].append(pieces)
            continue
        if raw.startswith(prefix):   # a recipe line before any rule: make stops with an error; it runs nothing
            i += 1
            continue
        first = i + 1
        logical = [raw]
        i += 1
        while _make_continues(logical[-1]) and i < len(lines):
            logical[-1] = logical[-1][:-1]
            logical.append(lines[i])
            i += 1
        line = " ".join(part.strip() for part in logical)
        code = _strip_make_comment(line).strip()
        if not code:
            continue
        parse_time.extend(_make_shell_calls(path, code, first))
        word = code.split()[0]
        if word in MAKE_CONDITIONALS:
            continue   # conditionals may wrap recipe lines: the rule goes on
        if re.match(r"(?:(?:override|export|private)\s+)*define\b", code):
            define_depth, current = 1, None
            continue
        m = MAKE_ASSIGNMENT.match(code)
        if m and ":" not in code[:m.start(2)]:
            name, op, value = m.group(1), m.group(2), m.group(3).strip()
            current = None
            if op == "!=":
                parse_time.append(_make_parse_time(path, value, first, "make (%s != …)" % name))
            elif op == "+=":
                variables[name] = (variables.get(name, "") + " " + value).strip()
            elif op != "?=" or name not in variables:
                variables[name] = value
            if name == ".RECIPEPREFIX":
                prefix = value[:1] or "\t"
            elif name == "SHELL":
                make_shell = value
            continue
        if word in ("include", "-include", "sinclude", "vpath", "export", "unexport") or ":" not in code:
            current = None
            continue
        targets_part, _, rest = code.partition(":")
        targets = targets_part.split()
        if ".ONESHELL" in targets:
            oneshell = True
        current = (targets, [])
        rules.append(current)
        rest = rest.lstrip(":")
        if ";" in rest:
            inline = rest.split(";", 1)[1].strip()
            if inline:
                current[1].append([(first, inline)])
    interpreter = _make_interpreter(make_shell, variables)
    out = list(parse_time)
    for targets, recipe in rules:
        name = "make %s" % " ".join(targets)
        groups = [[p for pieces in recipe for p in pieces]] if oneshell and recipe else recipe
        for pieces in groups:
            command, lines_map = _make_recipe_text(pieces)
            if not command.strip():
                continue
            shell, analyze_as, unsupported = invocation(interpreter, expand_make_vars(command, variables))
            out.append(SourceCommand(command, path, lines_map[0], "makefile", shell, analyze_as, name=name,
                                     lines=lines_map, unsupported=unsupported))
    return out


def _make_continues(line) -> bool:
    run = len(line) - len(line.rstrip("\\"))
    return run % 2 == 1


def _strip_make_comment(line) -> str:
    m = re.search(r"(?<!\\)#", line)
    return line[:m.start()] if m else line


def _make_interpreter(make_shell, variables) -> str:
    if not make_shell:
        return "sh"
    from agentsh.payloads.scripts import expand_make_vars
    words = expand_make_vars(make_shell, variables).split()
    if not words or "$" in words[0]:
        return "sh"
    if os.path.basename(words[0]) == "env" and len(words) > 1:
        return words[1]
    return words[0]


def _make_recipe_text(pieces) -> tuple:
    """A recipe line without its `@ - +` prefixes (and its leading blanks), and its lines map."""
    texts, lines = [], []
    for n, (line, text) in enumerate(pieces):
        if n == 0 or not _make_continues(texts[-1]):   # the start of a recipe line (several with .ONESHELL)
            stripped = text.lstrip()
            while stripped[:1] in ("@", "-", "+"):
                stripped = stripped[1:].lstrip()
            text = stripped
        texts.append(text)
        lines.append(line)
    while texts and not texts[0].strip():
        texts.pop(0)
        lines.pop(0)
    return "\n".join(texts), tuple(lines) or (pieces[0][0],)


def _make_shell_calls(path, code, line) -> list:
    """`$(shell …)` in a variable or rule line: make runs it while reading the file."""
    out = []
    for m in re.finditer(r"\$[({]shell\s", code):
        open_ch = code[m.start() + 1]
        close_ch = ")" if open_ch == "(" else "}"
        depth, j = 1, m.end()
        while j < len(code) and depth:
            if code[j] == open_ch:
                depth += 1
            elif code[j] == close_ch:
                depth -= 1
            j += 1
        out.append(_make_parse_time(path, code[m.end():j - 1].strip(), line, "make $(shell …)"))
    return out


def _make_parse_time(path, command, line, name) -> SourceCommand:
    from agentsh.payloads.scripts import expand_make_vars
    return SourceCommand(command, path, line, "makefile", "sh", expand_make_vars(command, {}), name=name,
                         lines=(line,) * (command.count("\n") + 1))


# ---- package.json -------------------------------------------------------------------------------------------------
def _package_json(path, text) -> list:
    try:
        data = json.loads(text)
    except ValueError as e:
        line = getattr(e, "lineno", None)
        raise SourceError("%s line %s: not valid JSON (%s)" % (path, line or "?", getattr(e, "msg", e))) from None
    if not isinstance(data, dict) or "scripts" not in data:
        return []
    if not isinstance(data["scripts"], dict):
        raise SourceError("%s line %d: \"scripts\" should be an object" % (path, _json_key_line(text, ["scripts"])))
    out = []
    positions = _json_member_positions(text, ["scripts"])
    for name, body in data["scripts"].items():
        line = positions.get(name, 1)
        if not isinstance(body, str):
            raise SourceError("%s line %d: script %r should be a string" % (path, line, name))
        if not body.strip():
            continue
        out.append(SourceCommand(body, path, line, "package.json", "sh", body, name="npm run %s" % name,
                                 lines=(line,) * (body.count("\n") + 1)))
    return out


def _json_key_line(text, keys) -> int:
    parent = _json_member_positions(text, keys[:-1])
    return parent.get(keys[-1], 1)


def _json_member_positions(text, keys) -> dict:
    """{member name: line} of the object reached by following `keys` from the top (the text is valid JSON).
    For a name given twice, the last one: the one json.loads keeps."""
    decoder = json.JSONDecoder()
    pos = _json_ws(text, 0)
    for key in keys + [None]:
        if pos >= len(text) or text[pos] != "{":
            return {}
        found, members = None, {}
        pos = _json_ws(text, pos + 1)
        while pos < len(text) and text[pos] != "}":
            name, after = json.decoder.scanstring(text, pos + 1)
            members[name] = text.count("\n", 0, pos) + 1
            value_start = _json_ws(text, _json_ws(text, after) + 1)
            if name == key:
                found = value_start
            _value, end = decoder.raw_decode(text, value_start)
            pos = _json_ws(text, end)
            if pos < len(text) and text[pos] == ",":
                pos = _json_ws(text, pos + 1)
        if key is None:
            return members
        if found is None:
            return {}
        pos = found
    return {}


def _json_ws(text, pos) -> int:
    while pos < len(text) and text[pos] in " \t\n\r":
        pos += 1
    return pos


# ---- justfile -----------------------------------------------------------------------------------------------------
JUST_HEADER = re.compile(r"@?([A-Za-z_][A-Za-z0-9_-]*)\b[^:]*:(?!=)")
JUST_NOT_RECIPES = ("set ", "export ", "alias ", "import ", "mod ", "[", "#")


def _justfile(path, text) -> list:
    lines = text.split("\n")
    shell = ["sh", "-cu"]
    script_interpreter = ["sh", "-eu"]
    out = []
    attributes = []
    i = 0
    while i < len(lines):
        raw = lines[i]
        if not raw.strip() or raw[:1] in (" ", "\t"):
            i += 1
            continue
        stripped = raw.strip()
        setting = re.match(r"set\s+(shell|script-interpreter)\s*:=\s*(\[.*\])\s*$", stripped)
        if setting:
            value = _just_list(path, setting.group(2), i + 1)
            if setting.group(1) == "shell":
                shell = value
            else:
                script_interpreter = value
            i += 1
            continue
        if stripped.startswith("["):
            attributes.append(stripped)
            i += 1
            continue
        header = JUST_HEADER.match(stripped)
        if stripped.startswith(JUST_NOT_RECIPES) or not header:
            attributes = []
            i += 1
            continue
        name = header.group(1)
        body = []
        i += 1
        while i < len(lines) and (not lines[i].strip() or lines[i][:1] in (" ", "\t")):
            body.append((i + 1, lines[i]))
            i += 1
        while body and not body[-1][1].strip():
            body.pop()
        out.extend(_just_recipe(path, name, body, attributes, shell, script_interpreter))
        attributes = []
    return out


def _just_list(path, text, line) -> list:
    try:
        value = json.loads(text.replace("'", '"'))
    except ValueError:
        value = None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SourceError("%s line %d: cannot read the list %s" % (path, line, text))
    return value


def _just_recipe(path, name, body, attributes, shell, script_interpreter) -> list:
    if not body:
        return []
    label = "just %s" % name
    script_attr = next((a for a in attributes if re.match(r"\[\s*script\b", a)), None)
    first_text = body[0][1].strip()
    if first_text.startswith("#!") or script_attr:
        # the body is one script file: dedent it as just does
        indent = len(body[0][1]) - len(body[0][1].lstrip())
        text = "\n".join(t[indent:] if t[:indent].strip() == "" else t.lstrip() for _n, t in body)
        if first_text.startswith("#!"):
            argv = shebang_argv(first_text) or ["sh"]
        else:
            m = re.search(r"script\s*\((.*)\)", script_attr)
            argv = [a.strip().strip("'\"") for a in m.group(1).split(",")] if m else script_interpreter
        shell_name, analyze_as, unsupported = invocation(argv[0], _just_expressions(text))
        return [SourceCommand(text, path, body[0][0], "justfile", shell_name, analyze_as, name=label,
                              lines=tuple(n for n, _t in body), unsupported=unsupported)]
    out = []
    k = 0
    while k < len(body):
        start = k
        group = [body[k]]
        while group[-1][1].rstrip().endswith("\\") and k + 1 < len(body):
            k += 1
            group.append(body[k])
        k += 1
        first = group[0][1].strip()
        while first[:1] in ("@", "-"):
            first = first[1:].lstrip()
        if not first or first.startswith("#"):
            continue
        texts = [first] + [t.strip() for _n, t in group[1:]]
        command = "\n".join(texts)
        shell_name, analyze_as, unsupported = invocation(shell[0], _just_expressions(command))
        out.append(SourceCommand(command, path, body[start][0], "justfile", shell_name, analyze_as, name=label,
                                 lines=tuple(n for n, _t in group), unsupported=unsupported))
    return out


def _just_expressions(text) -> str:
    """`{{ … }}` is a just expression agentsh does not evaluate: an unset variable stands in for its value."""
    return re.sub(r"\{\{\{\{|\{\{.*?\}\}", lambda m: "{{" if m.group(0) == "{{{{" else "${JUST_EXPRESSION}", text)


__all__ = ["SourceCommand", "SourceError", "extract", "detect_kind", "read_text", "judge", "invocation"]

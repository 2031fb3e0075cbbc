"""agentsh.sources: the commands a file runs, each with its exact file line and the text analyze() is given."""
import os
import shlex

import pytest

from agentsh.report import finding_line
from agentsh.sources import SourceError, detect_kind, extract, judge
from tests.conftest import example_context

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "sources")


def fixture(*parts):
    return os.path.join(FIXTURES, *parts)


def summary(commands):
    return [(c.line, c.name, c.shell, c.command) for c in commands]


@pytest.fixture
def judged(compiled):
    def run(source):
        return judge(source, example_context(), compiled)
    return run


# ---- kinds --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path,text,kind", [
    ("repo/.github/workflows/ci.yml", "", "github-actions"),
    (".github/workflows/ci.yaml", "", "github-actions"),
    ("action.yml", "", "github-actions"),
    (".gitlab-ci.yml", "", "gitlab-ci"),
    ("ci/deploy.gitlab-ci.yml", "", "gitlab-ci"),
    ("ci/other.yml", "", "yaml"),
    ("Dockerfile", "", "dockerfile"),
    ("docker/api.Dockerfile", "", "dockerfile"),
    ("Dockerfile.prod", "", "dockerfile"),
    ("Containerfile", "", "dockerfile"),
    ("Makefile", "", "makefile"),
    ("GNUmakefile", "", "makefile"),
    ("build/rules.mk", "", "makefile"),
    ("web/package.json", "", "package.json"),
    ("justfile", "", "justfile"),
    (".justfile", "", "justfile"),
    ("db/001_init.sql", "", "sql"),
    ("deploy.sh", "", "shell"),
    ("deploy.sh", "#!/usr/bin/env python3\n", "script"),   # the kernel runs the #! line, whatever the name
    ("bin/tool", "#!/bin/zsh\n", "shell"),
    ("bin/tool", "#!/usr/bin/env python3\n", "script"),
    ("tool.rb", "", "script"),
    ("notes", "echo hi\n", "shell"),
])
def test_detect_kind_by_name_then_content(path, text, kind):
    assert detect_kind(path, text) == kind


# ---- GitHub Actions -----------------------------------------------------------------------------------------------
def test_github_workflow_every_run_step_with_its_line():
    path = fixture(".github", "workflows", "deploy.yml")
    commands = extract(path)
    assert summary(commands) == [
        (12, "jobs.plan.steps[1] (Lint)", "bash", "echo linting"),
        (16, "jobs.plan.steps[2] (Tear down)", "bash", "terraform init\nterraform destroy -auto-approve"),
        (21, "jobs.plan.steps[3] (Report)", "python", 'import shutil\nshutil.rmtree("/")'),
        (25, "jobs.plan.steps[4] (Expression)", "bash", 'echo "${{ github.ref }}" && ls'),
        (29, "jobs.windows.steps[0]", "pwsh", "Remove-Item -Recurse -Force C:\\data"),
        (31, "jobs.windows.steps[1]", "cmd", "rd /s /q C:\\data"),
        (39, "jobs.folded.steps[0]", "sh", "echo one two"),
        (41, "jobs.folded.steps[1]", "sh", "echo 'quoted'"),
    ]
    assert {c.kind for c in commands} == {"github-actions"}
    assert {c.file for c in commands} == {path}


def test_github_block_scalar_lines_map_each_line():
    step = extract(fixture(".github", "workflows", "deploy.yml"))[1]
    assert step.lines == (16, 17)
    assert step.line_of(1) == 17
    assert step.analyze_as == step.command


def test_github_destructive_step_is_stopped_on_its_line(judged):
    step = extract(fixture(".github", "workflows", "deploy.yml"))[1]
    d = judged(step)
    assert d.decision != "allow"
    [finding] = [f for f in d.findings if f.rule == "terraform.destroy-auto-approve"]
    assert finding_line(step, finding) == 17


def test_github_python_step_is_analyzed_as_python(judged):
    step = extract(fixture(".github", "workflows", "deploy.yml"))[2]
    assert step.analyze_as == "python -c " + shlex.quote('import shutil\nshutil.rmtree("/")')
    assert step.unsupported is None
    d = judged(step)
    assert d.decision == "block"
    assert "code.delete-tree-root" in {f.rule for f in d.findings}


def test_github_expressions_and_working_directory():
    step = extract(fixture(".github", "workflows", "deploy.yml"))[3]
    assert step.analyze_as == 'cd infra/"${GITHUB_EXPRESSION}"\necho "${GITHUB_EXPRESSION}" && ls'


def test_github_windows_steps_are_unsupported_not_skipped(judged):
    commands = extract(fixture(".github", "workflows", "deploy.yml"))
    pwsh, cmd = commands[4], commands[5]
    assert pwsh.analyze_as == "pwsh -c " + shlex.quote("Remove-Item -Recurse -Force C:\\data")
    assert pwsh.unsupported == "pwsh code: agentsh cannot read this language"
    assert cmd.analyze_as == "cmd -c " + shlex.quote("rd /s /q C:\\data")
    for source in (pwsh, cmd):
        d = judged(source)
        assert d.decision == "confirm"
        assert [f.rule for f in d.findings] == ["shell.unvetted"]
    assert finding_line(pwsh, judged(pwsh).findings[0]) == 29


def test_github_folded_scalar_has_no_line_map():
    step = extract(fixture(".github", "workflows", "deploy.yml"))[6]
    assert step.lines is None
    assert step.line_of(0) == 39


SHELL_DEFAULTS = """\
on: push
defaults:
  run:
    shell: sh
    working-directory: app
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo workflow-default
      - run: echo step-shell
        shell: bash --noprofile --norc -eo pipefail {0}
  b:
    runs-on: ubuntu-latest
    defaults:
      run:
        shell: perl {0}
    steps:
      - run: print 1
"""


def test_github_shell_defaults_workflow_job_and_step():
    commands = extract(".github/workflows/x.yml", SHELL_DEFAULTS)
    assert [(c.line, c.shell, c.analyze_as) for c in commands] == [
        (10, "sh", "cd app\necho workflow-default"),
        (11, "bash", "cd app\necho step-shell"),
        (19, "perl", "cd app\nperl -e 'print 1'"),
    ]


MATRIX = """\
on: push
jobs:
  test:
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
    runs-on: ${{ matrix.os }}
    steps:
      - run: make test
      - run: make lint
        shell: bash
"""


def test_github_matrix_with_windows_marks_default_shell_steps():
    plain, explicit = extract(".github/workflows/m.yml", MATRIX)
    assert plain.shell == "bash" and plain.analyze_as == "make test"
    assert plain.unsupported == ("on a Windows runner of this job's matrix this step runs with PowerShell, "
                                 "which agentsh cannot read")
    assert explicit.unsupported is None


def test_github_composite_action():
    assert summary(extract(fixture("action.yml"))) == [
        (6, "runs.steps[0]", "bash", "echo hello"),
        (8, "runs.steps[1]", "bash", "git push --force origin main"),
    ]


def test_workflow_detected_by_content_outside_github_dir():
    text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
    [c] = extract("templates/workflow.yml", text)
    assert (c.kind, c.line, c.command) == ("github-actions", 6, "echo hi")


def test_malformed_yaml_names_file_and_line():
    text = "on: push\njobs:\n  a:\n    steps:\n      - run: [echo, hi\n      - run: ok\n"
    with pytest.raises(SourceError) as e:
        extract(".github/workflows/bad.yml", text)
    assert str(e.value).startswith(".github/workflows/bad.yml line 6: invalid YAML: ")


def test_malformed_yaml_file_on_disk(tmp_path):
    wf = tmp_path / ".github" / "workflows" / "broken.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text("jobs:\n  a:\n    steps:\n  - run: x\n   bad indentation: [\n")
    with pytest.raises(SourceError) as e:
        extract(str(wf))
    assert str(e.value).startswith("%s line " % wf)
    assert "invalid YAML" in str(e.value)


@pytest.mark.parametrize("text,message", [
    ("on: push\n", "w.yml line 1: not a GitHub Actions workflow: it has no jobs"),
    ("jobs:\n  a:\n    steps:\n      - run: [echo, hi]\n", "w.yml line 4: jobs.a.steps[0].run should be text"),
    ("jobs:\n  a:\n    steps:\n      - run: echo 1\n        run: echo 2\n",
     "w.yml line 5: duplicate key 'run' in jobs.a.steps[0]"),
    ("jobs:\n  a:\n    steps: echo\n", "w.yml line 3: jobs.a.steps should be a list"),
    ("- just\n- a list\n", "w.yml: not a GitHub Actions workflow (no mapping at the top)"),
])
def test_workflow_shape_errors(text, message):
    with pytest.raises(SourceError) as e:
        extract(".github/workflows/w.yml", text)
    assert str(e.value) == ".github/workflows/" + message


def test_unknown_yaml_is_an_error_not_a_guess():
    with pytest.raises(SourceError) as e:
        extract("docker-compose.yml", "services:\n  web:\n    image: nginx\n")
    assert str(e.value).startswith("docker-compose.yml: a YAML file that is neither")


# ---- GitLab CI ----------------------------------------------------------------------------------------------------
def test_gitlab_sections_with_item_lines():
    commands = extract(fixture(".gitlab-ci.yml"))
    assert [(c.line, c.name, c.command, c.lines) for c in commands] == [
        (5, "default.before_script", "echo default-before", (5,)),
        (9, ".cleanup.after_script", "rm -rf build/", (9,)),   # merged into build by <<: *cleanup, judged once
        (15, "build.script", "make build\necho nested\necho block one\necho block two", (15, 16, 18, 19)),
        (23, "drop-db.script", "psql -c 'DROP DATABASE app'", (23,)),
        (28, "reuse.script", "echo after-reference", (28,)),   # the !reference item is checked where written
    ]
    assert {(c.kind, c.shell) for c in commands} == {("gitlab-ci", "bash")}


def test_gitlab_destructive_script_is_stopped(judged):
    drop = extract(fixture(".gitlab-ci.yml"))[3]
    d = judged(drop)
    assert d.decision != "allow"
    assert "sql.drop-database" in {f.rule for f in d.findings}


def test_gitlab_component_with_spec_header_and_hooks():
    text = ("spec:\n  inputs:\n    stage:\n---\njob:\n  hooks:\n    pre_get_sources_script:\n      - echo pre\n"
            "  script: echo main\n")
    assert [(c.line, c.name) for c in extract(".gitlab-ci.yml", text)] == [
        (8, "job.hooks.pre_get_sources_script"), (9, "job.script")]   # in file order


def test_gitlab_script_item_that_is_a_mapping_is_an_error():
    with pytest.raises(SourceError) as e:
        extract(".gitlab-ci.yml", "job:\n  script:\n    - echo key: value\n")
    assert str(e.value).startswith(".gitlab-ci.yml line 3: job.script should be a string or a list of strings")


# ---- Dockerfile ---------------------------------------------------------------------------------------------------
def test_dockerfile_run_instructions():
    commands = extract(fixture("Dockerfile"))
    assert [(c.line, c.shell, c.command, c.analyze_as) for c in commands] == [
        (3, "sh", "apt-get update && \\\n    apt-get install -y curl",
         "apt-get update && \\\n    apt-get install -y curl"),
        (7, "exec", '["rm", "-rf", "/var/lib/apt/lists"]', "rm -rf /var/lib/apt/lists"),
        (9, "sh", "pip install -r requirements.txt", "pip install -r requirements.txt"),
        (11, "sh", "set -e\nrm -rf /", "set -e\nrm -rf /"),
        (18, "pwsh", "Remove-Item -Recurse C:/x", "pwsh -c 'Remove-Item -Recurse C:/x'"),
        (21, "pwsh", "echo inherits-the-stage-shell", "pwsh -c 'echo inherits-the-stage-shell'"),
        (24, "sh", "echo back-to-sh", "echo back-to-sh"),
    ]
    assert commands[0].lines == (3, 5)   # the comment line inside the continuation is dropped, as Docker does


def test_dockerfile_heredoc_destruction_found_on_its_line(judged):
    heredoc = extract(fixture("Dockerfile"))[3]
    d = judged(heredoc)
    assert d.decision == "block"
    [finding] = [f for f in d.findings if f.rule == "fs.rm-root"]
    assert finding_line(heredoc, finding) == 12


def test_dockerfile_heredoc_feeding_a_command_is_shell_text():
    text = "FROM x\nRUN <<EOF cat > /etc/app.conf\nkey=1\nEOF\nRUN echo after\n"
    first, second = extract("Dockerfile", text)
    assert (first.line, first.command, first.lines) == (2, "<<EOF cat > /etc/app.conf\nkey=1\nEOF", (2, 3, 4))
    assert (second.line, second.command) == (5, "echo after")


def test_dockerfile_heredoc_script_with_shebang():
    text = "FROM x\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n"
    [c] = extract("Dockerfile", text)
    assert (c.line, c.shell, c.analyze_as) == (3, "python3", "python3 -c " + shlex.quote("\nprint(1)"))


def test_dockerfile_backtick_escape_directive():
    text = "# escape=`\nFROM x\nRUN echo a `\n    b\n"
    [c] = extract("Dockerfile", text)
    assert (c.line, c.command, c.lines) == (3, "echo a     b", None)


@pytest.mark.parametrize("text,message", [
    ("FROM x\nRUN <<EOF\necho never closed\n", "Dockerfile line 2: heredoc <<EOF is never closed"),
    ("FROM x\nSHELL /bin/bash -c\n", 'Dockerfile line 2: SHELL needs a JSON list, like ["/bin/bash", "-c"]'),
    ("FROM x\nRUN --mount=type=cache,target=/x\n", "Dockerfile line 2: RUN with an empty command"),
])
def test_dockerfile_errors(text, message):
    with pytest.raises(SourceError) as e:
        extract("Dockerfile", text)
    assert str(e.value) == message


def test_dockerfile_invalid_json_runs_in_shell_form():
    [c] = extract("Dockerfile", "FROM x\nRUN [ -f /x ] && rm /x\n")
    assert (c.shell, c.analyze_as) == ("sh", "[ -f /x ] && rm /x")


# ---- Makefile -----------------------------------------------------------------------------------------------------
def test_makefile_recipe_lines():
    commands = extract(fixture("Makefile"))
    assert [(c.line, c.name, c.command, c.analyze_as) for c in commands] == [
        (3, "make (GIT_SHA != …)", "git rev-parse HEAD", "git rev-parse HEAD"),
        (4, "make $(shell …)", "date +%s", "date +%s"),
        (13, "make all", "echo building $(BUILD_DIR)", "echo building build"),
        (14, "make all", "mkdir -p $(BUILD_DIR) && \\\n  touch $(BUILD_DIR)/stamp",
         "mkdir -p build && \\\n  touch build/stamp"),
        (18, "make clean", "rm -rf $(BUILD_DIR)", "rm -rf build"),
        (20, "make clean", "echo cleaned $$HOME", "echo cleaned $HOME"),
        (22, "make deploy", "terraform apply -auto-approve", "terraform apply -auto-approve"),
    ]
    assert commands[3].lines == (14, 15)


def test_makefile_deploy_recipe_is_stopped(judged):
    deploy = extract(fixture("Makefile"))[-1]
    assert judged(deploy).decision != "allow"


def test_makefile_oneshell_shell_and_recipeprefix():
    text = ".ONESHELL:\nSHELL = /usr/bin/python3\n.RECIPEPREFIX = >\nrun:\n> import os\n> print(os.getcwd())\n"
    [c] = extract("Makefile", text)
    assert (c.line, c.shell, c.command, c.lines) == (5, "python3", "import os\nprint(os.getcwd())", (5, 6))
    assert c.analyze_as == "python3 -c " + shlex.quote("import os\nprint(os.getcwd())")


def test_makefile_line_numbers_survive_continued_variable_lines():
    text = "FILES = a \\\n  b \\\n  c\nall:\n\techo $(FILES)\n"
    [c] = extract("build.mk", text)
    assert (c.line, c.analyze_as) == (5, "echo a b c")


# ---- package.json -------------------------------------------------------------------------------------------------
def test_package_json_scripts_with_lines():
    commands = extract(fixture("package.json"))
    assert [(c.line, c.name, c.command) for c in commands] == [
        (7, "npm run build", "tsc -p ."),
        (8, "npm run test", "vitest run"),
        (10, "npm run reset-db", "prisma migrate reset --force"),
        (11, "npm run clean", "rm -rf dist"),
    ]


def test_package_json_destructive_script_is_stopped(judged):
    reset = extract(fixture("package.json"))[2]
    assert judged(reset).decision != "allow"


def test_package_json_duplicate_name_keeps_the_last_like_json():
    text = '{"scripts": {\n  "x": "echo first",\n  "x": "echo second"\n}}\n'
    [c] = extract("package.json", text)
    assert (c.line, c.command) == (3, "echo second")


@pytest.mark.parametrize("text,message", [
    ('{\n  "scripts": {\n    "a": "echo"\n    "b": "x"\n  }\n}\n', "package.json line 4: not valid JSON"),
    ('{\n  "scripts": {\n    "a": ["echo"]\n  }\n}\n', "package.json line 3: script 'a' should be a string"),
    ('{\n  "scripts": "echo"\n}\n', 'package.json line 2: "scripts" should be an object'),
])
def test_package_json_errors(text, message):
    with pytest.raises(SourceError) as e:
        extract("package.json", text)
    assert str(e.value).startswith(message)


def test_package_json_without_scripts():
    assert extract("package.json", '{"name": "x"}') == []


# ---- justfile -----------------------------------------------------------------------------------------------------
def test_justfile_recipes():
    commands = extract(fixture("justfile"))
    assert [(c.line, c.name, c.shell, c.command) for c in commands] == [
        (7, "just build", "bash", "cargo build"),
        (9, "just build", "bash", "echo built {{ profile }}"),   # after a blank line: still the recipe
        (12, "just clean", "bash", "rm -rf target \\\ndist"),
        (17, "just analyze", "python3", '#!/usr/bin/env python3\nimport shutil\nshutil.rmtree("/srv/data")'),
    ]
    assert commands[1].analyze_as == "echo built ${JUST_EXPRESSION}"
    assert commands[3].analyze_as == "python3 -c " + shlex.quote('\nimport shutil\nshutil.rmtree("/srv/data")')


def test_justfile_shebang_recipe_is_judged_as_python(judged):
    analyze_recipe = extract(fixture("justfile"))[3]
    d = judged(analyze_recipe)
    assert d.decision != "allow"
    assert "code.delete-tree" in {f.rule for f in d.findings}


# ---- scripts and SQL ----------------------------------------------------------------------------------------------
def test_shell_script_is_its_whole_text(judged):
    [c] = extract(fixture("reset.sh"))
    with open(fixture("reset.sh")) as f:
        text = f.read()
    assert (c.kind, c.shell, c.line, c.command, c.analyze_as) == ("shell", "bash", 1, text, text)
    d = judged(c)
    assert d.decision != "allow"
    assert [finding_line(c, f) for f in d.findings if f.rule == "fs.rm-home"] == [1]   # `~` expanded: not found


def test_shell_script_finding_on_its_line(judged):
    [c] = extract("x.sh", "#!/bin/sh\necho start\nterraform destroy -auto-approve\n")
    [finding] = judged(c).findings
    assert finding_line(c, finding) == 3


def test_interpreter_script_by_shebang(judged):
    [c] = extract(fixture("cleanup"))
    assert (c.kind, c.shell) == ("script", "python3")
    assert c.analyze_as == "python3 -c " + shlex.quote('\nimport os\nos.system("rm -rf /")\n')
    assert judged(c).decision == "block"


def test_unknown_file_is_a_shell_script():
    [c] = extract("notes.txt", "echo hi\n")
    assert (c.kind, c.shell, c.analyze_as) == ("shell", "bash", "echo hi\n")


def test_powershell_script_is_unsupported(judged):
    [c] = extract("clean.ps1", "Remove-Item -Recurse C:/x\n")
    assert c.unsupported == "pwsh code: agentsh cannot read this language"
    assert judged(c).decision == "confirm"


def test_sql_file_goes_to_the_sql_analyzer(judged):
    [c] = extract(fixture("migrate.sql"))
    assert (c.kind, c.shell, c.line) == ("sql", "psql", 1)
    assert c.analyze_as == ("psql <<'AGENTSH_SQL'\n-- migration 42\nSELECT 1;\n\nDROP TABLE users;\nAGENTSH_SQL\n")
    d = judged(c)
    assert d.decision != "allow"
    [drop] = [f for f in d.findings if f.rule == "sql.drop-table"]
    assert finding_line(c, drop) == 4


def test_sql_heredoc_delimiter_never_appears_in_the_text():
    [c] = extract("odd.sql", "SELECT 'AGENTSH_SQL';\n")
    assert c.analyze_as == "psql <<'AGENTSH_SQL_'\nSELECT 'AGENTSH_SQL';\nAGENTSH_SQL_\n"


def test_mysql_delimiter_file_goes_to_mysql():
    [c] = extract("proc.sql", "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\n")
    assert c.shell == "mysql"


# ---- the pre-commit hook ------------------------------------------------------------------------------------------
def pre_commit_hook():
    import yaml
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, ".pre-commit-hooks.yaml")) as f:
        [hook] = yaml.safe_load(f)
    return hook


def test_pre_commit_hook_definition():
    hook = pre_commit_hook()
    assert (hook["id"], hook["entry"], hook["language"]) == ("agentsh-check", "agentsh check --fail-on block",
                                                             "python")


@pytest.mark.parametrize("path,kind", [
    (".github/workflows/ci.yml", "github-actions"), ("sub/.github/workflows/ci.yaml", "github-actions"),
    ("action.yml", "github-actions"), (".gitlab-ci.yml", "gitlab-ci"), ("ci/deploy.gitlab-ci.yml", "gitlab-ci"),
    ("Dockerfile", "dockerfile"), ("docker/Dockerfile.prod", "dockerfile"), ("api.Dockerfile", "dockerfile"),
    ("Containerfile", "dockerfile"), ("Makefile", "makefile"), ("src/makefile", "makefile"),
    ("GNUmakefile", "makefile"), ("rules.mk", "makefile"), ("web/package.json", "package.json"),
    ("justfile", "justfile"), ("Justfile", "justfile"), ("tasks.just", "justfile"),
    ("scripts/deploy.sh", "shell"), ("x.bash", "shell"), ("db/001.sql", "sql"),
])
def test_pre_commit_hook_files_are_files_agentsh_reads(path, kind):
    import re
    assert re.search(pre_commit_hook()["files"], path)
    assert detect_kind(path, "") == kind


@pytest.mark.parametrize("path", ["README.md", "docker-compose.yml", "ci.yml", ".github/dependabot.yml",
                                  "package-lock.json", "src/app.py", "docs/Makefile.md"])
def test_pre_commit_hook_skips_other_files(path):
    import re
    assert not re.search(pre_commit_hook()["files"], path)


# ---- reading --------------------------------------------------------------------------------------------------------
def test_missing_file(tmp_path):
    missing = str(tmp_path / "nope.sh")
    with pytest.raises(SourceError) as e:
        extract(missing)
    assert str(e.value) == "cannot read %s: No such file or directory" % missing


def test_non_utf8_file_names_the_line(tmp_path):
    p = tmp_path / "latin1.sh"
    p.write_bytes(b"echo ok\necho caf\xe9\n")
    with pytest.raises(SourceError) as e:
        extract(str(p))
    assert str(e.value) == "%s line 2: not UTF-8 text" % p


def test_crlf_and_bom_keep_line_numbers():
    text = "\ufeffon: push\r\njobs:\r\n  a:\r\n    steps:\r\n      - run: |\r\n          echo a\r\n          echo b\r\n"
    [c] = extract(".github/workflows/w.yml", text)
    assert (c.line, c.command, c.lines) == (6, "echo a\necho b", (6, 7))


def test_dockerfile_cleanup_inside_the_image_is_not_a_finding_but_outside_effects_are():
    from agentsh.sources import judge
    from tests.conftest import example_context
    text = ("FROM debian\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\n"
            "RUN aws s3 rb s3://prod-bucket --force\nRUN rm -rf /\n")
    cleanup, bucket, root = [judge(s, example_context()) for s in extract("Dockerfile", text)]
    assert cleanup.decision == "allow", [f.rule for f in cleanup.findings]
    assert bucket.decision != "allow"
    assert root.decision == "block"

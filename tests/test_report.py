"""agentsh.report: SARIF 2.1.0 (validated against the OASIS schema), GitHub annotations, --fail-on exit status."""
import glob
import json
import os

import jsonschema
import pytest

from agentsh.model import Decision, Finding
from agentsh.report import (artifact_uri, escape_data, escape_property, exit_status, finding_line, reported,
                            to_github, to_sarif)
from agentsh.sources import SourceCommand, extract, judge
from tests.conftest import example_context

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(HERE, "fixtures", "sarif-schema-2.1.0.json")
FIXTURES = os.path.join(HERE, "fixtures", "sources")


def finding(rule="terraform.destroy-auto-approve", severity="critical", where="terraform destroy -auto-approve",
            environment="local"):
    return Finding(rule, severity, "Destroys everything", "Nothing asks first.", "Run terraform plan -destroy.",
                   where, environment=environment)


def step(command="terraform init\nterraform destroy -auto-approve", file="ci/deploy.yml", line=16, lines=(16, 17)):
    return SourceCommand(command, file, line, "github-actions", "bash", command, name="jobs.a.steps[2] (Tear down)",
                         lines=lines)


def decision(findings, verdict):
    return Decision("x", verdict, "local", findings)


# ---- SARIF ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sarif_validator():
    with open(SCHEMA_PATH) as f:
        schema = json.load(f)
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return jsonschema.Draft4Validator(schema)


def fixture_files():
    files = [p for p in glob.glob(os.path.join(FIXTURES, "**", "*"), recursive=True) if os.path.isfile(p)]
    files += glob.glob(os.path.join(FIXTURES, ".*.yml"))
    files += glob.glob(os.path.join(FIXTURES, ".github", "workflows", "*.yml"))
    return sorted(set(files))


def test_sarif_of_every_fixture_is_valid_sarif_2_1_0(compiled, sarif_validator):
    from agentsh.analyze import analyze
    context = example_context()
    results = [(source, judge(source, context, compiled)) for path in fixture_files() for source in extract(path)]
    results.append((None, analyze("rm -rf /", context, compiled)))   # a command from stdin: no location
    log = to_sarif(results, root=HERE)
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert errors == []
    run = log["runs"][0]
    levels = {r["level"] for r in run["results"]}
    assert levels == {"error", "warning"}
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(ids) == len(set(ids))
    for r in run["results"]:
        assert ids[r["ruleIndex"]] == r["ruleId"]
    located = [r for r in run["results"] if "locations" in r]
    assert len(located) == len(run["results"]) - 1
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in located}
    assert "fixtures/sources/.github/workflows/deploy.yml" in uris
    assert "fixtures/sources/Dockerfile" in uris


def test_sarif_destroy_step_result(sarif_validator):
    log = to_sarif([(step(), decision([finding()], "confirm"))], root=os.getcwd())
    assert list(sarif_validator.iter_errors(log)) == []
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "agentsh"
    assert driver["rules"] == [{
        "id": "terraform.destroy-auto-approve",
        "name": "terraform.destroy-auto-approve",
        "shortDescription": {"text": "Destroys everything"},
        "fullDescription": {"text": "Nothing asks first."},
        "help": {"text": "Run terraform plan -destroy."},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"severity": "critical", "tags": ["security"], "security-severity": "9.0"},
    }]
    assert log["runs"][0]["results"] == [{
        "ruleId": "terraform.destroy-auto-approve",
        "ruleIndex": 0,
        "level": "warning",
        "message": {"text": "Destroys everything\nmatched: terraform destroy -auto-approve\n"
                            "in: jobs.a.steps[2] (Tear down)\nsafer: Run terraform plan -destroy."},
        "properties": {"decision": "confirm", "severity": "critical", "environment": "local",
                       "kind": "github-actions"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "ci/deploy.yml"},
                                            "region": {"startLine": 17}}}],
    }]


def test_sarif_block_is_error_and_rules_are_listed_once():
    d1 = decision([finding("fs.rm-root", "catastrophic", "rm -rf /")], "block")
    d2 = decision([finding("fs.rm-root", "catastrophic", "rm -rf /")], "block")
    log = to_sarif([(step("rm -rf /", line=3, lines=(3,)), d1), (step("rm -rf /", line=9, lines=(9,)), d2)],
                   root=os.getcwd())
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["fs.rm-root"]
    assert [(r["level"], r["ruleIndex"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in run["results"]] == [("error", 0, 3), ("error", 0, 9)]


def test_allowed_commands_are_not_reported():
    allowed = decision([finding("git.commit", "write", "git commit")], "allow")
    assert to_sarif([(step(), allowed)])["runs"][0]["results"] == []
    assert to_github([(step(), allowed)]) == ""


def test_sarif_credentials_are_redacted():
    token = "ghp_" + "A" * 36
    f = finding("http.delete", "critical", "curl -X DELETE -H 'Authorization: token %s' https://x" % token)
    text = json.dumps(to_sarif([(None, decision([f], "confirm"))]))
    assert token not in text


# ---- what is reported --------------------------------------------------------------------------------------------
def test_a_write_finding_beside_a_stopping_one_is_not_reported():
    write = finding("fs.write", "write", "echo > x")
    critical = finding()
    assert reported(decision([write, critical], "confirm")) == [(critical, "confirm")]


def test_a_production_finding_is_reported_at_its_own_verdict():
    prod = finding(environment="production")    # critical in production blocks
    local = finding("fs.rm-tree", "high", "rm -rf build")
    assert reported(decision([local, prod], "block")) == [(local, "confirm"), (prod, "block")]


def test_stopped_without_a_stopping_finding_reports_every_finding_at_the_decision():
    write = finding("fs.write", "write", "echo > x")
    assert reported(decision([write], "confirm")) == [(write, "confirm")]
    [(synthetic, verdict)] = reported(decision([], "block"))
    assert (synthetic.rule, verdict) == ("agentsh.stopped", "block")


def test_finding_line_falls_back_to_the_first_line():
    source = step()
    assert finding_line(source, finding(where="rm -rf /home/user")) == 16
    assert finding_line(source, finding(where="psql stdin: terraform destroy -auto-approve")) == 17
    assert finding_line(None, finding()) == 0


def test_artifact_uri(tmp_path):
    inside = tmp_path / "dir with space" / "ci.yml"
    assert artifact_uri(str(inside), root=str(tmp_path)) == "dir%20with%20space/ci.yml"
    outside = artifact_uri("/etc/x,y.yml", root=str(tmp_path))
    assert outside == "file:///etc/x%2Cy.yml"


# ---- GitHub annotations ----------------------------------------------------------------------------------------------
def test_github_escaping_as_documented():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_github_annotation_lines():
    results = [
        (step(), decision([finding()], "confirm")),
        (step("rm -rf /", file="odd,name:1.yml", line=3, lines=(3,)),
         decision([finding("fs.rm-root", "catastrophic", "rm -rf /")], "block")),
        (None, decision([finding("fs.rm-root", "catastrophic", "rm -rf /")], "block")),
    ]
    assert to_github(results, root=os.getcwd()).split("\n") == [
        "::warning file=ci/deploy.yml,line=17,title=agentsh terraform.destroy-auto-approve::Destroys everything"
        "%0Amatched: terraform destroy -auto-approve%0Ain: jobs.a.steps[2] (Tear down)"
        "%0Asafer: Run terraform plan -destroy.",
        "::error file=odd%2Cname%3A1.yml,line=3,title=agentsh fs.rm-root::Destroys everything%0Amatched: rm -rf /"
        "%0Ain: jobs.a.steps[2] (Tear down)%0Asafer: Run terraform plan -destroy.",
        "::error title=agentsh fs.rm-root::Destroys everything%0Amatched: rm -rf /"
        "%0Asafer: Run terraform plan -destroy.",
        "",
    ]


def test_github_path_is_relative_to_the_checkout(tmp_path):
    source = step(file=str(tmp_path / ".github" / "workflows" / "ci.yml"))
    out = to_github([(source, decision([finding()], "confirm"))], root=str(tmp_path))
    assert out.startswith("::warning file=.github/workflows/ci.yml,line=17,")


# ---- --fail-on -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("verdicts,fail_on,status", [
    (["allow", "allow"], "confirm", 0),
    (["allow", "confirm"], "confirm", 1),
    (["allow", "block"], "confirm", 1),
    (["allow", "confirm"], "block", 0),
    (["confirm", "block"], "block", 1),
    ([], "confirm", 0),
])
def test_exit_status(verdicts, fail_on, status):
    decisions = [decision([], v) for v in verdicts]
    assert exit_status(decisions, fail_on) == status
    assert exit_status([(None, d) for d in decisions], fail_on) == status


def test_exit_status_rejects_an_unknown_threshold():
    with pytest.raises(ValueError):
        exit_status([], "allow")

"""Every example of every rule is a test: `stop` examples must be stopped by that rule, `allow` examples must
not trigger it and must be allowed overall. The docs (`agentsh rules show`) and the tests cannot drift."""
import pytest

from agentsh import rules as rules_mod
from agentsh.analyze import analyze
from agentsh.model import DECISION_RANK
from agentsh.policy import DEFAULT_POLICY
from tests.conftest import example_context

_COMPILED = rules_mod.compile_files(rules_mod.rule_files(include_user=False))


def _cases(kind):
    for rule in _COMPILED["rules"]:
        for i, example in enumerate(rule["examples"][kind]):
            yield pytest.param(rule, example, id="%s-%s-%d" % (rule["id"], kind, i))


@pytest.mark.parametrize("rule,example", list(_cases("stop")))
def test_stop_example(rule, example):
    d = analyze(example, example_context(), _COMPILED)
    ids = [f.rule for f in d.findings]
    assert rule["id"] in ids, "%r should be stopped by %s; findings: %s" % (example, rule["id"], ids)
    # at least what the policy table says for this severity locally, and never allowed in production
    floor = DEFAULT_POLICY[rule["severity"]]["local"]
    assert DECISION_RANK[d.decision] >= DECISION_RANK[floor]
    assert analyze(example, example_context(environment="production"), _COMPILED).decision != "allow"


@pytest.mark.parametrize("rule,example", list(_cases("allow")))
def test_allow_example(rule, example):
    d = analyze(example, example_context(), _COMPILED)
    ids = [f.rule for f in d.findings]
    assert rule["id"] not in ids, "%r must not trigger %s" % (example, rule["id"])
    assert d.decision == "allow", "%r should be allowed, got %s: %s" % (example, d.decision, ids)


def test_every_rule_has_examples_both_ways():
    missing = [r["id"] for r in _COMPILED["rules"] if not r["examples"]["stop"] or not r["examples"]["allow"]]
    assert not missing, "rules without stop and allow examples: %s" % missing

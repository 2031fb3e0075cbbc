import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from agentsh import rules as rules_mod  # noqa: E402
from agentsh.model import Context  # noqa: E402

# The fixed world every rule example runs in (docs/rules.md).
EXAMPLE_HOME = "/home/user"
EXAMPLE_CWD = "/home/user/project"


def example_context(environment="local", cwd=EXAMPLE_CWD, environ=None):
    env = {"HOME": EXAMPLE_HOME, "PATH": "/usr/local/bin:/usr/bin:/bin", "USER": "user"}
    env.update(environ or {})
    return Context(cwd=cwd, home=EXAMPLE_HOME, environ=env, environment=environment, project_root=EXAMPLE_CWD)


@pytest.fixture(scope="session")
def compiled():
    return rules_mod.compile_files(rules_mod.rule_files(include_user=False))


@pytest.fixture
def decide(compiled):
    from agentsh.analyze import analyze

    def run(command, **kw):
        return analyze(command, example_context(**kw), compiled)
    return run

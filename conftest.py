"""Root conftest: the project's own tests drive pytest with ``pytester``.

The kata grader itself is not loaded here: it is the ``graders.judge.plugin``
``pytest11`` entry point, active in every run once the project is installed.
"""

import pytest

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("kata"):
        raise pytest.UsageError(
            "the fastapi-katas grader is not installed in this Python: "
            "activate the course's virtual environment (. .venv/bin/activate) "
            "or run `pip install -e .` first"
        )

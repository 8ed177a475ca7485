"""A pytest plugin for the grader's own collection run: which behaviours a kata has, and their points.

``kata grade`` collects the pristine tests once (``--collect-only``, no learner file is
imported) and writes every item's id, behaviour and points to ``--kata-collect-out``.
These are the expected behaviours a graded run must report, and the points it is worth.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kata", "fastapi-katas grading")
    group.addoption(
        "--kata-collect-out", dest="kata_collect_out", default=None, metavar="PATH",
        help="Write the collected kata behaviours (id, description, points) as JSON to PATH.",
    )  # fmt: skip


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    destination = session.config.getoption("kata_collect_out", None)
    if not destination:
        return
    from graders.judge.plugin import describe_behaviour, points_of

    items = [
        {
            "nodeid": item.nodeid,
            "name": item.name,
            "function": getattr(getattr(item, "function", None), "__name__", item.name),
            "description": describe_behaviour(item),
            "points": points_of(item),
            "file": item.location[0],
            "line": (item.location[1] or 0) + 1,
        }
        for item in session.items
    ]
    Path(destination).write_text(json.dumps({"format_version": 1, "items": items}), encoding="utf-8")

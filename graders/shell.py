"""How the learner types the course's commands in the shell they are in.

The first command of the README installs into ``.venv`` without activating it, so
``kata`` and ``pytest`` may not be on the learner's PATH yet. Every command the
course prints goes through ``command()``, which spells it the way that works here.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from functools import cache
from pathlib import Path

ACTIVATE_TIP = "Tip: `. .venv/bin/activate` puts kata and pytest on your PATH."


@cache
def _scripts() -> Path:
    return Path(sysconfig.get_path("scripts"))


@cache
def on_path(program: str) -> bool:
    """Does typing ``program`` run this environment's copy of it?"""
    found = shutil.which(program)
    if found is None:
        return False
    try:
        return Path(found).resolve() == (_scripts() / program).resolve()
    except OSError:
        return False


def program(name: str) -> str:
    """``name`` when the shell finds this environment's copy, else a path to it (``.venv/bin/kata``)."""
    if on_path(name) or not (_scripts() / name).exists():
        return name
    try:
        relative = os.path.relpath(_scripts() / name)
    except ValueError:  # another drive on Windows
        return str(_scripts() / name)
    return str(_scripts() / name) if relative.startswith(f"..{os.sep}..") else relative


def command(text: str) -> str:
    """``"kata run 07"`` or ``"pytest -v katas/07_auth"`` as the learner can type it here."""
    name, _, rest = text.partition(" ")
    spelled = program(name) if name in {"kata", "pytest", "pip"} else name
    return f"{spelled} {rest}".rstrip()


def needs_activation() -> bool:
    """True when ``kata`` is installed here but typing ``kata`` would not find it."""
    return (_scripts() / "kata").exists() and not on_path("kata") and sys.prefix != sys.base_prefix

"""Which file a kata's tests grade: the learner's stub, the reference solution, or any path.

The setting is read in a stated order (command line > environment > ini file),
and a bad value is reported together with where it came from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from graders.manifest import Kata

ENV_TARGET = "KATA_TARGET"
ENV_TIMEOUT = "KATA_TIMEOUT"
DEFAULT_TIMEOUT = 10.0


class SettingError(ValueError):
    """A setting has a value the grader cannot use; the message names its source."""


@dataclass(frozen=True)
class Target:
    """What to grade: ``stub``, ``solution`` or an explicit file or folder."""

    kind: str  # "stub" | "solution" | "path"
    path: Path | None = None

    @property
    def records_progress(self) -> bool:
        """Only the learner's own stub counts towards their progress."""
        return self.kind == "stub"

    def file_for(self, kata: Kata) -> Path:
        """The file graded for ``kata``; a folder holds one ``<kata dir>/stub.py`` per kata."""
        if self.kind == "stub":
            return kata.stub
        if self.kind == "solution":
            return kata.solution
        assert self.path is not None
        if self.path.is_dir():
            for name in ("stub.py", "solution.py"):
                candidate = self.path / kata.dir / name
                if candidate.is_file():
                    return candidate
            return self.path / kata.dir / "stub.py"
        return self.path

    def describe(self) -> str:
        return self.kind if self.path is None else str(self.path)


def parse_target(value: str, source: str, base: Path) -> Target:
    """Turn one setting value into a ``Target``; ``source`` names where it came from."""
    text = value.strip()
    if text in {"stub", "solution"}:
        return Target(text)
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = base / path
    if path.is_dir() or (path.is_file() and path.suffix == ".py"):
        return Target("path", path.resolve())
    raise SettingError(
        f"{source}: {value!r} is not 'stub', 'solution', a .py file or a folder of katas"
    )


def parse_timeout(value: str, source: str) -> float:
    """A per-test time limit in seconds; 0 switches the limit off."""
    try:
        seconds = float(value)
    except ValueError:
        raise SettingError(f"{source}: {value!r} is not a number of seconds") from None
    if seconds < 0 or seconds != seconds:
        raise SettingError(f"{source}: {value!r} must be 0 (no limit) or more seconds")
    return seconds


def first_setting(
    cli_value: str | None, cli_name: str, env_name: str, ini_value: str | None, ini_name: str
) -> tuple[str, str] | None:
    """The first value set, command line > environment > ini, with its source."""
    if cli_value is not None:
        return cli_value, f"{cli_name}"
    env_value = os.environ.get(env_name)
    if env_value not in (None, ""):
        return env_value, f"environment variable {env_name}"
    if ini_value not in (None, ""):
        return ini_value, f"ini option {ini_name}"
    return None

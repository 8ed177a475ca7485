"""Import the graded file in isolation and turn any crash into one readable line.

A learner's file may not parse, may import something missing, raise, or call
``sys.exit()`` while it is being imported. None of that may end the test run:
each becomes a ``KataImportError`` whose message is ``file:line: what happened``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import traceback
from pathlib import Path
from types import ModuleType


class KataImportError(Exception):
    """The graded file could not be imported; ``str()`` is the one-line reason."""


def module_name_for(path: Path) -> str:
    """A module name unique to the graded file, so two katas never share one."""
    slug = re.sub(r"\W", "_", f"{path.parent.name}_{path.stem}")
    return f"kata_graded_{slug}"


def display_path(path: Path) -> str:
    """The path as a learner would type it: relative to where they ran the command."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def import_graded_file(path: Path) -> ModuleType:
    """Execute ``path`` as a fresh module; each call gives new module state."""
    if not path.is_file():
        raise KataImportError(f"{display_path(path)}: no such file")
    name = module_name_for(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise KataImportError(f"{display_path(path)}: cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    # Pydantic and dataclasses resolve annotations through sys.modules[__module__].
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        where = f"{display_path(Path(exc.filename or path))}:{exc.lineno or '?'}"
        raise KataImportError(f"{where}: {type(exc).__name__}: {exc.msg}") from None
    except SystemExit as exc:
        sys.modules.pop(name, None)
        where = _where(exc, path)
        raise KataImportError(
            f"{where}: sys.exit({exc.code!r}) was called while the file was being imported"
        ) from None
    except Exception as exc:
        sys.modules.pop(name, None)
        raise KataImportError(f"{_where(exc, path)}: {describe_exception(exc)}") from None
    return module


def describe_exception(exc: BaseException) -> str:
    """``TypeName: message`` on one line."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _deepest_frames(exc: BaseException, path: Path) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
    """(deepest frame in ``path``, deepest frame overall) as (file, line).

    Walks frames without reading source lines: a recursion bomb leaves a
    traceback of a hundred thousand frames, and formatting them all would hang.
    """
    wanted = str(path.resolve())
    resolved: dict[str, str] = {}
    in_file = last = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        last = (filename, line)
        if filename not in resolved:
            resolved[filename] = str(Path(filename).resolve()) if filename else ""
        if resolved[filename] == wanted:
            in_file = (filename, line)
    return in_file, last


def exception_location(exc: BaseException, path: Path) -> str:
    """``file:line: `` inside the graded file where ``exc`` passed, or nothing when it never did."""
    in_file, _ = _deepest_frames(exc, path)
    return f"{display_path(path)}:{in_file[1]}: " if in_file else ""


def _where(exc: BaseException, path: Path) -> str:
    """``file:line`` of the deepest frame in the graded file, else of the deepest frame."""
    in_file, last = _deepest_frames(exc, path)
    frame = in_file or last
    if frame is None:
        return display_path(path)
    return f"{display_path(Path(frame[0]))}:{frame[1]}"

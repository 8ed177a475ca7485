"""Untrusted text in, valid files out: the parent must never die of what a submission or a run sent.

Every string that came from a graded run or a submission (failure messages, file and
folder names, the run's output) goes through ``clean_text`` before it is stored in a
result, and every writer cleans again, so a result can always be written as UTF-8 JSON,
XML 1.0 or CSV. Parsers of untrusted documents check size and nesting first, so deep
nesting is a rejected document rather than a ``RecursionError``. Results and gradebooks
are written to a temporary file in the same folder and renamed, so a crash mid-write
leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import tomllib
from contextlib import suppress
from pathlib import Path
from typing import Any

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
# Everything else (NUL, ESC, other C0 controls, lone surrogates, U+FFFE, U+FFFF) is replaced.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATES = re.compile("[\ud800-\udfff]+")
_ESCAPED_BYTE = re.compile("^[\udc80-\udcff]+$")  # how os.fsdecode and pathlib keep bytes that are not UTF-8
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
REPLACEMENT = "\ufffd"
ELLIPSIS = "…"

JSON_MAX_DEPTH = 16  # a real report nests 4 deep
TOML_MAX_DEPTH = 16  # katas.toml nests 3 deep
TOML_MAX_BYTES = 1024 * 1024
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_TOML_TOKENS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]'
)


class UnsafeDocument(ValueError):
    """An untrusted document is too large or nests too deep to be parsed safely."""


# -- text -----------------------------------------------------------------------------


def clean_text(value: object, limit: int | None = None) -> str:
    """``value`` as text that UTF-8, JSON and XML 1.0 all accept, at most ``limit`` characters.

    Bytes are decoded as UTF-8 (invalid bytes become U+FFFD); surrogate-escaped bytes from
    a file name are decoded the same way; other lone surrogates, NUL and the control
    characters XML 1.0 forbids become U+FFFD; terminal colour codes are removed.
    """
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", "replace")
    elif isinstance(value, str):
        text = value
    else:
        text = _as_str(value)
    if _SURROGATES.search(text):
        text = _SURROGATES.sub(_decode_surrogates, text)
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    text = _FORBIDDEN.sub(REPLACEMENT, text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + ELLIPSIS
    return text


def clean_name(name: str | bytes | os.PathLike[str]) -> str:
    """A file or folder name fit for a result (a name that is not UTF-8 keeps its readable part)."""
    return clean_text(os.fspath(name))


def _as_str(value: object) -> str:
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - an object whose __str__ fails still gets a name
        return f"<{type(value).__name__}>"


def _decode_surrogates(match: re.Match[str]) -> str:
    run = match.group()
    if _ESCAPED_BYTE.match(run):
        return run.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return REPLACEMENT * len(run)


def clean_tree(value: Any) -> Any:
    """A JSON-like value with every string cleaned and every float finite: ``json.dumps`` cannot fail on it."""
    if isinstance(value, dict):
        return {clean_text(key): clean_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_tree(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return clean_text(value)


# -- bounded parsing --------------------------------------------------------------------


def nesting_depth(text: str, tokens: re.Pattern[str] = _JSON_TOKENS) -> int:
    """How deep brackets and braces nest in ``text``, strings (and TOML comments) skipped."""
    depth = deepest = 0
    for match in tokens.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth = max(0, depth - 1)
    return deepest


def load_json(text: str, max_depth: int = JSON_MAX_DEPTH) -> tuple[Any, int]:
    """``json.JSONDecoder().raw_decode`` that refuses deep nesting (``UnsafeDocument``) instead of recursing."""
    if nesting_depth(text) > max_depth:
        raise UnsafeDocument(f"nested deeper than {max_depth}")
    try:
        return json.JSONDecoder().raw_decode(text)
    except RecursionError:
        raise UnsafeDocument("nested too deep") from None


def load_toml(text: str, max_depth: int = TOML_MAX_DEPTH, max_bytes: int = TOML_MAX_BYTES) -> dict[str, Any]:
    """``tomllib.loads`` for an untrusted file: too large or too deep is ``UnsafeDocument``, not a crash."""
    if len(text) > max_bytes:
        raise UnsafeDocument(f"larger than {max_bytes // 1024} KB")
    if nesting_depth(text, _TOML_TOKENS) > max_depth:
        raise UnsafeDocument(f"nested deeper than {max_depth}")
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise UnsafeDocument("nested too deep") from None


# -- atomic files -------------------------------------------------------------------------


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``path`` through a temporary file in its folder and a rename: whole or not at all."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_of(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".kata-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def append_atomic(path: Path, data: str) -> None:
    """Append ``data`` to ``path`` (``$GITHUB_OUTPUT``) by rewriting it atomically.

    Where the folder cannot hold a temporary file, one ``O_APPEND`` write is the fallback.
    """
    path = Path(path)
    payload = data.encode("utf-8")
    try:
        existing = path.read_bytes() if path.exists() else b""
        write_atomic(path, existing + payload)
    except PermissionError:
        handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(handle, payload)
        finally:
            os.close(handle)


def _mode_of(path: Path) -> int:
    """Keep the mode of a file being replaced; a new file is readable by all (the platform may read as another user)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return 0o644

"""A reader for the small block-style YAML subset the exported workflow is written in.

PyYAML is not a dependency of the course, and one is not added for a test: the workflow
is written in block mappings and sequences, plain or double-quoted scalars and ``|``
literal blocks, and this reader accepts exactly that (anything else is an error, which
keeps the exporter honest). When PyYAML happens to be installed, the tests compare too.
"""

from __future__ import annotations

import json
import re
from typing import Any

KEY = re.compile(r"^(\"[^\"]*\"|[A-Za-z0-9_.-]+):(?: (.*))?$")


class YamlSubsetError(ValueError):
    pass


def loads(text: str) -> Any:
    lines: list[tuple[int, str]] = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            lines.append((-1, raw))  # kept for literal blocks, skipped elsewhere
            continue
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YamlSubsetError(f"tab in indentation: {raw!r}")
        indent = len(raw) - len(raw.lstrip(" "))
        item = raw.strip()
        if item.startswith("- ") and KEY.match(item[2:].strip()):
            # "- key: value" is a sequence item holding a mapping whose keys sit two columns in.
            lines.append((indent, " " * indent + "-"))
            lines.append((indent + 2, " " * (indent + 2) + item[2:].strip()))
        else:
            lines.append((indent, raw))
    value, index = _block(lines, 0, 0)
    if _next(lines, index) < len(lines):
        raise YamlSubsetError(f"unexpected line: {lines[_next(lines, index)][1]!r}")
    return value


def _next(lines: list[tuple[int, str]], index: int) -> int:
    while index < len(lines) and lines[index][0] < 0:
        index += 1
    return index


def _is_item(raw: str) -> bool:
    return raw.strip() == "-" or raw.strip().startswith("- ")


def _block(lines: list[tuple[int, str]], index: int, indent: int) -> tuple[Any, int]:
    index = _next(lines, index)
    if index >= len(lines):
        return None, index
    if _is_item(lines[index][1]):
        return _sequence(lines, index, indent)
    return _mapping(lines, index, indent)


def _sequence(lines: list[tuple[int, str]], index: int, indent: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    while True:
        index = _next(lines, index)
        if index >= len(lines) or lines[index][0] != indent or not _is_item(lines[index][1]):
            return items, index
        rest = lines[index][1].strip()[1:].strip()
        if rest:
            items.append(_scalar(rest))
            index += 1
            continue
        following = _next(lines, index + 1)
        if following >= len(lines) or lines[following][0] <= indent:
            raise YamlSubsetError(f"empty sequence item: {lines[index][1]!r}")
        item, index = _block(lines, following, lines[following][0])
        items.append(item)


def _mapping(lines: list[tuple[int, str]], index: int, indent: int) -> tuple[dict[str, Any], int]:
    mapping: dict[str, Any] = {}
    while True:
        index = _next(lines, index)
        if index >= len(lines) or lines[index][0] < indent:
            return mapping, index
        column, raw = lines[index]
        if column > indent:
            raise YamlSubsetError(f"unexpected indentation: {raw!r}")
        if _is_item(raw):
            return mapping, index
        match = KEY.match(raw.strip())
        if not match:
            raise YamlSubsetError(f"not a key: {raw!r}")
        key = json.loads(match.group(1)) if match.group(1).startswith('"') else match.group(1)
        if key in mapping:
            raise YamlSubsetError(f"duplicate key {key!r}")
        rest = (match.group(2) or "").strip()
        index += 1
        if rest == "|":
            block: list[str] = []
            while index < len(lines) and (lines[index][0] < 0 or lines[index][0] > indent):
                block.append(lines[index][1])
                index += 1
            while block and not block[-1].strip():
                block.pop()
            width = min(len(line) - len(line.lstrip(" ")) for line in block if line.strip())
            mapping[key] = "\n".join(line[width:] for line in block) + "\n"
        elif rest:
            mapping[key] = _scalar(rest)
        else:
            following = _next(lines, index)
            nested = following < len(lines) and (
                lines[following][0] > indent or (lines[following][0] == indent and _is_item(lines[following][1]))
            )
            if not nested:
                mapping[key] = None
                continue
            mapping[key], index = _block(lines, following, lines[following][0])


def _scalar(text: str) -> Any:
    if text.startswith('"'):
        if not text.endswith('"') or len(text) < 2:
            raise YamlSubsetError(f"unterminated string: {text!r}")
        return json.loads(text)
    if text.startswith(("'", "{", "[", "&", "*", "!", "%", "@", "`", "|", ">")):
        raise YamlSubsetError(f"outside the subset: {text!r}")
    if " #" in text or ": " in text or text.endswith(":"):
        raise YamlSubsetError(f"ambiguous plain scalar: {text!r}")
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text

"""What an export installs: the teacher's grader spec, and every dependency pinned.

A spec is one pip requirement, pinned (``fastapi-katas==1.0``, or a git URL at a tag),
optionally followed by the index it comes from (``--index-url URL``, ``--extra-index-url URL``).
The constraints file pins the grader's whole dependency closure to the versions installed
where the export runs, so a grade in week 12 is computed with the libraries of week 1.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from importlib import metadata
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

GRADER_DISTRIBUTION = "fastapi-katas"
INDEX_OPTIONS = ("--index-url", "--extra-index-url")


class SpecError(ValueError):
    """The grader spec cannot be installed as written; the message says what to change."""


@dataclass(frozen=True)
class GraderSpec:
    """The grader requirement and the pip options that say where it comes from."""

    requirement: str
    index_options: tuple[tuple[str, str], ...] = ()

    def pip_args(self) -> list[str]:
        """``pip install`` arguments: the requirement, then each index option."""
        args = [self.requirement]
        for option, url in self.index_options:
            args += [option, url]
        return args

    def shell(self) -> str:
        """The same arguments, quoted for a POSIX shell."""
        return " ".join(shlex.quote(arg) for arg in self.pip_args())

    def requirements_lines(self) -> list[str]:
        """The same as lines of a requirements file (options first, as pip reads them)."""
        return [f"{option} {url}" for option, url in self.index_options] + [self.requirement]


def parse_spec(text: str) -> GraderSpec:
    """``REQUIREMENT [--index-url URL] [--extra-index-url URL]``, checked to be pinned and safe to publish."""
    text = text.strip()
    if not text or any(ch in text for ch in "\n\r\0"):
        raise SpecError("--grader-spec must be one pip requirement on one line, e.g. 'fastapi-katas==1.0'")
    requirement, _, rest = text.partition(" --")
    requirement = requirement.strip()
    options = _index_options(f"--{rest}" if rest else "")
    try:
        parsed = Requirement(requirement)
    except InvalidRequirement as exc:
        raise SpecError(f"--grader-spec {requirement!r} is not a pip requirement: {exc}") from None
    pinned = parsed.url is not None or any(s.operator in ("==", "===") and "*" not in s.version for s in parsed.specifier)
    if not pinned:
        raise SpecError(
            f"--grader-spec {requirement!r} is not pinned: give a version (==1.0) or a git URL at a tag (@v1.0)"
        )
    if parsed.url is not None and "@" not in parsed.url.rsplit("/", 1)[-1] and parsed.url.startswith("git+"):
        raise SpecError(f"--grader-spec {requirement!r} names no tag: end the git URL with @v1.0")
    return GraderSpec(requirement, options)


def _index_options(text: str) -> tuple[tuple[str, str], ...]:
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise SpecError(f"--grader-spec options cannot be read: {exc}") from None
    options: list[tuple[str, str]] = []
    while words:
        option = words.pop(0)
        if "=" in option:
            option, value = option.split("=", 1)
            words.insert(0, value)
        if option not in INDEX_OPTIONS or not words:
            raise SpecError(f"--grader-spec accepts only {' URL, '.join(INDEX_OPTIONS)} URL after the requirement")
        url = words.pop(0)
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname or re.search(r"[\s'\"\\]", url):
            raise SpecError(f"{option} {url!r} is not an http(s) URL")
        if parts.username or parts.password:
            raise SpecError(
                f"{option} holds a user name or token, which the export would publish in every student's copy; "
                "give the index's address only, and keep credentials out of what students can read"
            )
        if option == "--index-url" and any(o == option for o, _ in options):
            raise SpecError("--grader-spec names --index-url twice")
        options.append((option, url))
    return tuple(options)


def constraints_text(distribution: str = GRADER_DISTRIBUTION) -> str:
    """A pip constraints file: ``name==version`` for every installed dependency of ``distribution``.

    The closure follows every requirement of every reached distribution, extras included,
    whatever its environment marker, since CI may differ from this machine (another Python,
    another OS); a requirement not installed here cannot be pinned and is listed as such.
    The grader itself is left out: its spec pins it.
    """
    try:
        root = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        raise SpecError(
            f"{distribution} is not installed here, so its dependencies cannot be pinned: "
            "run the export from the environment the grader was tested in (pip install -e . in the course)"
        ) from None
    pinned: dict[str, str] = {}
    missing: set[str] = set()
    queue: list[tuple[metadata.Distribution, frozenset[str]]] = [(root, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while queue:
        dist, extras = queue.pop()
        for line in dist.requires or []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if requirement.marker is not None and "extra" in str(requirement.marker):
                if not any(requirement.marker.evaluate({"extra": extra}) for extra in extras):
                    continue  # an extra nobody asked for
            name = canonicalize_name(requirement.name)
            key = (name, frozenset(requirement.extras))
            if key in seen:
                continue
            seen.add(key)
            try:
                found = metadata.distribution(requirement.name)
            except metadata.PackageNotFoundError:
                missing.add(name)
                continue
            pinned[name] = found.version
            queue.append((found, frozenset(requirement.extras)))
    pinned.pop(canonicalize_name(distribution), None)
    missing -= set(pinned)
    lines = [
        f"# Written by the export: the versions {distribution} {root.version} was run with where it was exported.",
        "# pip install -c this-file keeps every grade of the term computed with the same libraries.",
    ]
    if missing:
        lines.append(f"# Not installed there, so not pinned (needed only on other platforms): {', '.join(sorted(missing))}")
    lines += [f"{name}=={version}" for name, version in sorted(pinned.items())]
    return "\n".join(lines) + "\n"

"""Read a Dockerfile as Docker (BuildKit) does, without building it: kata 10 grades the image it describes.

What it understands: parser directives (``# syntax=``, ``# escape=``), comments, line
continuations (empty and comment lines inside one are skipped), heredocs (``RUN <<EOF``),
instructions in any case, ``FROM … AS name`` stages built on earlier stages, ``ARG`` before
the first ``FROM`` (usable in ``FROM``) and inside a stage, ``ENV`` and ``ARG`` in both the
``KEY=value`` and the ``KEY value`` form, ``$VAR``/``${VAR}``/``${VAR:-default}``/``${VAR:+alt}``
in the instructions Docker expands them in, exec and shell forms of ``CMD``/``ENTRYPOINT``
(and the rule that an ``ENTRYPOINT`` drops an inherited ``CMD``), ``WORKDIR`` relative to the
previous one, and what ``COPY``/``ADD`` bring from the build context or another stage.

It answers questions about the final image (``Dockerfile.image()``): its base, its
environment, user, working folder, command, and its build steps in order. It does not
run anything; a ``RUN`` is kept as text.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
import shlex
from dataclasses import dataclass, field

DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$")
HEREDOC = re.compile(r"(?<!<)<<(?!<)(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+])(?P<word>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
EXPANDED = {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", "ARG"}


class DockerfileError(ValueError):
    """The text is not a Dockerfile Docker would build; ``str()`` says why in one line."""


@dataclass
class Instruction:
    """One instruction: its keyword (upper case), flags (``--from=build``), arguments and heredoc bodies."""

    keyword: str
    arguments: str
    line: int
    flags: dict[str, str] = field(default_factory=dict)
    heredocs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The arguments and any heredoc bodies: what a RUN runs."""
        return "\n".join([self.arguments, *self.heredocs])

    def shown(self, width: int = 70) -> str:
        words = f"{self.keyword} {self.arguments}".strip().replace("\n", " ")
        return words if len(words) <= width else words[: width - 1] + "…"


@dataclass
class Stage:
    """One ``FROM`` and the instructions after it."""

    index: int
    base: str  # the image (or earlier stage) it is built on, variables expanded
    written_base: str  # as written in the Dockerfile
    name: str | None  # ``AS name``, lower case
    instructions: list[Instruction] = field(default_factory=list)
    parent: Stage | None = None  # the earlier stage named by ``base``


@dataclass
class Copy:
    """What one COPY/ADD brings into the image: ``files`` maps a path in the image to a context file."""

    instruction: Instruction
    sources: list[str]
    destination: str  # absolute, in the image
    from_stage: Stage | None  # ``--from=`` an earlier stage
    from_image: str | None  # ``--from=`` another image
    files: dict[str, str] = field(default_factory=dict)  # image path → context path (local copies only)


@dataclass
class Step:
    """A build step of the final image, in order: a RUN (``command``) or a COPY/ADD (``copy``)."""

    stage: Stage
    instruction: Instruction
    command: str = ""
    copy: Copy | None = None


@dataclass
class Image:
    """The final image as Docker would build it: what a container of it starts with."""

    base: str  # the first stage's base of the chain: the image everything is built on
    env: dict[str, str]
    user: str | None
    workdir: str
    entrypoint: list[str] | str | None  # a list: exec form; a str: shell form
    cmd: list[str] | str | None
    steps: list[Step]
    chain: list[Stage]

    def command(self) -> tuple[list[str] | None, str]:
        """The argv a container runs (ENTRYPOINT + CMD, both exec form), else None and why."""
        if isinstance(self.entrypoint, str):
            return None, f"ENTRYPOINT {self.entrypoint} (shell form: it ignores CMD and runs under /bin/sh)"
        if isinstance(self.cmd, str):
            return None, f"CMD {self.cmd} (shell form)"
        argv = [*(self.entrypoint or []), *(self.cmd or [])]
        if not argv:
            return None, "no CMD"
        return argv, ""

    def files(self) -> dict[str, str]:
        """Every file copied from the build context into the image: image path → context path."""
        found: dict[str, str] = {}
        for step in self.steps:
            if step.copy is not None:
                found.update(step.copy.files)
        return found


@dataclass
class Dockerfile:
    """A parsed Dockerfile: global ARGs (before the first FROM) and its stages."""

    global_args: dict[str, str | None]
    stages: list[Stage]
    context: list[str]  # the files of the build context (relative posix paths)

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def chain(self, stage: Stage) -> list[Stage]:
        """The stage and the earlier stages it is built on, oldest first."""
        chain = [stage]
        while chain[0].parent is not None and chain[0].parent not in chain:
            chain.insert(0, chain[0].parent)
        return chain

    def stage_named(self, name: str) -> Stage | None:
        for stage in self.stages:
            if (stage.name and stage.name == name.lower()) or (name.isdigit() and stage.index == int(name)):
                return stage
        return None

    def image(self, stage: Stage | None = None) -> Image:
        """The image a stage (the final one by default) describes, with what it inherits."""
        chain = self.chain(stage or self.final)
        env: dict[str, str] = {}
        user: str | None = None
        workdir = "/"
        entrypoint: list[str] | str | None = None
        cmd: list[str] | str | None = None
        steps: list[Step] = []
        folders = {"/"}  # folders known to exist: a COPY into one of them copies into it
        for link in chain:
            args: dict[str, str] = {}
            cmd_set = False
            for instruction in link.instructions:
                keyword = instruction.keyword
                scope = {**args, **env}
                if keyword == "ARG":
                    for name, value in parse_pairs(instruction.arguments, "ARG", allow_bare=True):
                        if value is None:
                            default = self.global_args.get(name)
                            value = default if default is not None else args.get(name)
                        else:
                            value = expand(value, scope)
                        if value is not None:
                            args[name] = value
                elif keyword == "ENV":
                    for name, value in parse_pairs(instruction.arguments, "ENV", allow_bare=False):
                        env[name] = expand(value or "", scope)
                elif keyword == "WORKDIR":
                    workdir = posixpath.normpath(posixpath.join(workdir, expand(instruction.arguments.strip(), scope)))
                    folders.add(workdir)
                elif keyword == "USER":
                    user = expand(instruction.arguments.strip(), scope)
                elif keyword == "CMD":
                    cmd, cmd_set = command_form(instruction.arguments), True
                elif keyword == "ENTRYPOINT":
                    entrypoint = command_form(instruction.arguments)
                    if not cmd_set:
                        cmd = None  # an ENTRYPOINT drops the CMD it inherited
                elif keyword == "RUN":
                    steps.append(Step(link, instruction, command=expand_run(instruction, scope)))
                elif keyword in ("COPY", "ADD"):
                    steps.append(Step(link, instruction, copy=self._copy(instruction, scope, workdir, folders)))
        return Image(chain[0].base, env, user, workdir, entrypoint, cmd, steps, chain)

    def _copy(self, instruction: Instruction, scope: dict[str, str], workdir: str, folders: set[str]) -> Copy:
        if instruction.heredocs:  # COPY <<EOF /path: a file written from the Dockerfile itself
            words = [w for w in split_words(instruction.arguments) if not w.startswith("<<")]
            destination = words[-1] if words else "."
            return Copy(instruction, [], _absolute(expand(destination, scope), workdir), None, None)
        words = [expand(word, scope) for word in copy_words(instruction.arguments)]
        if len(words) < 2:
            raise DockerfileError(f"line {instruction.line}: {instruction.keyword} needs a source and a destination")
        sources, destination = words[:-1], words[-1]
        origin = expand(instruction.flags.get("from", ""), scope)
        from_stage = self.stage_named(origin) if origin else None
        copy = Copy(instruction, sources, _absolute(destination, workdir), from_stage, origin if origin and not from_stage else None)
        if not origin:
            copy.files = self._placed(sources, destination, workdir, folders)
        return copy

    def _placed(self, sources: list[str], destination: str, workdir: str, folders: set[str]) -> dict[str, str]:
        """Where each context file a local COPY names lands in the image."""
        target = _absolute(destination, workdir)
        into_folder = destination.endswith("/") or target in folders or len(sources) > 1
        placed: dict[str, str] = {}
        for source in sources:
            pattern = posixpath.normpath(source.lstrip("/")) if source not in ("/", "") else "."
            if pattern == ".":  # the whole context, into the destination folder
                for path in self.context:
                    placed[posixpath.join(target, path)] = path
                continue
            matched = [p for p in self.context if fnmatch.fnmatchcase(p, pattern)]
            folder = [p for p in self.context if p.startswith(pattern.rstrip("/") + "/")]
            for path in matched:
                if len(matched) == 1 and not into_folder and not any(ch in source for ch in "*?["):
                    placed[target] = path
                else:
                    placed[posixpath.join(target, posixpath.basename(path))] = path
            for path in folder:  # a folder copies its contents
                placed[posixpath.join(target, posixpath.relpath(path, pattern))] = path
        return placed


# -- reading the text ------------------------------------------------------------------------------


def parse(text: str, context: list[str] | None = None) -> Dockerfile:
    """The Dockerfile ``text``; ``context`` lists the build context's files (for what COPY brings)."""
    instructions = read_instructions(text)
    global_args: dict[str, str | None] = {}
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            stages.append(_stage(instruction, len(stages), global_args, stages))
        elif not stages:
            if instruction.keyword != "ARG":
                raise DockerfileError(f"line {instruction.line}: {instruction.keyword} before the first FROM")
            for name, value in parse_pairs(instruction.arguments, "ARG", allow_bare=True):
                global_args[name] = expand(value, {k: v for k, v in global_args.items() if v is not None}) if value is not None else None
        else:
            stages[-1].instructions.append(instruction)
    if not stages:
        raise DockerfileError("no FROM line")
    return Dockerfile(global_args, stages, sorted(context or []))


def _stage(instruction: Instruction, index: int, global_args: dict[str, str | None], earlier: list[Stage]) -> Stage:
    words = instruction.arguments.split()
    if not words:
        raise DockerfileError(f"line {instruction.line}: FROM without an image")
    name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
    scope = {k: v for k, v in global_args.items() if v is not None}
    base = expand(words[0], scope)
    parent = next((s for s in earlier if s.name and s.name == base.lower()), None)
    return Stage(index, base, words[0], name, parent=parent)


def read_instructions(text: str) -> list[Instruction]:
    """Each instruction of ``text``, as BuildKit's parser reads it."""
    lines = text.splitlines()
    escape = "\\"
    position = 0
    # Parser directives: only at the very top, until the first line that is not one.
    while position < len(lines):
        match = DIRECTIVE.match(lines[position].strip())
        if not match or not lines[position].lstrip().startswith("#"):
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            escape = match.group(2)
        position += 1
    instructions: list[Instruction] = []
    continuation = re.compile(re.escape(escape) + r"[ \t]*$")
    while position < len(lines):
        start = position
        line = lines[position]
        position += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        logical = line.lstrip()
        while continuation.search(logical) and position < len(lines):
            logical = continuation.sub("", logical)
            following = lines[position]
            position += 1
            if following.lstrip().startswith("#") or not following.strip():
                logical += escape  # skipped: the continuation goes on
                continue
            logical += following
        logical = continuation.sub("", logical) if continuation.search(logical) else logical
        keyword, rest = _split_keyword(logical.strip())
        instruction = Instruction(keyword.upper(), rest, start + 1)
        if instruction.keyword in ("FROM", "COPY", "ADD", "RUN"):
            instruction.flags, instruction.arguments = _flags(instruction.arguments)
        if instruction.keyword in ("RUN", "COPY", "ADD"):
            for strip_tabs, _, word in HEREDOC.findall(instruction.arguments):
                body: list[str] = []
                while position < len(lines) and (lines[position].lstrip("\t") if strip_tabs else lines[position]) != word:
                    body.append(lines[position].lstrip("\t") if strip_tabs else lines[position])
                    position += 1
                position += 1  # the closing word
                instruction.heredocs.append("\n".join(body))
        instructions.append(instruction)
    return instructions


def _split_keyword(logical: str) -> tuple[str, str]:
    match = re.match(r"(\S+)\s*(.*)", logical, re.DOTALL)
    return (match.group(1), match.group(2).strip()) if match else ("", "")


def _flags(arguments: str) -> tuple[dict[str, str], str]:
    """Leading ``--name=value`` flags (``--from=build``, ``--platform=…``, ``--mount=…``) and the rest."""
    flags: dict[str, str] = {}
    rest = arguments
    while True:
        match = re.match(r"--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?\s*", rest)
        if not match:
            return flags, rest.strip()
        flags[match.group(1).lower()] = match.group(2) or ""
        rest = rest[match.end() :]


# -- the parts of an instruction ---------------------------------------------------------------------


def command_form(arguments: str) -> list[str] | str:
    """Exec form (a JSON list of strings) as a list; anything else is shell form, kept as text."""
    try:
        value = json.loads(arguments)
    except ValueError:
        return arguments
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return arguments


def split_words(arguments: str) -> list[str]:
    try:
        return shlex.split(arguments, comments=False)
    except ValueError:
        return arguments.split()


def copy_words(arguments: str) -> list[str]:
    """A COPY/ADD's sources and destination, in either form (``["a", "b"]`` or ``a b``)."""
    form = command_form(arguments)
    return form if isinstance(form, list) else split_words(arguments)


def parse_pairs(arguments: str, keyword: str, *, allow_bare: bool) -> list[tuple[str, str | None]]:
    """``KEY=value …`` (quotes allowed) or the legacy ``KEY value`` form of ENV/ARG."""
    words = split_words(arguments)
    if not words:
        raise DockerfileError(f"{keyword} without a name")
    if "=" not in words[0] and not allow_bare:  # ENV KEY the rest is the value
        name, _, value = arguments.strip().partition(" ")
        return [(name, " ".join(split_words(value)) if value.strip() else "")]
    pairs: list[tuple[str, str | None]] = []
    for word in words:
        name, equals, value = word.partition("=")
        pairs.append((name, value if equals else None))
    return pairs


def expand(text: str, scope: dict[str, str]) -> str:
    """``$VAR``, ``${VAR}``, ``${VAR:-default}`` and ``${VAR:+alt}`` as Docker expands them (``\\$`` stays ``$``)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("bare")
        value = scope.get(name)
        op, word = match.group("op"), match.group("word")
        if op in (":-", "-"):
            if value is None or (op == ":-" and value == ""):
                return expand(word or "", scope)
            return value
        if op in (":+", "+"):
            if value is not None and (op == "+" or value != ""):
                return expand(word or "", scope)
            return ""
        return value if value is not None else ""

    parts = re.split(r"(\\\$)", text)
    return "".join("$" if part == "\\$" else VARIABLE.sub(replace, part) for part in parts)


def expand_run(instruction: Instruction, scope: dict[str, str]) -> str:
    """What a RUN runs, as text (the shell expands variables at build time; ARG and ENV are its environment)."""
    form = command_form(instruction.arguments)
    text = " ".join(form) if isinstance(form, list) else instruction.arguments
    return "\n".join([expand(text, scope), *instruction.heredocs])


def _absolute(path: str, workdir: str) -> str:
    return posixpath.normpath(posixpath.join(workdir, path)) if path else workdir

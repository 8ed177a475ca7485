"""graders/dockerfile.py reads a Dockerfile as Docker does: kata 10 must not refuse a correct one."""

from __future__ import annotations

import textwrap

import pytest

from graders.dockerfile import DockerfileError, expand, parse, parse_pairs, read_instructions

CONTEXT = ["Dockerfile", "app.py", "gunicorn.conf.py", "requirements.txt", "static/logo.png"]


def image_of(text: str):
    return parse(textwrap.dedent(text), CONTEXT).image()


def test_continuations_skip_comment_and_empty_lines_and_join_without_spaces() -> None:
    instructions = read_instructions("RUN pip install \\\n# a comment\n\n    -r requirements.txt\nCMD [\"x\"]\n")
    assert [(i.keyword, i.arguments) for i in instructions] == [
        ("RUN", "pip install     -r requirements.txt"),
        ("CMD", '["x"]'),
    ]
    assert instructions[1].line == 5


def test_escape_directive_makes_the_backtick_the_continuation() -> None:
    instructions = read_instructions("# escape=`\nFROM python:3.12-slim\nRUN echo a `\n  b\n")
    assert instructions[1].arguments == "echo a   b"


def test_a_comment_that_looks_like_a_directive_after_an_instruction_is_a_comment() -> None:
    instructions = read_instructions("FROM python:3.12-slim\n# escape=`\nRUN a \\\n b\n")
    assert instructions[1].arguments == "a  b"


def test_instructions_in_any_case_and_stage_names_case_insensitive() -> None:
    docker = parse("from python:3.12 As Build\nrun pip install -r requirements.txt\nfrom build\ncmd [\"gunicorn\"]\n", CONTEXT)
    image = docker.image()
    assert docker.stages[0].name == "build"
    assert [stage.index for stage in image.chain] == [0, 1]
    assert image.base == "python:3.12"
    assert image.command() == (["gunicorn"], "")


@pytest.mark.parametrize(
    "line",
    ["FROM ${BASE}", "FROM $BASE", "FROM ${BASE:-python:3.11}", "FROM ${UNSET:-python:3.12-slim}", "FROM python:${TAG}-slim"],
)
def test_arg_before_from_names_the_base(line: str) -> None:
    text = f"ARG BASE=python:3.12-slim\nARG TAG=3.12\n{line}\n"
    assert parse(text).image().base == "python:3.12-slim"


def test_a_stage_sees_a_global_arg_only_when_it_declares_it() -> None:
    image = image_of(
        """
        ARG USER_NAME=web
        FROM python:3.12-slim
        USER ${USER_NAME:-none}
        ARG USER_NAME
        RUN useradd $USER_NAME
        """
    )
    assert image.user == "none"
    assert image.steps[0].command == "useradd web"


def test_env_in_both_forms_and_env_wins_over_arg() -> None:
    assert parse_pairs('A=1 B="two words" C=', "ENV", allow_bare=False) == [("A", "1"), ("B", "two words"), ("C", "")]
    assert parse_pairs("DATABASE_URL postgres://x y", "ENV", allow_bare=False) == [("DATABASE_URL", "postgres://x y")]
    image = image_of(
        """
        FROM python:3.12-slim
        ARG PORT=1
        ENV PORT=8000 NAME="the app"
        ENV LEGACY some value
        WORKDIR /srv/$NAME
        """
    )
    assert image.env == {"PORT": "8000", "NAME": "the app", "LEGACY": "some value"}
    assert image.workdir == "/srv/the app"


def test_expand_default_alternative_and_escaped_dollar() -> None:
    scope = {"SET": "x", "EMPTY": ""}
    assert expand("${SET:+yes}|${EMPTY:+yes}|${EMPTY:-d}|${EMPTY-d}|\\$SET|$SET", scope) == "yes||d||$SET|x"


def test_entrypoint_drops_an_inherited_cmd_but_not_its_own_stages() -> None:
    inherited = image_of(
        """
        FROM python:3.12-slim AS base
        CMD ["python"]
        FROM base
        ENTRYPOINT ["tini", "--"]
        """
    )
    assert inherited.cmd is None
    same_stage = image_of(
        """
        FROM python:3.12-slim
        CMD ["gunicorn", "app:app"]
        ENTRYPOINT ["tini", "--"]
        """
    )
    assert same_stage.command() == (["tini", "--", "gunicorn", "app:app"], "")


def test_shell_forms_are_reported_as_such() -> None:
    assert image_of('FROM a\nENTRYPOINT ["tini", "--"]\nCMD gunicorn app:app\n').command()[0] is None
    assert image_of("FROM a\nENTRYPOINT gunicorn\nCMD [\"app:app\"]\n").command()[0] is None
    assert image_of("FROM a\nCMD ['gunicorn']\n").command()[0] is None  # not JSON: shell form, as in Docker
    assert image_of('FROM a\nCMD [ "gunicorn" ,  "app:app" ]\n').command() == (["gunicorn", "app:app"], "")


def test_heredoc_bodies_belong_to_their_run() -> None:
    image = image_of(
        """
        FROM python:3.12-slim
        RUN <<EOF
        set -e
        pip install -r requirements.txt
        EOF
        USER 10001
        """
    )
    assert "pip install -r requirements.txt" in image.steps[0].command
    assert image.user == "10001"


def test_copy_places_files_as_docker_does() -> None:
    image = image_of(
        """
        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt .
        COPY --chown=app:app app.py /app
        COPY ["gunicorn.conf.py", "/etc/gunicorn/"]
        COPY *.py /code/
        COPY gunicorn.conf.py settings.py
        COPY static /srv/static
        """
    )
    files = image.files()
    assert files["/app/requirements.txt"] == "requirements.txt"
    assert files["/app/app.py"] == "app.py"  # /app is a folder (the WORKDIR): copied into it
    assert files["/etc/gunicorn/gunicorn.conf.py"] == "gunicorn.conf.py"
    assert files["/code/app.py"] == "app.py" and files["/code/gunicorn.conf.py"] == "gunicorn.conf.py"
    assert files["/app/settings.py"] == "gunicorn.conf.py"  # a single file to a new name
    assert files["/srv/static/logo.png"] == "static/logo.png"


def test_copy_from_a_stage_names_it() -> None:
    docker = parse("FROM python:3.12 AS build\nRUN pip install -r r.txt\nFROM python:3.12-slim\nCOPY --from=build /venv /venv\n", CONTEXT)
    copy = docker.image().steps[0].copy
    assert copy is not None and copy.from_stage is docker.stages[0] and copy.files == {}


def test_no_from_is_an_error() -> None:
    with pytest.raises(DockerfileError, match="no FROM"):
        parse("# nothing\n")
    with pytest.raises(DockerfileError, match="RUN before the first FROM"):
        parse("RUN echo\nFROM a\n")

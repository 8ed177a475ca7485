"""The ``kata`` console script: answers ``kata progress`` before Typer is even imported.

Typer coerces options through pydantic, and importing both costs more than the
0.15 s ``kata progress`` may take. Progress has no options, so it skips them.
"""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["progress"]:
        from graders.commands.quick import progress_main

        raise SystemExit(progress_main())
    from graders.commands.cli import main as typer_main

    typer_main()


if __name__ == "__main__":
    main()

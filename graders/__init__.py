"""fastapi-katas grader: the pytest plugin, the grading model and the ``kata`` command.

Modules, each with one job:

- ``manifest``: reads ``katas/katas.toml``, the ordered list of katas.
- ``target``: decides which file is graded (stub, solution or a path).
- ``loader``: imports the graded file and turns any crash into one readable line.
- ``timelimit``: stops a behaviour that runs too long.
- ``model``: behaviours, points and kata results.
- ``card``: renders the grade card.
- ``progress``: the learner's ``.kata/progress.json``.
- ``plugin``: the pytest hooks and fixtures that tie these together.
- ``cli``: the ``kata`` command.
- ``classroom``: classroom autograding (``kata grade``, ``kata grade-batch``, ``kata classroom``).
"""

__version__ = "0.1.0"

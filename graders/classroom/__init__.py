"""Classroom autograding: a grade a teacher can trust and a platform reads as it is.

Modules, each with one job:

- ``pristine``: finds the teacher's pristine course and reads it into memory at start-up.
- ``integrity``: a submission's learner files, and which protected files it changed or added;
  the grader's own files, hashed before any student code runs.
- ``sandbox``: grades one kata in a fresh folder, in a separate process with a deadline.
- ``collect`` and ``guard``: pytest plugins loaded into those processes (expected behaviours;
  limits and an audit hook).
- ``results``: the one result model every output format is written from.
- ``grading``: grades one submission, kata by kata.
- ``formats``: json, GitHub Classroom, Gradescope, exercism and JUnit writers.
- ``batch``: grades a folder of submissions in parallel into a gradebook.
- ``export``: the student starter repository and the Gradescope autograder layout.
- ``commands``: the ``kata grade``, ``kata grade-batch`` and ``kata classroom`` commands.

See docs/CLASSROOM.md for what is defended and what is not.
"""

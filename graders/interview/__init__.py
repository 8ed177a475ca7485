"""Interview practice: questions per kata, a wording-tolerant marker, and spaced repetition.

``content`` reads each kata's ``interview.toml``, ``matcher`` marks a typed answer against
its key points, ``deck`` schedules reviews with FSRS in ``.kata/interview.json``. The
terminal conversation is ``graders.commands.interview``.
"""

"""What judges: the pytest plugin and its fixtures, the grading model, the grade card.

Nothing in this package imports the learner's code itself: it reaches it through
``graders.judge.access``, in this process for a learner's run, or through a host process
for ``kata grade``, where the verdict must not be reachable by the code it judges.
"""

"""What runs beside the learner's code: importing it, the operations tests may perform on it, its servers.

In a learner's ``pytest`` these run in the test process; in ``kata grade`` they run in a
host process inside the sandbox (``python -m graders.host``), and only JSON leaves it.
"""

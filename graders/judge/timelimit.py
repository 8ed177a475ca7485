"""A per-test time limit that also breaks infinite loops in the learner's code.

It uses ``SIGALRM``, which interrupts pure-Python loops in the main thread.
The alarm repeats every second after the first expiry: Starlette's TestClient
waits on a helper thread when a handler hangs, and the repeat is what lifts
the test out of that wait. Platforms without ``SIGALRM`` (Windows) run without
a limit.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SUPPORTED = hasattr(signal, "SIGALRM") and hasattr(signal, "setitimer")


class KataTimeout(BaseException):
    """Raised in the test when it outlives its limit.

    A ``BaseException`` so that a learner's ``except Exception`` cannot swallow it.
    """

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} took longer than {seconds:g} s (an endless loop or a hang?)")
        self.what = what
        self.seconds = seconds


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise ``KataTimeout`` inside the block once ``seconds`` have passed."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    if not SUPPORTED or seconds <= 0 or not in_main_thread:
        yield
        return
    armed = True

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        if armed:
            raise KataTimeout(what, seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

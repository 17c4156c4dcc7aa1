"""`deadline(seconds)`: fail a test whose block runs far longer than it should, instead of
letting it hang the suite. Bounds are an order of magnitude above the normal time, so they
catch runaway (exponential) work, never a slow machine.

SIGALRM interrupts Python code and `re` matching alike (sre checks for signals as it runs).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class DeadlineExceeded(AssertionError):
    pass


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only; run unbounded rather than not at all
        return

    def expire(_signum: int, _frame: object) -> None:
        raise DeadlineExceeded(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

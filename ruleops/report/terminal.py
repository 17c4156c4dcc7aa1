"""What a terminal gets and a log does not: colour and a one-line progress indicator.

Colour follows the conventions CPython's own `_colorize.can_colorize` follows: `NO_COLOR`
(no-color.org) set and non-empty turns it off, else `FORCE_COLOR` (force-color.org) set and
non-empty turns it on, else `TERM=dumb` turns it off, else only a terminal gets it. The
progress line goes to a terminal's standard error only, never when `CI` is set, never with
machine-readable output or `--quiet`.
"""

from __future__ import annotations

import os
import time
from typing import TextIO

_RESET = "\x1b[0m"
STYLES = {
    "bold": "\x1b[1m",
    "error": "\x1b[1;31m",
    "warning": "\x1b[1;33m",
    "info": "\x1b[1;36m",
    "caret": "\x1b[31m",
    "hint": "\x1b[36m",
    "dim": "\x1b[2m",
}


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def wants_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return _isatty(stream)


class Paint:
    """`paint("error", text)`: the text in that style, or as it is without colour."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, style: str, text: str) -> str:
        return f"{STYLES[style]}{text}{_RESET}" if self.colour and text else text


class ProgressLine:
    """`checking 1,234 of 2,064 files` on one line, redrawn at most ten times a second, shown
    only once a run has taken longer than `_DELAY` (short runs never flicker), erased at the
    end so that the report starts on a clean line."""

    _DELAY = 0.3
    _EVERY = 0.1

    def __init__(self, out: TextIO, what: str = "files") -> None:
        self.out = out
        self.what = what
        self.started = time.monotonic()
        self.drawn = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < self._DELAY or (now - self.drawn < self._EVERY and done < total):
            return
        self.drawn = now
        self.shown = True
        self.out.write(f"\r\x1b[Kchecking {done:,} of {total:,} {self.what}")
        self.out.flush()

    def close(self) -> None:
        if self.shown:
            self.out.write("\r\x1b[K")
            self.out.flush()


def progress_line(out: TextIO, *, machine_output: bool, quiet: bool) -> ProgressLine | None:
    """A progress line for a run, or None where none belongs (see the module docstring)."""
    if quiet or machine_output or os.environ.get("CI") or not _isatty(out):
        return None
    if os.environ.get("TERM") == "dumb":
        return None
    return ProgressLine(out)

"""Single keypresses for the review screen.

The terminal is put in cbreak mode once for the whole session (not per key, as
click.getchar does with a flushing raw mode), so a key typed while the next card
is being saved or drawn is kept, and Ctrl-C still interrupts.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
from collections.abc import Iterator

import click


@contextlib.contextmanager
def keypresses() -> Iterator[None]:
    """Keys arrive one at a time, unechoed, until the block ends."""
    if os.name != "posix":
        yield
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd, termios.TCSANOW)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def use_color(environ: os._Environ[str] | dict[str, str], terminal: bool) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org)."""
    return terminal and not environ.get("NO_COLOR")


_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")


def read_key() -> str:
    """One keypress as text; raises EOFError when the terminal is gone."""
    if os.name != "posix":
        return click.getchar()
    while True:
        data = os.read(sys.stdin.fileno(), 1)
        if not data:
            raise EOFError
        text = _decoder.decode(data)
        if text:
            return text

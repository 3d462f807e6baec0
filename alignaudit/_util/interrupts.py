"""Ctrl-C that cannot be lost: a SIGINT at any moment ends a command with exit code 130.

Python turns SIGINT into a ``KeyboardInterrupt`` raised wherever the main thread happens to be.
That exception can be lost on the way out: raised inside a finaliser (``__del__``, a closed
generator, a weakref callback) it is printed as "Exception ignored" and dropped; a library's
broad ``except BaseException`` may swallow it; raised after the last ``except`` of the command
(while the report renders, or while the interpreter shuts down) it gets no message or kills the
process by the signal. So the command line installs :func:`install`'s handler, which *records*
the interrupt before raising, and the places that do work call :func:`check` (every journaled
batch or request, and once more before results are written): a recorded interrupt raises again
there, whatever swallowed the first one. :func:`settle` decides the exit code last (130 once an
interrupt was recorded) and makes any later SIGINT end the process at once with 130;
:func:`leave` then ends the process without the interpreter's teardown, during which Python would
put back the default SIGINT action (a late Ctrl-C would kill the process by the signal) and wait
for any thread still blocked on a slow server.

Without :func:`install` (alignaudit used as a library, or tests in-process) nothing is recorded
and :func:`check` does nothing: Python's own Ctrl-C handling applies.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
from typing import Any

_requested = threading.Event()


def _on_sigint(signum: int, frame: Any) -> None:
    _requested.set()
    raise KeyboardInterrupt


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def _exit_now(signum: int, frame: Any) -> None:
    _flush()
    os._exit(130)


def install() -> Any:
    """Record every SIGINT (main thread only); returns the handler it replaced."""
    _requested.clear()
    return signal.signal(signal.SIGINT, _on_sigint)


def requested() -> bool:
    """Has a SIGINT arrived since :func:`install`?"""
    return _requested.is_set()


def check() -> None:
    """Raise ``KeyboardInterrupt`` if a SIGINT arrived, even one whose exception was lost."""
    if _requested.is_set():
        raise KeyboardInterrupt


def settle(code: int) -> int:
    """The exit code to end with: 130 once a SIGINT arrived, else ``code``. From here on a SIGINT
    (say, while the interpreter waits for a thread) ends the process at once with 130."""
    while True:
        try:
            signal.signal(signal.SIGINT, _exit_now)
            break
        except KeyboardInterrupt:
            continue  # arrived between the last check and here: it is recorded
    return 130 if _requested.is_set() else code


def leave(code: int) -> None:
    """End the process with ``code`` now: run the ``atexit`` functions, flush the output, exit
    without tearing the interpreter down (a SIGINT meanwhile exits with 130)."""
    atexit._run_exitfuncs()
    _flush()
    os._exit(code)


def restore(previous: Any) -> None:
    """Put back the handler :func:`install` replaced (in-process callers, tests)."""
    signal.signal(signal.SIGINT, previous)
    _requested.clear()

"""Progress of long steps, decided once per command: a bar, plain lines, or nothing.

The command line picks the mode once (:func:`choose_mode`) and passes it down to every step
that takes long (loading, scoring, perplexity, embedding, the two-sample tests):

- ``"bar"``: stderr is a terminal; a tqdm bar with counts, rate and time left.
- ``"lines"``: stderr is a file or a pipe (CI logs); one plain line at most every
  :data:`INTERVAL_ENV` seconds (default :data:`DEFAULT_INTERVAL`) and one at the end, e.g.
  ``Scoring probes: 1200/4800 rows (25%), 41 s elapsed, ~2 min left``, and the count again
  when one batch runs longer than :data:`QUIET_INTERVALS` intervals. No carriage returns and
  no terminal codes, so a log shows the run is alive without the noise of a redrawn bar.
- ``"off"``: ``--quiet``, and the Python API unless it is asked for.

Both visible modes are tqdm: the lines are a tqdm whose :meth:`~tqdm.std.tqdm.display` writes a
whole line (tqdm's documented way to send progress elsewhere) and whose ``mininterval`` is the
interval, so the counting, throttling and timing stay tqdm's.
"""

from __future__ import annotations

import inspect
import io
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import IO, TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import BeforeValidator

from alignaudit._util.errors import UserError

if TYPE_CHECKING:  # tqdm is imported when a meter is made, so the CLI starts without it
    from tqdm import tqdm

Mode = Literal["bar", "lines", "off"]
MODES: tuple[Mode, ...] = ("bar", "lines", "off")
INTERVAL_ENV = "ALIGNAUDIT_PROGRESS_INTERVAL"
"""Seconds between two progress lines in ``lines`` mode (0: a line at every step)."""
DEFAULT_INTERVAL = 15.0
QUIET_INTERVALS = 4
"""A step whose next count is this many intervals away says its count again (a minute by
default), so a log never looks stuck while one long batch runs."""

T = TypeVar("T")


def choose_mode(quiet: bool, stream: IO[str] | None = None) -> Mode:
    """``off`` with --quiet, else ``bar`` when ``stream`` (stderr) is a terminal, else
    ``lines``."""
    if quiet:
        return "off"
    stream = stream if stream is not None else sys.stderr
    try:
        return "bar" if stream.isatty() else "lines"
    except (AttributeError, ValueError):  # a closed or unusual stream
        return "lines"


def as_mode(value: object) -> Mode:
    """A mode from what callers pass: a mode, or a bool as options took before the modes
    (True: a bar, as it meant then; False: nothing)."""
    if isinstance(value, bool):
        return "bar" if value else "off"
    if value in MODES:
        return value
    raise ValueError(f"progress must be one of {', '.join(MODES)} (or a bool), not {value!r}")


ProgressMode = Annotated[Mode, BeforeValidator(as_mode)]
"""A pydantic field of a mode that also takes the bools older callers pass."""


def interval() -> float:
    """Seconds between progress lines, from :data:`INTERVAL_ENV` or the default."""
    raw = os.environ.get(INTERVAL_ENV, "").strip()
    if not raw:
        return DEFAULT_INTERVAL
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also NaN
        raise UserError(f"{INTERVAL_ENV}={raw}: give the seconds between two progress lines as "
                        f"a number of 0 or more (e.g. 30), or unset it for {DEFAULT_INTERVAL:g}.")
    return seconds


def meter(mode: Mode | bool, desc: str, total: int | None = None, unit: str = "item",
          iterable: Iterable[Any] | None = None, stream: IO[str] | None = None) -> tqdm:
    """A tqdm for one step: ``update(n)`` as work finishes and ``close()`` at the end (or use
    it as a context manager, or iterate over it when ``iterable`` is given)."""
    from tqdm import tqdm

    mode = as_mode(mode)
    if mode == "off":
        return tqdm(iterable, total=total, disable=True)
    out = stream if stream is not None else sys.stderr
    if mode == "lines":
        return _lines_type()(iterable, out=out, desc=desc, total=total, unit=unit)
    from tqdm.auto import tqdm as auto

    return auto(iterable, desc=desc, total=total, unit=unit, leave=False, file=out)


def track(iterable: Iterable[T], mode: Mode | bool, desc: str, total: int | None = None,
          unit: str = "item") -> Iterator[T]:
    """``iterable``, counted as it is consumed."""
    with meter(mode, desc, total, unit, iterable=iterable) as counted:
        yield from counted


@contextmanager
def waiting(mode: Mode | bool, desc: str, stream: IO[str] | None = None) -> Iterator[None]:
    """A step that cannot count its work (loading weights): in ``lines`` mode, a line every
    interval while it lasts, so a log shows it is alive. Other modes print nothing here (on a
    terminal the library's own bar shows)."""
    if as_mode(mode) != "lines":
        yield
        return
    out = stream if stream is not None else sys.stderr
    started = time.monotonic()
    beat = _Beat(max(interval(), 1.0), lambda: _write(
        out, f"{desc}: {duration(time.monotonic() - started)} elapsed"))
    try:
        yield
    finally:
        beat.stop()


def progress_line(desc: str, n: float, total: float | None, unit: str, elapsed: float) -> str:
    """One progress line: counts, share, time spent and, while unfinished, time left (from the
    average rate so far)."""
    units = unit if (total or n) == 1 else f"{unit}s"
    if not total:
        return f"{desc}: {_count(n)} {units}, {duration(elapsed)} elapsed"
    share = f"{desc}: {_count(n)}/{_count(total)} {units} ({min(n / total, 1.0):.0%})"
    if n >= total:
        return f"{share}, done in {duration(elapsed)}"
    left = f", ~{duration(elapsed * (total - n) / n)} left" if n > 0 else ""
    return f"{share}, {duration(elapsed)} elapsed{left}"


def _count(n: float) -> str:
    return f"{n:.0f}" if float(n).is_integer() else f"{n:.1f}"


def duration(seconds: float) -> str:
    """41 s, 2 min, 1 h 05 min."""
    seconds = max(float(seconds), 0.0)
    if seconds < 59.5:
        return f"{seconds:.0f} s"
    if seconds < 3570:
        return f"{seconds / 60:.0f} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min"


class _Discard(io.TextIOBase):
    """Where a line-mode tqdm's own terminal output (carriage returns, clearing) goes."""

    def write(self, text: str) -> int:
        return len(text)


class _Beat:
    """``say()`` every ``seconds`` on a daemon thread, until stopped or until ``say`` (held
    weakly when it is a method) is gone: a meter nobody closed cannot beat forever."""

    def __init__(self, seconds: float, say: Callable[[], None]) -> None:
        self._stop = threading.Event()
        held = weakref.WeakMethod(say) if inspect.ismethod(say) else (lambda: say)
        self._thread = threading.Thread(target=self._run, args=(seconds, held), daemon=True,
                                        name="alignaudit-progress")
        self._thread.start()

    def _run(self, seconds: float, held: Callable[[], Callable[[], None] | None]) -> None:
        while not self._stop.wait(seconds):
            say = held()
            if say is None:
                return
            say()
            del say

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()


@cache
def _lines_type() -> type[tqdm]:
    """The line-mode tqdm class (made on first use: tqdm is imported only then)."""
    from tqdm import tqdm

    class _Lines(tqdm):
        """A tqdm that writes one plain line per display, at most every :func:`interval` seconds,
        and one at the end; a new count each time, except that a step whose counts come slower
        than :data:`QUIET_INTERVALS` intervals (one long batch) says its count again with the
        time."""

        monitor_interval = 0  # no monitor thread: there is no bar to redraw

        def __init__(self, iterable: Iterable[Any] | None, out: IO[str], **kwargs: Any) -> None:
            self._out = out
            self._shown: float | None = None
            self._every = interval()
            super().__init__(iterable, file=_Discard(), mininterval=self._every, miniters=1,
                             leave=True, **kwargs)
            self._said = time.monotonic()
            self._quiet = self._every * QUIET_INTERVALS
            self._beat = _Beat(self._quiet, self._still) if self._every > 0 else None

        def display(self, msg: str | None = None, pos: int | None = None) -> bool:
            """A line for the current count (tqdm's clearing and moving, ``msg``, are for
            terminals and dropped)."""
            if msg is None and self.n != 0 and self.n != self._shown:
                self._say()
            return True

        def close(self) -> None:
            beat = getattr(self, "_beat", None)  # absent when __init__ failed
            if beat is not None:
                beat.stop()
            super().close()

        def _still(self) -> None:
            if not self.disable and time.monotonic() - self._said >= self._quiet:
                self._say()

        def _say(self) -> None:
            self._shown, self._said = self.n, time.monotonic()
            _write(self._out, progress_line(self.desc, self.n, self.total, self.unit,
                                            self.format_dict["elapsed"]))

    return _Lines


def _write(out: IO[str], line: str) -> None:
    try:
        out.write(line + "\n")
        out.flush()
    except (OSError, ValueError):  # a closed or broken stream does not stop the run
        pass

"""The last resort: an unexpected exception (a bug) becomes a short message and a saved file.

The traceback goes to a file under alignaudit's cache folder (``errors/``), or the system's
temporary folder when that cannot be written; the message names the exception, that file and
what to do. Finished work is not touched: the journal holds every finished batch, and
``results.json`` and the pages are written atomically, so a re-run resumes.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import traceback
from pathlib import Path

from alignaudit._version import __version__
from alignaudit.backends.hf.resolve import cache_root
from alignaudit.cli.output import say


def save_traceback(exc: BaseException) -> Path | None:
    """Write the traceback, the version and the command line to a new file; its path, or None
    when no folder could take it."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (f"alignaudit {__version__}, Python {sys.version.split()[0]}\n"
            f"command: {' '.join(sys.argv)}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    for folder in (cache_root() / "errors", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f"alignaudit-error-{stamp}-", suffix=".txt",
                                        dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            return Path(name)
        except OSError:
            continue
    return None


def report_crash(exc: BaseException) -> None:
    """Tell the user, in one paragraph, that alignaudit failed and where the details are."""
    what = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}" if str(exc).strip() \
        else type(exc).__name__
    saved = save_traceback(exc)
    where = f"The details are saved in {saved}; please attach that file" if saved else \
        "The details could not be saved to a file; please copy this message"
    say(f"error: alignaudit stopped on an unexpected problem ({what}). This is most likely "
        f"a bug in alignaudit rather than a problem with your input. {where} when you report "
        "it. Work finished before it is kept: model calls are journaled in the --out "
        "folder's .journal, so the same command resumes from there.")

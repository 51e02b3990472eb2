"""One crontab entry that runs ``fitglute sync --quiet`` (python-crontab).

The entry is recognised by its comment, so ``install`` replaces it rather than adding a second
one. Where no ``crontab`` program exists (containers, Windows) the line is returned for the
runner to install by hand. ``FITGLUTE_CRONTAB=/path/file`` edits a plain file instead of the
user's crontab (tests, and systems that load cron files from a folder).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys

from fitglute.model.errors import InputError

COMMENT = "fitglute-sync"
_EVERY = re.compile(r"^\s*(\d+)\s*(m|min|h|d)\s*$")


class CronError(InputError):
    """A schedule cron cannot express (the field is the interval, ``every``)."""

    def __init__(self, template: str) -> None:
        super().__init__(template, "every")


def schedule(every: str) -> str:
    """``15m`` / ``1h`` / ``6h`` / ``1d`` → a cron expression (minute 7 spares the top of the hour)."""
    match = _EVERY.match(every)
    if not match:
        raise CronError(f"{{field}} {every!r}: use minutes, hours or days like 30m, 1h, 6h, 1d")
    n, unit = int(match[1]), match[2]
    if unit in ("m", "min"):
        if n < 5 or 60 % n:
            raise CronError(f"{{field}} {every}: minutes must divide 60 and be at least 5 (5m, 10m, 15m, 20m, 30m)")
        return f"*/{n} * * * *"
    if unit == "h":
        if not 1 <= n <= 23 or 24 % n:
            raise CronError(f"{{field}} {every}: hours must divide 24 (1h, 2h, 3h, 4h, 6h, 8h, 12h)")
        return "7 * * * *" if n == 1 else f"7 */{n} * * *"
    if n != 1:
        raise CronError(f"{{field}} {every}: at most daily (1d)")
    return "7 6 * * *"


def sync_command() -> str:
    """The command cron runs: this very interpreter, the same FITGLUTE_HOME, quiet."""
    home = os.environ.get("FITGLUTE_HOME")
    prefix = f"FITGLUTE_HOME={shlex.quote(home)} " if home else ""
    return f"{prefix}{shlex.quote(sys.executable)} -m fitglute sync --quiet"


def _tab():
    """The crontab to edit, or None when there is none to edit."""
    from crontab import CronTab

    path = os.environ.get("FITGLUTE_CRONTAB")
    if path:
        if not os.path.exists(path):
            open(path, "a").close()
        return CronTab(tabfile=path)
    if shutil.which("crontab") is None:
        return None
    return CronTab(user=True)


def line(every: str) -> str:
    """The crontab line, as python-crontab writes it: cron turns a bare ``%`` into a newline."""
    command = sync_command().replace("%", "\\%")
    return f"{schedule(every)} {command} # {COMMENT}"


def install(every: str) -> tuple[bool, str]:
    """Install (or replace) the entry → (installed?, the crontab line)."""
    expr = schedule(every)
    text = line(every)
    tab = _tab()
    if tab is None:
        return False, text
    tab.remove_all(comment=COMMENT)
    job = tab.new(command=sync_command(), comment=COMMENT)
    job.setall(expr)
    tab.write()
    return True, text


def show() -> list[str]:
    tab = _tab()
    return [] if tab is None else [str(job) for job in tab.find_comment(COMMENT)]


def remove() -> int:
    tab = _tab()
    if tab is None:
        return 0
    n = len(list(tab.find_comment(COMMENT)))
    tab.remove_all(comment=COMMENT)
    tab.write()
    return n


def available() -> bool:
    return bool(os.environ.get("FITGLUTE_CRONTAB")) or shutil.which("crontab") is not None

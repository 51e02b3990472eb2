"""One crontab entry that runs ``fitglute sync --quiet`` (python-crontab).

The entry is recognised by its comment, so ``install`` replaces it rather than adding a second
one. Where no ``crontab`` program exists (containers, Windows) the line is returned for the
runner to install by hand. ``FITGLUTE_CRONTAB=/path/file`` edits a plain file instead of the
user's crontab (tests, and systems that load cron files from a folder).

Before installing, :func:`trial_run` runs the very command once the way cron would — through
``/bin/sh`` with cron's bare environment (no variables from the runner's shell), the absolute
interpreter, ``FITGLUTE_HOME`` only if it is in the command — so an entry that would fail every
time (credentials only in shell variables, a broken config) is refused instead of "installed".
:func:`daily_cost` says what an interval costs in Strava requests.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass

from fitglute.model.errors import InputError
from fitglute.model.exitcodes import ExitCode

COMMENT = "fitglute-sync"
_EVERY = re.compile(r"^\s*(\d+)\s*(m|min|h|d)\s*$")


class CronError(InputError):
    """A schedule cron cannot express (the field is the interval, ``every``)."""

    def __init__(self, template: str) -> None:
        super().__init__(template, "every")


def interval_minutes(every: str) -> int:
    """The interval of a valid ``--every`` in minutes (``15m`` → 15, ``6h`` → 360, ``1d`` → 1440)."""
    schedule(every)
    match = _EVERY.match(every)
    assert match is not None
    n, unit = int(match[1]), match[2]
    return n * {"m": 1, "min": 1, "h": 60, "d": 1440}[unit]


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
    return f"{prefix}{shlex.quote(os.path.abspath(sys.executable))} -m fitglute sync --quiet"


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


# --------------------------------------------------------------------------------------------------
# the trial run and the cost
# --------------------------------------------------------------------------------------------------
#: exit codes of a sync that worked as far as cron is concerned (some runs failed, rate-limited)
WORKS = frozenset({ExitCode.OK, ExitCode.SOME_FAILED, ExitCode.DEFERRED})


@dataclass(frozen=True)
class Trial:
    """What the command did when run as cron would run it."""

    exit_code: int | None  # None: still running at the time limit (stopped)
    stderr: str

    @property
    def works(self) -> bool:
        return self.exit_code is None or self.exit_code in WORKS


def cron_environment() -> dict[str, str]:
    """The variables cron gives a job: no shell profile, no exported secrets, a bare PATH."""
    env = {"PATH": "/usr/bin:/bin", "SHELL": "/bin/sh"}
    for key in ("HOME", "LOGNAME", "USER"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    return env


def trial_run(timeout_s: float) -> Trial:
    """Run :func:`sync_command` once as cron would; a run still going at ``timeout_s`` is stopped
    (a first import may be long: that is not a failure)."""
    command = sync_command()
    argv = ["/bin/sh", "-c", command] if os.path.exists("/bin/sh") else shlex.split(command)
    try:
        done = subprocess.run(
            argv, env=cron_environment(), capture_output=True, text=True, timeout=timeout_s, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        return Trial(None, err)
    return Trial(done.returncode, done.stderr)


@dataclass(frozen=True)
class Cost:
    """Strava requests a schedule costs (Strava's default limits: 100 / 15 min and 1,000 a day for
    reads and writes, 200 / 2,000 overall; an app's own limits are in the answers' headers)."""

    syncs_per_day: int
    list_requests: int  # the pages of one listing, the last one empty
    per_day_idle: int  # when nothing is new: one full look a day (sync asks Strava nothing otherwise)
    per_new_run: int  # a listing, then one read and one write of its activity
    per_quarter_hour_idle: int


def list_requests(activities: int, per_page: int = 200) -> int:
    """Pages a listing of ``activities`` costs: the full ones, the short one, and the empty one."""
    return activities // per_page + 1 + (1 if activities % per_page else 0)


def daily_cost(every: str, activities: int) -> Cost:
    """What running sync every ``every`` costs with ``activities`` in the listed window."""
    from fitglute.exporters.strava import FULL_PASS_EVERY

    minutes = interval_minutes(every)
    pages = list_requests(activities)
    syncs = 1440 // minutes
    looks = max(1, round(86400 / FULL_PASS_EVERY.total_seconds()))  # with nothing new, Strava is asked this often
    return Cost(syncs, pages, min(syncs, looks) * pages, pages + 2, pages)


def recent_runs(days: int = 14) -> int:
    """Runs in the history of the last ``days`` (what a default sync lists; other sports add a few)."""
    from datetime import UTC, datetime, timedelta

    from fitglute import config
    from fitglute.history.store import Store, StoreError
    from fitglute.model.times import iso_utc

    if not config.db_path().exists():
        return 0
    since = (datetime.now(UTC) - timedelta(days=days)).timestamp()
    try:
        with Store(readonly=True) as store:
            return len(store.runs_between(iso_utc(since), "9999"))
    except StoreError:
        return 0

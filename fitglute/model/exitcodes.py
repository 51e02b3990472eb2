"""Exit codes: cron and scripts rely on them (README, "Exit codes"); one table for every command."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  #: everything analysed, or skipped because it is not a run
    SOME_FAILED = 1  #: some files or activities failed; each was reported in one line
    USAGE = 2  #: bad option, bad input value, or a config error
    DEFERRED = 3  #: rate-limited or another run holds the lock: the next run resumes
    AUTH = 4  #: authorisation needed (Strava)
    INTERRUPTED = 130  #: Ctrl-C

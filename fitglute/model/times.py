"""One text form for moments in time: ISO 8601 UTC to the second, ``2026-05-03T06:30:00Z``.

The store sorts runs by this text, the JSON carries it and sync compares Strava's times with it;
one helper for all of them means one format, which sorts like the time it names.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

DAY_S = 86400.0
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso_utc(ts: float) -> str:
    """Unix seconds → ``YYYY-MM-DDTHH:MM:SSZ`` (rounded to the second)."""
    return datetime.fromtimestamp(round(ts), tz=UTC).strftime(_FORMAT)


def now_iso() -> str:
    """The current moment in the same form."""
    return datetime.now(UTC).strftime(_FORMAT)


def parse_iso(text: str) -> float:
    """Any ISO 8601 time text → Unix seconds; naive times are UTC."""
    return parse_datetime(text).timestamp()


def parse_datetime(text: str) -> datetime:
    """Any ISO 8601 time text → an aware datetime; naive times are UTC."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def day_of(ts: float) -> date:
    """The UTC calendar day of Unix seconds."""
    return datetime.fromtimestamp(ts, tz=UTC).date()

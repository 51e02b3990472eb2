"""Checking injury-log input: the log feeds same-side-recurrence, so a typo must be an error."""

from __future__ import annotations

from datetime import date

from fitglute.model.errors import InputError
from fitglute.model.history import INJURY_SIDES, SITES

MAX_NOTE = 500


def validate_injury(
    side: str | None, site: str | None, day: str | None, note: str | None, today: date
) -> tuple[date, str, str, str]:
    """Check injury-log input → (date, site, side, note); :class:`InputError` with one readable line."""
    site_v = (site or "").strip().lower()
    side_v = (side or "").strip().lower()
    if not site_v:
        raise InputError(f"{{field}} is required (one of: {', '.join(SITES)})", "site")
    if site_v not in SITES:
        raise InputError(f"unknown {{field}} {site!r} (one of: {', '.join(SITES)})", "site")
    if not side_v:
        raise InputError("{field} is required (left, right or both)", "side")
    if side_v not in INJURY_SIDES:
        raise InputError(f"unknown {{field}} {side!r} (left, right or both)", "side")
    if day is None or not day.strip():
        when = today
    else:
        try:
            when = date.fromisoformat(day.strip())
        except ValueError:
            raise InputError(f"{{field}} {day!r} is not an ISO date like 2026-03-02", "date") from None
    if when > today:
        raise InputError(f"{{field}} {when.isoformat()} is in the future", "date")
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise InputError(f"{{field}} is too long ({len(text)} characters, at most {MAX_NOTE})", "note")
    return when, site_v, side_v, text

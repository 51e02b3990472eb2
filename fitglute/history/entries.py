"""Checking what the runner types into the logs: injuries, capacity tests and symptoms.

Why strict: the logs feed rules (same-side-recurrence, capacity-asymmetry, symptom-trend), so a
typo must be an error, never a silent value. Every problem is one :class:`InputError` line that
names the field; the command line shows it with its flag.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date
from typing import Any

from fitglute.model.capacity import PROTOCOLS, Protocol
from fitglute.model.errors import InputError
from fitglute.model.history import INJURY_SIDES, SITES, SYMPTOM_SCALES

MAX_NOTE = 500
SCALE_MAX = 10.0


def _site(site: str | None) -> str:
    value = (site or "").strip().lower()
    if not value:
        raise InputError(f"{{field}} is required (one of: {', '.join(SITES)})", "site")
    if value not in SITES:
        raise InputError(f"unknown {{field}} {site!r} (one of: {', '.join(SITES)})", "site")
    return value


def _side(side: str | None) -> str:
    value = (side or "").strip().lower()
    if not value:
        raise InputError("{field} is required (left, right or both)", "side")
    if value not in INJURY_SIDES:
        raise InputError(f"unknown {{field}} {side!r} (left, right or both)", "side")
    return value


def parse_day(day: str | None, today: date, *, default: date | None = None) -> date:
    """An ISO date, not in the future; empty → ``default`` (or today)."""
    if day is None or not day.strip():
        return default or today
    try:
        when = date.fromisoformat(day.strip())
    except ValueError:
        raise InputError(f"{{field}} {day!r} is not an ISO date like 2026-03-02", "date") from None
    if when > today:
        raise InputError(f"{{field}} {when.isoformat()} is in the future", "date")
    return when


def clean_note(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise InputError(f"{{field}} is too long ({len(text)} characters, at most {MAX_NOTE})", "note")
    return text


def parse_number(text: str | float | None, field: str, low: float, high: float, unit: str) -> float | None:
    """A finite number in ``low``–``high`` (None when not given); one readable line otherwise."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{{field}} {text!r} is not a number", field) from None
    if not math.isfinite(value):
        raise InputError(f"{{field}} {text!r} is not a number", field)
    if value < 0:
        raise InputError(f"{{field}} {value:g} is negative", field)
    if value < low or value > high:
        raise InputError(f"{{field}} {value:g} is outside {low:g}–{high:g} {unit}", field)
    return value


def validate_injury(
    side: str | None, site: str | None, day: str | None, note: str | None, today: date
) -> tuple[date, str, str, str]:
    """Check injury-log input → (date, site, side, note); :class:`InputError` with one readable line."""
    site_v = _site(site)
    side_v = _side(side)
    return parse_day(day, today), site_v, side_v, clean_note(note)


def protocol_of(kind: str | None) -> Protocol:
    value = (kind or "").strip().lower()
    if value not in PROTOCOLS:
        shown = f"unknown {{field}} {kind!r}" if value else "{field} is required"
        raise InputError(f"{shown} (one of: {', '.join(PROTOCOLS)})", "test")
    return PROTOCOLS[value]


def _score(text: str | None, field: str, protocol: Protocol) -> float:
    value = parse_number(text, field, 0.0, protocol.maximum, "points of pain" if protocol.pain else protocol.unit)
    if value is None:
        raise InputError(f"{{field}} is required ({protocol.kind} is scored in {protocol.unit} per side)", field)
    if protocol.whole and not value.is_integer():
        raise InputError(f"{{field}} {value:g} is not a whole number of {protocol.unit}", field)
    return value


def validate_test(
    kind: str | None, left: str | None, right: str | None, day: str | None, note: str | None, today: date
) -> tuple[date, str, float, float, str]:
    """Check a capacity test → (date, kind, left, right, note)."""
    protocol = protocol_of(kind)
    left_v = _score(left, "left", protocol)
    right_v = _score(right, "right", protocol)
    return parse_day(day, today), protocol.kind, left_v, right_v, clean_note(note)


def validate_symptom(
    site: str | None, side: str | None, scores: dict[str, str | None], note: str | None
) -> tuple[str, str, dict[str, float | None], str]:
    """Check a symptom entry (site, side, 0–10 scores, at least one) → (site, side, scores, note).

    The date is checked separately (:func:`parse_day`): it may default to the tied run's day.
    """
    site_v = _site(site)
    side_v = _side(side)
    values = {k: parse_number(scores.get(k), k, 0.0, SCALE_MAX, "points") for k in SYMPTOM_SCALES}
    if all(v is None for v in values.values()):
        raise InputError("no score given: rate during the run, after it or the next morning, 0–10", "during")
    return site_v, side_v, values, clean_note(note)


def resolve_run(store: Any, ref: str) -> tuple[str, date]:
    """The stored run a symptom is tied to → (sha256, its UTC day).

    ``ref`` is ``latest`` (the newest stored run) or a FIT / .fit.gz file, found by the sha256 of
    its decompressed bytes — the key the store keeps runs under, so a renamed or re-exported copy
    of the same recording is the same run. A run the store does not hold is an error.
    """
    from fitglute.decode import FitError, read_bytes
    from fitglute.model.times import day_of, parse_iso

    text = (ref or "").strip()
    if text.lower() == "latest":
        newest = store.latest_run()
        if newest is None:
            raise InputError("{field} latest: there are no runs in your history yet", "run")
        return newest[0], day_of(parse_iso(newest[1]))
    try:
        data, _ = read_bytes(text)
    except FitError as exc:
        shown = "no such file" if "No such file" in exc.reason else exc.reason
        raise InputError(f"{{field}} {text}: {shown}", "run") from None
    sha = hashlib.sha256(data).hexdigest()
    start = store.run_start(sha)
    if start is None:
        raise InputError(f"{{field}} {text}: this run is not in your history (import it first)", "run")
    return sha, day_of(parse_iso(start))

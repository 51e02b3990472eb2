"""Strava's rate limits, met by a limiter that never sleeps.

stravalib gets a limiter (:class:`RateBudget`) that reads ``X-RateLimit-*`` (overall) and
``X-ReadRateLimit-*`` (non-upload; it also counts our PUTs) from every API response and, once the
remaining budget of either window falls within ``rate_reserve_pct`` of its limit, makes the *next*
request raise :class:`RateLimited` without touching the network (the response that revealed it is
still returned). A 429, or usage beyond the limit, raises at once. ``not_before`` is the next
quarter hour (``:00/:15/:30/:45`` UTC) or the next UTC midnight for the daily window.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from fitglute.strava.errors import RateLimited

log = logging.getLogger("fitglute.strava")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def next_quarter_hour(now: datetime) -> datetime:
    """Strava's 15-minute windows reset at :00, :15, :30 and :45 UTC."""
    now = now.astimezone(UTC)
    start = now.replace(minute=now.minute // 15 * 15, second=0, microsecond=0)
    return start + timedelta(minutes=15)


def next_utc_midnight(now: datetime) -> datetime:
    """The daily window resets at midnight UTC."""
    now = now.astimezone(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def _parse_pair(value: str | None) -> tuple[int, int] | None:
    try:
        short, daily = (int(v.strip()) for v in str(value).split(",")[:2])
    except (TypeError, ValueError):
        return None
    return short, daily


def parse_rate_headers(headers: Mapping[str, str]) -> dict[str, tuple[int, int, int, int]]:
    """``{bucket: (short_usage, daily_usage, short_limit, daily_limit)}`` for each bucket present.

    ``overall`` comes from ``X-RateLimit-*``, ``read`` (Strava's non-upload bucket) from
    ``X-ReadRateLimit-*``. Both apply to everything fitglute sends (GET and PUT), so both are checked.
    """
    folded = {k.casefold(): v for k, v in headers.items()}
    buckets = {}
    for bucket, prefix in (("overall", "x-ratelimit"), ("read", "x-readratelimit")):
        usage = _parse_pair(folded.get(f"{prefix}-usage"))
        limit = _parse_pair(folded.get(f"{prefix}-limit"))
        if usage and limit:
            buckets[bucket] = (*usage, *limit)
    return buckets


class RateBudget:
    """A stravalib ``rate_limiter`` that raises :class:`RateLimited` instead of sleeping.

    stravalib calls it with the headers of every API response. Usage *beyond* a limit means Strava
    refused the request (refused requests count), so it raises at once. Usage within the reserve only
    arms :meth:`check`, which the client calls before the next request: the current response still
    reaches the caller (a PUT that went through is not reported as failed).
    """

    def __init__(self, reserve_pct: float = 5.0, clock: Callable[[], datetime] = _utcnow) -> None:
        self.reserve_pct = reserve_pct
        self.clock = clock
        self.blocked: RateLimited | None = None
        self.last: dict[str, tuple[int, int, int, int]] = {}

    def __call__(self, headers: Mapping[str, str], method: str) -> None:
        buckets = parse_rate_headers(headers)
        if not buckets:
            return
        self.last = buckets
        refused = self._verdict(buckets, strict=True)
        if refused is not None:
            self.blocked = refused
            raise refused
        nearly = self._verdict(buckets, strict=False)
        if nearly is not None:
            log.debug("Strava rate budget nearly spent (%s window); pausing until %s", nearly.window,
                      nearly.not_before.isoformat())
            self.blocked = nearly

    def check(self) -> None:
        """Raise before sending anything while a spent window has not reset yet."""
        if self.blocked is None:
            return
        if self.clock() < self.blocked.not_before:
            raise RateLimited(self.blocked.not_before, self.blocked.window)
        self.blocked = None

    def from_429(self, headers: Mapping[str, str]) -> RateLimited:
        """The error for a 429; without headers assume the 15-minute window."""
        verdict = self._verdict(parse_rate_headers(headers), strict=False)
        if verdict is None:
            verdict = RateLimited(next_quarter_hour(self.clock()))
        self.blocked = verdict
        return verdict

    def _verdict(
        self, buckets: Mapping[str, tuple[int, int, int, int]], *, strict: bool
    ) -> RateLimited | None:
        """Daily exhaustion wins (it lasts longer); ``strict`` means strictly over the limit."""
        now = self.clock()
        daily = short = False
        for short_use, daily_use, short_lim, daily_lim in buckets.values():
            daily |= self._spent(daily_use, daily_lim, strict)
            short |= self._spent(short_use, short_lim, strict)
        if daily:
            return RateLimited(next_utc_midnight(now), "daily")
        if short:
            return RateLimited(next_quarter_hour(now), "15-minute")
        return None

    def _spent(self, usage: int, limit: int, strict: bool) -> bool:
        if limit <= 0:
            return False
        if strict:
            return usage > limit
        return usage >= limit - math.ceil(limit * self.reserve_pct / 100)


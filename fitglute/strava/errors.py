"""Everything that stops fitglute from talking to Strava: one readable line each, never a token."""

from __future__ import annotations

from datetime import datetime

from fitglute.model import hints


class StravaError(Exception):
    """Anything that stops fitglute from talking to Strava; the message is one readable line.

    ``hint`` is the runner's next step as a :mod:`fitglute.model.hints` code (or None).
    """

    hint: str | None = None


class StravaAuthError(StravaError):
    """The Strava connection cannot be set up or used as configured (scope, credentials, app state)."""

    hint = hints.CONNECT_STRAVA


class AuthNeeded(StravaAuthError):
    """No usable tokens (never connected, revoked, or scope missing): the runner must re-run auth."""


class AppInactive(StravaAuthError):
    """Strava answered 403 "Application inactive": the API app's owner has to reactivate it."""

    hint = None


class ActivityNotFound(StravaError):
    """404: the activity was deleted or is not visible to this athlete (sync should forget the mapping)."""


class RateLimited(StravaError):
    """A rate-limit window is (nearly) spent; no request should be made before ``not_before`` (UTC)."""

    def __init__(self, not_before: datetime, window: str = "15-minute") -> None:
        self.not_before = not_before
        self.window = window
        super().__init__(
            f"Strava {window} rate limit reached; fitglute will wait until "
            f"{not_before:%Y-%m-%d %H:%M} UTC before calling Strava again."
        )


class StravaUnavailable(StravaError):
    """Network trouble, timeouts or 5xx after the bounded retries.

    ``may_have_applied`` is True when a write (PUT/POST) may have reached Strava before the failure;
    the caller should re-read before repeating it.
    """

    def __init__(self, message: str, *, may_have_applied: bool = False) -> None:
        self.may_have_applied = may_have_applied
        super().__init__(message)


class DeadlineReached(StravaError):
    """The sync's overall time limit passed: no request was started after it, the running one was cut."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"the sync reached its time limit ({seconds:g} s)")


class RequestRefused(StravaError):
    """Strava refused this one request (a 4xx other than 401/403/404/429): it concerns one activity."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"Strava rejected the request (HTTP {status}).")

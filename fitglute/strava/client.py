"""A hardened stravalib client: refresh with a margin, one retry after a 401, errors translated.

stravalib 2.6 (used unmodified, ``stravalib>=2.6,<3``) does the HTTP and the models, but out of
the box it is not safe for a cron job: no request timeouts, a rate limiter that *sleeps* up to
24 h, an auto-refresh that reads credentials only from ``STRAVA_CLIENT_*`` env vars, refreshes
with no safety margin, keeps the rotated refresh token only in memory, and warns through the root
logger. Here every request (OAuth included) goes through one session we control
(:mod:`.transport`), a limiter that never sleeps (:mod:`.ratelimit`), and tokens that persist
(:mod:`.tokens`). stravalib (~1.3 s) and requests are imported inside functions.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fitglute import config

if TYPE_CHECKING:
    from stravalib import Client

from fitglute.strava.errors import (
    ActivityNotFound,
    AppInactive,
    AuthNeeded,
    RequestRefused,
    StravaAuthError,
    StravaError,
    StravaUnavailable,
)
from fitglute.strava.ratelimit import RateBudget
from fitglute.strava.settings import APP_SETTINGS_URL, RERUN_AUTH, SCOPE_HINT, StravaSettings, load_settings
from fitglute.strava.tokens import StravaTokens, TokenStore, missing_scopes, scope_error_message
from fitglute.strava.transport import Deadline, make_session, network_error

log = logging.getLogger("fitglute.strava")


@contextlib.contextmanager
def quiet_stravalib() -> Iterator[None]:
    """stravalib warns via the *root* logger when STRAVA_CLIENT_* env vars are absent; silence that."""
    key = "SILENCE_TOKEN_WARNINGS"
    had = key in os.environ
    if not had:
        os.environ[key] = "true"
    try:
        yield
    finally:
        if not had:
            os.environ.pop(key, None)


class _Guard:
    """Per-client policy: refresh with a margin (persisting rotation), one retry after 401, translation."""

    def __init__(self, settings: StravaSettings, store: TokenStore, budget: RateBudget) -> None:
        self.settings = settings
        self.store = store
        self.budget = budget

    def request(self, api: Any, send: Callable[..., Any], url: str, *args: Any, **kwargs: Any) -> Any:
        """Wrap stravalib's ``ApiV3._request``: every error leaving here is a :class:`StravaError`."""
        import requests
        from stravalib import exc

        method = str(kwargs.get("method", "GET")).upper()
        token_call = "/oauth/token" in url
        try:
            if token_call:
                return self._token_call(send, url, *args, **kwargs)
            self.before_request(api)
            try:
                return send(url, *args, **kwargs)
            except exc.AccessUnauthorized as err:
                missing = missing_permissions(err)
                if missing:  # a refresh cannot add a permission: say so, and remember it for the next run
                    self.forget_scopes(missing)
                    raise AuthNeeded(scope_error_message(missing)) from None
                log.debug("Strava answered 401; refreshing the token and retrying once")
                self.refresh(api, force=True)
                self.budget.check()
                try:
                    return send(url, *args, **kwargs)
                except exc.AccessUnauthorized as err:
                    raise AuthNeeded(_unauthorized_message(err)) from None
        except StravaError:
            raise
        except exc.Fault as err:
            raise self._translate_fault(err, url, method) from None
        except requests.RequestException as err:
            raise network_error(err, method) from None

    def _token_call(self, send: Callable[..., Any], url: str, *args: Any, **kwargs: Any) -> Any:
        """OAuth token calls: 4xx goes back raw, since only the caller knows if it was exchange or refresh."""
        from stravalib import exc

        try:
            return send(url, *args, **kwargs)
        except exc.Fault as err:
            status = _status(err)
            if 400 <= status < 500 and status != 429:
                raise TokenRejected(err) from None
            raise

    def before_request(self, api: Any) -> None:
        """Stop early when rate-limited; refresh when less than the margin remains."""
        self.budget.check()
        expires = api.token_expires
        if expires is None or expires - time.time() < self.settings.refresh_margin_s:
            self.refresh(api, force=False)

    def refresh(self, api: Any, *, force: bool) -> None:
        """Refresh under the file lock; adopt another process's fresh tokens instead of rotating twice."""
        margin = self.settings.refresh_margin_s
        with self.store.locked():
            current = self.store.load()
            if current is None:
                raise AuthNeeded(f"Not connected to Strava; please {RERUN_AUTH}.")
            fresh_enough = current.seconds_left() > margin
            if fresh_enough and (not force or current.access_token != api.access_token):
                _adopt(api, current)
                return
            log.debug("Refreshing the Strava access token (%.0f s left)", current.seconds_left())
            client_id, secret = self.settings.with_token_file_credentials(current).app_credentials()
            try:
                info = api.refresh_access_token(
                    client_id=client_id, client_secret=secret, refresh_token=current.refresh_token
                )
            except TokenRejected as err:
                raise _refresh_rejected(err.fault) from None
            renewed = replace(
                current,
                access_token=info["access_token"],
                refresh_token=info["refresh_token"],
                expires_at=int(info["expires_at"]),
                updated_at=int(time.time()),
            )
            self.store.save(renewed)  # the old refresh token may be dead already: persist at once
            _adopt(api, renewed)

    def forget_scopes(self, missing: list[str]) -> None:
        """Strava says a granted scope is not there: record it so the next sync asks nothing of Strava."""
        with self.store.locked():
            current = self.store.load()
            if current is not None:
                scope = tuple(s for s in current.scope if s not in missing)
                self.store.save(replace(current, scope=scope, scope_verified=True))

    def _translate_fault(self, err: Exception, url: str, method: str) -> StravaError:
        from stravalib import exc

        status = _status(err)
        if status == 429:
            return self.budget.from_429(_headers(err))
        if isinstance(err, exc.ApplicationInactive):
            return AppInactive(
                "Strava says the fitglute API application is inactive (its owner needs an active Strava "
                f"subscription): log in as the app owner, reactivate it at {APP_SETTINGS_URL}, then retry."
            )
        if status == 403:
            return StravaAuthError(
                "Strava refused access (403 Forbidden). If every request fails like this, the API app "
                f"may be inactive: its owner should check {APP_SETTINGS_URL}; otherwise {RERUN_AUTH}."
            )
        if status == 404:
            return ActivityNotFound(
                f"Strava has nothing at {urlsplit(url).path} (deleted, or not visible to this account)."
            )
        if status >= 500:
            return StravaUnavailable(
                f"Strava is having trouble (HTTP {status}); try again later.",
                may_have_applied=method != "GET",
            )
        return RequestRefused(status)


class TokenRejected(StravaAuthError):
    """The token endpoint answered 4xx; exchange/refresh turn it into a precise message."""

    def __init__(self, fault: Exception) -> None:
        super().__init__(f"Strava's token endpoint refused the request; please {RERUN_AUTH}.")
        self.fault = fault


def _adopt(api: Any, tokens: StravaTokens) -> None:
    api.access_token = tokens.access_token
    api.refresh_token = tokens.refresh_token
    api.token_expires = tokens.expires_at


def _status(err: Exception) -> int:
    response = getattr(err, "response", None)
    return int(getattr(response, "status_code", 0) or 0)


def _headers(err: Exception) -> Mapping[str, str]:
    response = getattr(err, "response", None)
    return getattr(response, "headers", None) or {}


def _error_entries(err: Exception) -> list[dict[str, Any]]:
    """Strava's ``errors`` list from the response body (resource/field/code), if any."""
    response = getattr(err, "response", None)
    try:
        body = response.json() if response is not None else None
    except ValueError:
        return []
    entries = body.get("errors") if isinstance(body, dict) else None
    if isinstance(entries, dict):
        entries = [entries]
    return [e for e in entries or [] if isinstance(e, dict)]


def _mentions(err: Exception, *words: str) -> bool:
    text = json.dumps(_error_entries(err)).lower()
    return any(w in text for w in words)


def is_app_credential_problem(err: Exception) -> bool:
    entries = _error_entries(err)
    return any(e.get("resource") == "Application" or e.get("field") in ("client_id", "client_secret")
               for e in entries)


def _refresh_rejected(err: Exception) -> StravaAuthError:
    """400/401 from a refresh: either our app credentials are wrong or the grant was revoked."""
    if is_app_credential_problem(err):
        return StravaAuthError(
            "Strava rejected the app credentials (client_id / client_secret): check them against "
            f"{APP_SETTINGS_URL} and the [strava] section of {config.config_path()}."
        )
    return AuthNeeded(
        f"Strava no longer accepts fitglute's access (revoked or expired); please {RERUN_AUTH}."
    )


def missing_permissions(err: Exception) -> list[str]:
    """Scopes a 401 says are missing (Strava: ``field`` ``activity:write_permission``, ``code`` missing)."""
    missing = []
    for entry in _error_entries(err):
        name = str(entry.get("field") or "")
        if str(entry.get("code")) == "missing" and name.endswith("_permission"):
            missing.append(name.removesuffix("_permission"))
    return missing


def _unauthorized_message(err: Exception) -> str:
    if _mentions(err, "permission", "missing"):
        return f"Strava says fitglute lacks a permission; please {RERUN_AUTH} and {SCOPE_HINT}."
    return f"Strava no longer accepts fitglute's access; please {RERUN_AUTH}."


@functools.cache
def _api_class() -> type:
    """stravalib's ApiV3 with fitglute's policy in front of ``_request`` (built lazily)."""
    from stravalib.protocol import ApiV3

    class FitgluteApiV3(ApiV3):
        """Routes every request through :class:`_Guard` (refresh margin, 401 retry, error translation)."""

        guard: _Guard

        def _request(self, url: str, *args: Any, **kwargs: Any) -> Any:
            return self.guard.request(self, super()._request, url, *args, **kwargs)

    return FitgluteApiV3


def build_client(
    settings: StravaSettings, store: TokenStore, tokens: StravaTokens | None, deadline: Deadline | None = None
) -> Client:
    """A stravalib Client whose protocol object is our ApiV3 subclass, on our session and limiter."""
    from stravalib import Client

    budget = RateBudget(settings.rate_reserve_pct)
    session = make_session(settings, deadline)
    with quiet_stravalib():
        client = Client(rate_limiter=budget, requests_session=session)  # type: ignore[arg-type]
        api = _api_class()(
            access_token=tokens.access_token if tokens else None,
            refresh_token=tokens.refresh_token if tokens else None,
            token_expires=tokens.expires_at if tokens else None,
            requests_session=session,
            rate_limiter=budget,
        )
    # Never let stravalib's own margin-less, memory-only refresh run (it would if STRAVA_CLIENT_* is set).
    api.client_id = None
    api.client_secret = None
    api.guard = _Guard(settings, store, budget)
    client.protocol = api
    return client


def get_client(
    settings: StravaSettings | None = None, store: TokenStore | None = None, deadline: Deadline | None = None
) -> Client:
    """A ready stravalib ``Client`` for the connected athlete.

    It refreshes its token (under the file lock, persisting the rotation) whenever less than
    ``refresh_margin_s`` remains, retries once after a 401 (not after "permission missing": a
    refresh cannot grant it), raises :class:`RateLimited` instead of sleeping and
    :class:`DeadlineReached` at ``deadline``; every error it raises is a :class:`StravaError`. No
    request is made here.
    """
    settings = settings or load_settings()
    store = store or TokenStore()
    tokens = store.load()
    if tokens is None:
        raise AuthNeeded("Not connected to Strava yet.")
    missing = missing_scopes(tokens.scope)
    if missing:
        raise AuthNeeded(scope_error_message(missing))
    settings = settings.with_token_file_credentials(tokens)
    settings.app_credentials()  # fail now, not halfway through a sync
    return build_client(settings, store, tokens, deadline)


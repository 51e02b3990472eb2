"""Strava connection for fitglute: OAuth tokens, a hardened stravalib client, and the few calls sync needs.

Why this module exists
----------------------
stravalib 2.6 (used unmodified, ``stravalib>=2.6,<3``) does the HTTP and the models, but out of the box it
is not safe for a cron job: no request timeouts, a rate limiter that *sleeps* up to 24 h, an auto-refresh
that reads credentials only from ``STRAVA_CLIENT_*`` env vars, refreshes with no safety margin, keeps the
rotated refresh token only in memory, and warns through the root logger (which leaks onto stderr). This
module wraps it so that every request (OAuth included) goes through one ``requests.Session`` we control.

Importing this module is cheap: stravalib (~1.3 s), requests and filelock are imported inside functions.

Settings
--------
``[strava]`` in ``config.toml``; the environment variable ``FITGLUTE_STRAVA_<KEY>`` wins over the file
(CI, containers, tests). Keys: ``client_id``, ``client_secret``, ``base_url`` (default
``https://www.strava.com``; every stravalib request, OAuth included, is re-routed there),
``connect_timeout_s`` (10), ``read_timeout_s`` (30), ``max_attempts`` (3), ``retry_backoff_s`` (0.5),
``refresh_margin_s`` (300), ``rate_reserve_pct`` (5). If the app credentials are in neither place,
``fitglute auth strava`` can store them in the (0600) token file instead.

Retries (decision)
------------------
Bounded (``max_attempts`` tries; the first retry is immediate, then ``retry_backoff_s * 2**(n-1)``).
GET (and POST to ``/oauth/token``) are retried on connection errors, timeouts and 500/502/503/504.
A ``PUT`` is retried **only** when the connection could not be opened (the request never left this
machine). A read timeout or 5xx on a PUT may mean Strava applied it, and blindly re-sending could clobber
an edit the runner made in between, so it surfaces as ``StravaUnavailable(may_have_applied=True)``: the
sync layer re-GETs the description and compares before deciding to PUT again. 429 is never retried.

Rate limits
-----------
stravalib gets a limiter (:class:`RateBudget`) that never sleeps. It reads ``X-RateLimit-*`` (overall)
and ``X-ReadRateLimit-*`` (non-upload; it also counts our PUTs) from every API response and, once the
remaining budget of either window falls within ``rate_reserve_pct`` of its limit, makes the *next*
request raise :class:`RateLimited` without touching the network (the response that revealed it is still
returned). A 429, or usage beyond the limit, raises at once. ``not_before`` is the next quarter hour
(``:00/:15/:30/:45`` UTC) or the next UTC midnight for the daily window.

Tokens
------
``config_dir()/strava_tokens.json``: created 0600 via ``os.open`` (never chmod afterwards), replaced
atomically (temp file in the same folder + ``os.replace``), guarded by a ``filelock`` lock that also
serialises refresh-token rotation between overlapping cron runs. Tokens never appear in reprs, logs or
exception messages.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fitglute import config

if TYPE_CHECKING:
    import requests
    from stravalib import Client

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.strava.com"
REQUESTED_SCOPES: tuple[str, ...] = ("activity:read_all", "activity:write")
RUN_SPORT_TYPES = frozenset({"Run", "TrailRun", "VirtualRun"})
TOKEN_FILENAME = "strava_tokens.json"
RERUN_AUTH = "run `fitglute auth strava` again"
SCOPE_HINT = "tick both boxes (view your private activities, edit your activities)"
APP_SETTINGS_URL = "https://www.strava.com/settings/api"
_RETRY_STATUSES = (500, 502, 503, 504)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


# --------------------------------------------------------------------------------------------------
# Exceptions: one human line each, never a token.
# --------------------------------------------------------------------------------------------------
class StravaError(Exception):
    """Anything that stops fitglute from talking to Strava; the message is one readable line."""


class StravaAuthError(StravaError):
    """The Strava connection cannot be set up or used as configured (scope, credentials, app state)."""


class AuthNeeded(StravaAuthError):
    """No usable tokens (never connected, revoked, or scope missing): the runner must re-run auth."""


class AppInactive(StravaAuthError):
    """Strava answered 403 "Application inactive": the API app's owner has to reactivate it."""


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


# --------------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StravaSettings:
    """How to reach Strava. Defaults suit production; tests shrink timeouts and back-off."""

    client_id: int | None = None
    client_secret: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    max_attempts: int = 3
    retry_backoff_s: float = 0.5
    refresh_margin_s: float = 300.0
    rate_reserve_pct: float = 5.0

    def app_credentials(self) -> tuple[int, str]:
        """The API app's id and secret, or a clear error saying where to put them."""
        if self.client_id is None or not self.client_secret:
            raise StravaAuthError(
                "Strava app credentials missing: create an API app at "
                f"{APP_SETTINGS_URL}, then set client_id and client_secret under [strava] in "
                f"{config.config_path()} (or FITGLUTE_STRAVA_CLIENT_ID / FITGLUTE_STRAVA_CLIENT_SECRET)."
            )
        return self.client_id, self.client_secret

    def with_token_file_credentials(self, tokens: StravaTokens) -> StravaSettings:
        """Fill missing app credentials from the token file (saved there by ``auth strava``)."""
        return replace(
            self,
            client_id=self.client_id if self.client_id is not None else tokens.client_id,
            client_secret=self.client_secret or tokens.client_secret,
        )


def _setting_parsers() -> dict[str, Callable[[Any], Any]]:
    """Parser per settings field; typed from the dataclass defaults so the two cannot drift."""
    parsers: dict[str, Callable[[Any], Any]] = {}
    for f in fields(StravaSettings):
        if f.name == "client_id":
            parsers[f.name] = int
        elif f.name in ("client_secret", "base_url"):
            parsers[f.name] = str
        else:
            parsers[f.name] = type(f.default)
    return parsers


def load_settings(
    cfg: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> StravaSettings:
    """Read ``[strava]`` from the config file, then let ``FITGLUTE_STRAVA_<KEY>`` env vars override it."""
    cfg = config.load_config() if cfg is None else cfg
    env = os.environ if env is None else env
    section = cfg.get("strava", {}) if isinstance(cfg, Mapping) else {}
    if not isinstance(section, Mapping):
        raise config.ConfigError("[strava] in the config file must be a table")
    values: dict[str, Any] = {}
    for name, parse in _setting_parsers().items():
        raw = env.get(f"FITGLUTE_STRAVA_{name.upper()}")
        if raw in (None, ""):
            raw = section.get(name)
        if raw in (None, ""):
            continue
        try:
            values[name] = parse(raw)
        except (TypeError, ValueError):
            shown = "(hidden)" if name == "client_secret" else repr(raw)
            raise config.ConfigError(f"strava.{name}: invalid value {shown}") from None
    if "base_url" in values:
        values["base_url"] = _check_base_url(values["base_url"])
    if values.get("max_attempts", 1) < 1:
        raise config.ConfigError("strava.max_attempts must be at least 1")
    return StravaSettings(**values)


def _check_base_url(url: str) -> str:
    """Accept ``http(s)://host[:port][/prefix]``; the trailing slash is dropped so paths join cleanly."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise config.ConfigError(f"strava.base_url must look like https://host[:port], got {url!r}")
    return url.strip().rstrip("/")


# --------------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------------
def parse_scope(scope: str | Iterable[str] | None) -> tuple[str, ...]:
    """Strava sends the granted scope as ``read,activity:write,...``; normalise to a sorted tuple."""
    if scope is None:
        return ()
    items = scope.replace(" ", ",").split(",") if isinstance(scope, str) else scope
    return tuple(sorted({s.strip() for s in items if s and s.strip()}))


def missing_scopes(granted: Iterable[str]) -> list[str]:
    """Scopes fitglute needs but the runner did not grant (``activity:read_all`` implies ``read``)."""
    have = set(granted)
    return [s for s in REQUESTED_SCOPES if s not in have]


def scope_error_message(missing: Iterable[str]) -> str:
    """One line telling the runner exactly how to fix an incomplete grant."""
    return (
        f"Strava access is missing {', '.join(missing)}; fitglute needs it to read your runs and "
        f"write the note. Please {RERUN_AUTH} and {SCOPE_HINT}."
    )


@dataclass(frozen=True)
class StravaTokens:
    """What the token file holds. The repr never shows the tokens or the client secret."""

    access_token: str
    refresh_token: str
    expires_at: int
    scope: tuple[str, ...] = ()
    athlete_id: int | None = None
    athlete_name: str | None = None
    client_id: int | None = None
    client_secret: str | None = None
    scope_verified: bool = True
    updated_at: int = 0

    def __repr__(self) -> str:
        return (
            f"StravaTokens(athlete_id={self.athlete_id!r}, scope={self.scope!r}, "
            f"expires_at={self.expires_at!r}, access_token=<redacted>, refresh_token=<redacted>)"
        )

    __str__ = __repr__

    def seconds_left(self, now: float | None = None) -> float:
        """Seconds until the access token expires (negative once expired)."""
        return self.expires_at - (time.time() if now is None else now)

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["scope"] = list(self.scope)
        return data

    @classmethod
    def from_json(cls, data: Any) -> StravaTokens:
        """Parse the file contents; a damaged file means the runner has to authorise again."""
        try:
            known = {f.name for f in fields(cls)}
            kwargs = {k: v for k, v in data.items() if k in known}
            kwargs["scope"] = parse_scope(kwargs.get("scope"))
            tokens = cls(**kwargs)
            if not (tokens.access_token and tokens.refresh_token) or not isinstance(tokens.expires_at, int):
                raise ValueError
            return tokens
        except (AttributeError, TypeError, ValueError):
            raise AuthNeeded(f"The Strava token file is damaged; please {RERUN_AUTH}.") from None


class TokenStore:
    """The 0600 JSON token file plus the lock that serialises reads-refreshes-writes across processes."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config.config_dir() / TOKEN_FILENAME
        self._lock: Any = None

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    @contextlib.contextmanager
    def locked(self, timeout_s: float = 60.0) -> Iterator[None]:
        """Hold the token lock (re-entrant within this store object)."""
        import filelock

        self._ensure_dir()
        if self._lock is None:
            self._lock = filelock.FileLock(str(self.path) + ".lock", timeout=timeout_s)
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise StravaError(
                "Another fitglute process is updating the Strava tokens; try again in a minute."
            ) from None
        try:
            yield
        finally:
            self._lock.release()

    def load(self) -> StravaTokens | None:
        """The stored tokens, or None when the runner never connected (or logged out)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as err:
            raise StravaError(f"Cannot read the Strava token file {self.path}: {err.strerror}.") from None
        try:
            data = json.loads(raw)
        except ValueError:
            raise AuthNeeded(f"The Strava token file is damaged; please {RERUN_AUTH}.") from None
        return StravaTokens.from_json(data)

    def save(self, tokens: StravaTokens) -> None:
        """Write atomically with mode 0600 from the first byte, under the lock."""
        payload = json.dumps(tokens.to_json(), indent=2, sort_keys=True).encode("utf-8") + b"\n"
        with self.locked():
            _write_private(self.path, payload)

    def delete(self) -> bool:
        """Remove the token file; True when there was one."""
        with self.locked():
            try:
                self.path.unlink()
            except FileNotFoundError:
                return False
        return True

    def _ensure_dir(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)


def _write_private(path: Path, data: bytes) -> None:
    """Create a 0600 temp file beside ``path``, fsync it, then ``os.replace`` it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable where the platform allows it (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------------
# Rate limits
# --------------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------------
# Transport: one session, Strava only, timeouts, bounded retries, optional base-URL rewrite
# --------------------------------------------------------------------------------------------------
def _is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in _LOOPBACK_HOSTS


@functools.cache
def _adapter_classes() -> tuple[type, type]:
    """Build the adapter classes lazily so importing this module does not import requests."""
    import requests
    from requests.adapters import HTTPAdapter

    class StravaAdapter(HTTPAdapter):
        """Adds default timeouts and re-routes ``https://www.strava.com`` to the configured base URL."""

        def __init__(self, base_url: str, timeout: tuple[float, float], retry: Any) -> None:
            super().__init__(max_retries=retry)
            self.base_url = base_url
            self.default_timeout = timeout

        def send(self, request: Any, **kwargs: Any) -> Any:
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = self.default_timeout
            if self.base_url != DEFAULT_BASE_URL and request.url.startswith(DEFAULT_BASE_URL + "/"):
                request.url = self.base_url + request.url[len(DEFAULT_BASE_URL):]
                if _is_loopback(self.base_url):
                    kwargs["proxies"] = {}  # a local fake must never go through an env proxy
            return super().send(request, **kwargs)

    class RefuseAdapter(HTTPAdapter):
        """The bearer token goes to Strava (or the configured base) and nowhere else."""

        def send(self, request: Any, **kwargs: Any) -> Any:
            host = urlsplit(request.url).hostname
            raise requests.ConnectionError(f"fitglute only talks to Strava; refused a request to {host}")

    return StravaAdapter, RefuseAdapter


def _retry_policy(settings: StravaSettings, methods: Iterable[str]) -> Any:
    """urllib3 retry: connect errors for every method, reads/5xx only for ``methods`` (see module doc)."""
    from urllib3.util.retry import Retry

    extra = settings.max_attempts - 1
    return Retry(
        total=extra,
        connect=extra,
        read=extra,
        status=extra,
        other=0,
        redirect=0,
        allowed_methods=frozenset(methods),
        status_forcelist=_RETRY_STATUSES,
        backoff_factor=settings.retry_backoff_s,
        backoff_max=30,
        raise_on_status=False,
        respect_retry_after_header=False,
    )


def make_session(settings: StravaSettings | None = None) -> requests.Session:
    """The ``requests.Session`` handed to stravalib: every request it makes goes through here."""
    import requests

    settings = settings or load_settings()
    strava_adapter, refuse_adapter = _adapter_classes()
    timeout = (settings.connect_timeout_s, settings.read_timeout_s)
    session = requests.Session()
    session.mount("http://", refuse_adapter())
    session.mount("https://", refuse_adapter())
    # requests picks the longest matching prefix.
    session.mount(
        DEFAULT_BASE_URL + "/",
        strava_adapter(settings.base_url, timeout, _retry_policy(settings, ("GET", "HEAD"))),
    )
    # Token calls are POSTs but safe to repeat: a lost answer leaves the same refresh token usable
    # or already rotated; either way repeating cannot do harm beyond what the failure already did.
    session.mount(
        DEFAULT_BASE_URL + "/oauth/",
        strava_adapter(settings.base_url, timeout, _retry_policy(settings, ("GET", "HEAD", "POST"))),
    )
    return session


# --------------------------------------------------------------------------------------------------
# The client: stravalib's ApiV3 with our refresh, 401 retry and error translation
# --------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _quiet_stravalib() -> Iterator[None]:
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
            except exc.AccessUnauthorized:
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
            raise _network_error(err, method) from None

    def _token_call(self, send: Callable[..., Any], url: str, *args: Any, **kwargs: Any) -> Any:
        """OAuth token calls: 4xx goes back raw, since only the caller knows if it was exchange or refresh."""
        from stravalib import exc

        try:
            return send(url, *args, **kwargs)
        except exc.Fault as err:
            status = _status(err)
            if 400 <= status < 500 and status != 429:
                raise _TokenRejected(err) from None
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
            except _TokenRejected as err:
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
        return StravaError(f"Strava rejected the request (HTTP {status}).")


class _TokenRejected(StravaAuthError):
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


def _is_app_credential_problem(err: Exception) -> bool:
    entries = _error_entries(err)
    return any(e.get("resource") == "Application" or e.get("field") in ("client_id", "client_secret")
               for e in entries)


def _refresh_rejected(err: Exception) -> StravaAuthError:
    """400/401 from a refresh: either our app credentials are wrong or the grant was revoked."""
    if _is_app_credential_problem(err):
        return StravaAuthError(
            "Strava rejected the app credentials (client_id / client_secret): check them against "
            f"{APP_SETTINGS_URL} and the [strava] section of {config.config_path()}."
        )
    return AuthNeeded(
        f"Strava no longer accepts fitglute's access (revoked or expired); please {RERUN_AUTH}."
    )


def _unauthorized_message(err: Exception) -> str:
    if _mentions(err, "permission", "missing"):
        return f"Strava says fitglute lacks a permission; please {RERUN_AUTH} and {SCOPE_HINT}."
    return f"Strava no longer accepts fitglute's access; please {RERUN_AUTH}."


def _network_error(err: Exception, method: str) -> StravaUnavailable:
    import requests

    reason = getattr(err.args[0], "reason", None) if err.args else None  # urllib3's MaxRetryError
    if isinstance(err, requests.Timeout) or "Timeout" in type(reason).__name__:
        message = "Strava did not answer in time; try again later."
    elif isinstance(err, requests.ConnectionError):
        message = "Could not reach Strava (network down?); try again later."
    else:
        message = "Strava sent an answer fitglute could not read; try again later."
    never_sent = isinstance(err, requests.ConnectTimeout)
    return StravaUnavailable(message, may_have_applied=method != "GET" and not never_sent)


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


def _build_client(settings: StravaSettings, store: TokenStore, tokens: StravaTokens | None) -> Client:
    """A stravalib Client whose protocol object is our ApiV3 subclass, on our session and limiter."""
    from stravalib import Client

    budget = RateBudget(settings.rate_reserve_pct)
    session = make_session(settings)
    with _quiet_stravalib():
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


def get_client(settings: StravaSettings | None = None, store: TokenStore | None = None) -> Client:
    """A ready stravalib ``Client`` for the connected athlete.

    It refreshes its token (under the file lock, persisting the rotation) whenever less than
    ``refresh_margin_s`` remains, retries once after a 401, raises :class:`RateLimited` instead of
    sleeping, and every error it raises is a :class:`StravaError`. No request is made here.
    """
    settings = settings or load_settings()
    store = store or TokenStore()
    tokens = store.load()
    if tokens is None:
        raise AuthNeeded("Not connected to Strava yet: run `fitglute auth strava`.")
    missing = missing_scopes(tokens.scope)
    if missing:
        raise AuthNeeded(scope_error_message(missing))
    settings = settings.with_token_file_credentials(tokens)
    settings.app_credentials()  # fail now, not halfway through a sync
    return _build_client(settings, store, tokens)


# --------------------------------------------------------------------------------------------------
# OAuth
# --------------------------------------------------------------------------------------------------
def authorization_url(
    redirect_uri: str,
    state: str,
    *,
    settings: StravaSettings | None = None,
    force_prompt: bool = False,
) -> str:
    """The consent page URL (requests ``activity:read_all,activity:write``); makes no request."""
    from stravalib import Client

    settings = settings or load_settings()
    client_id, _ = settings.app_credentials()
    with _quiet_stravalib():
        url = Client(rate_limit_requests=False).authorization_url(
            client_id=client_id,
            redirect_uri=redirect_uri,
            approval_prompt="force" if force_prompt else "auto",
            scope=list(REQUESTED_SCOPES),  # type: ignore[arg-type]
            state=state,
        )
    if settings.base_url != DEFAULT_BASE_URL and url.startswith(DEFAULT_BASE_URL + "/"):
        url = settings.base_url + url[len(DEFAULT_BASE_URL):]
    return url


def exchange_code(
    code: str,
    granted_scope: str | None,
    *,
    settings: StravaSettings | None = None,
    store: TokenStore | None = None,
    save_app_credentials: bool = False,
) -> StravaTokens:
    """Trade the one-time code from the redirect for tokens and store them (0600).

    ``granted_scope`` is the ``scope`` query value Strava put in the redirect; it is checked *before*
    the code is spent. ``None`` means unknown (the runner pasted a bare code): the requested scopes
    are recorded with ``scope_verified=False`` and a missing permission will surface as
    :class:`AuthNeeded` on the first write. ``save_app_credentials`` also stores client id/secret
    in the token file (used when they came from a prompt rather than config/env).
    """
    settings = settings or load_settings()
    store = store or TokenStore()
    scope = parse_scope(granted_scope) if granted_scope is not None else REQUESTED_SCOPES
    missing = missing_scopes(scope)
    if missing:
        raise StravaAuthError(scope_error_message(missing))
    code = code.strip()
    if not code:
        raise StravaAuthError(f"No authorization code received from Strava; please {RERUN_AUTH}.")
    client_id, secret = settings.app_credentials()
    client = _build_client(settings, store, None)
    try:
        info, athlete = client.exchange_code_for_token(
            client_id=client_id, client_secret=secret, code=code, return_athlete=True
        )
    except _TokenRejected as err:
        raise _exchange_rejected(err.fault) from None
    tokens = StravaTokens(
        access_token=info["access_token"],
        refresh_token=info["refresh_token"],
        expires_at=int(info["expires_at"]),
        scope=scope,
        athlete_id=getattr(athlete, "id", None),
        athlete_name=_athlete_name(athlete),
        client_id=client_id,
        client_secret=secret if save_app_credentials else None,
        scope_verified=granted_scope is not None,
        updated_at=int(time.time()),
    )
    store.save(tokens)
    return tokens


def _exchange_rejected(err: Exception) -> StravaAuthError:
    if _is_app_credential_problem(err):
        return StravaAuthError(
            "Strava rejected the app credentials (client_id / client_secret); check them at "
            f"{APP_SETTINGS_URL}."
        )
    return StravaAuthError(
        "Strava did not accept the authorization code (codes are single-use and expire within "
        f"minutes); please {RERUN_AUTH}."
    )


def _athlete_name(athlete: Any) -> str | None:
    parts = [getattr(athlete, "firstname", None), getattr(athlete, "lastname", None)]
    name = " ".join(p for p in parts if p)
    return name or None


def deauthorize(settings: StravaSettings | None = None, store: TokenStore | None = None) -> None:
    """Ask Strava to revoke fitglute's access (the caller deletes the token file)."""
    client = get_client(settings, store)
    client.deauthorize()


# --------------------------------------------------------------------------------------------------
# What sync needs
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ActivityInfo:
    """A Strava activity as the list endpoint returns it.

    There is **no description** here: Strava's summary objects do not carry it, so reading the
    runner's text costs one :func:`get_description` (``GET /activities/{id}``) per activity.
    """

    id: int
    name: str
    sport_type: str
    start_date: datetime  # timezone-aware UTC
    elapsed_time_s: int
    moving_time_s: int
    distance_m: float | None
    external_id: str | None
    manual: bool = False
    trainer: bool = False

    @property
    def is_run(self) -> bool:
        return self.sport_type in RUN_SPORT_TYPES


def _enum_text(value: Any) -> str:
    value = getattr(value, "root", value)
    return "" if value is None else str(value)


def activity_info(activity: Any) -> ActivityInfo:
    """Convert a stravalib Summary/DetailedActivity into plain types."""
    start = activity.start_date
    if start is not None:
        start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    distance = activity.distance
    return ActivityInfo(
        id=int(activity.id),
        name=activity.name or "",
        sport_type=_enum_text(activity.sport_type) or _enum_text(activity.type),
        start_date=start,
        elapsed_time_s=int(activity.elapsed_time or 0),
        moving_time_s=int(activity.moving_time or 0),
        distance_m=float(distance) if distance is not None else None,
        external_id=activity.external_id,
        manual=bool(activity.manual),
        trainer=bool(activity.trainer),
    )


def list_recent_runs(
    client: Client, after: datetime, before: datetime | None = None, *, limit: int | None = None
) -> list[ActivityInfo]:
    """Run-type activities (Run, TrailRun, VirtualRun) started after ``after``, oldest first.

    Naive datetimes are taken as UTC. One list request per 200 activities.
    """
    items = client.get_activities(after=_as_utc(after), before=_as_utc(before) if before else None,
                                  limit=limit)
    runs = [info for info in (activity_info(a) for a in items) if info.is_run]
    return sorted(runs, key=lambda a: (a.start_date or datetime.min.replace(tzinfo=UTC), a.id))


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def get_description(client: Client, activity_id: int) -> str:
    """The activity's current description ("" when empty); one GET of the detailed activity."""
    return client.get_activity(activity_id).description or ""


def update_description(client: Client, activity_id: int, text: str) -> str:
    """PUT the full description (only that field is sent); returns what Strava stored.

    Not retried after a read timeout or 5xx (see the module doc): on
    ``StravaUnavailable(may_have_applied=True)`` re-read with :func:`get_description` first.
    """
    updated = client.update_activity(activity_id, description=text)
    return updated.description or ""

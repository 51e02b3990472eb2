"""A small intervals.icu client on ``requests``: settings, the stored API key, paced and retried GETs.

Why our own and this small: two documented endpoints are all fitglute needs (list activities,
download the original file), and no maintained client is worth a dependency. Every request:

* authenticates with HTTP Basic, user name literally ``API_KEY`` (the key is never logged, never
  in a message, never in a repr — requests puts it in a header, not in the URL);
* keeps at most ``1 / min_interval_s`` requests per second (intervals.icu allows about 10/s per IP);
* has a connect and a read timeout, and a download has a total deadline (a server that trickles
  bytes cannot hold a cron run);
* is retried on 5xx and network errors (``max_attempts``, growing back-off); a 401/403 means the
  key is refused, a 429 defers the source (``Retry-After`` honoured).

Settings: ``[intervals]`` in config.toml, each overridden by ``FITGLUTE_INTERVALS_<KEY>``:
``base_url`` (for a proxy, or the fake server the tests use), ``connect_timeout_s``,
``read_timeout_s``, ``download_timeout_s``, ``max_attempts``, ``retry_backoff_s``,
``min_interval_s``, ``page_days``. The key comes from ``FITGLUTE_INTERVALS_API_KEY`` or the 0600
key file (:func:`fitglute.config.intervals_key_path`), never from config.toml.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fitglute import config
from fitglute.model import hints
from fitglute.sources import ItemFailed, SourceAuthNeeded, SourceDeferred, SourceUnavailable

DEFAULT_BASE_URL = "https://intervals.icu"
KEY_ENV = "FITGLUTE_INTERVALS_API_KEY"
DEFAULT_RETRY_AFTER_S = 60.0


@dataclass(frozen=True)
class IntervalsSettings:
    base_url: str = DEFAULT_BASE_URL
    athlete_id: str = "0"  # 0 = the key's owner
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    download_timeout_s: float = 120.0
    max_attempts: int = 3
    retry_backoff_s: float = 0.5
    min_interval_s: float = 0.15  # ≈ 7 requests/s, under the ~10/s intervals.icu allows per IP
    page_days: int = 30  # one list request covers this many days


def load_settings() -> IntervalsSettings:
    def check(values: dict[str, Any]) -> None:
        if "base_url" in values:
            values["base_url"] = config.check_base_url(values["base_url"], "intervals.base_url")
        if values.get("max_attempts", 1) < 1 or values.get("page_days", 1) < 1:
            raise config.ConfigError("intervals.max_attempts and intervals.page_days must be at least 1")

    return config.load_section(IntervalsSettings, "intervals", env_prefix="FITGLUTE_INTERVALS_", check=check)


# --------------------------------------------------------------------------- the key


def stored_key() -> str | None:
    """The API key: ``FITGLUTE_INTERVALS_API_KEY``, else the key file, else None."""
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        return env
    path = config.intervals_key_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        raise SourceAuthNeeded(f"{path} is damaged; store the key again", hints.CONNECT_INTERVALS) from None
    key = data.get("api_key") if isinstance(data, dict) else None
    return key.strip() if isinstance(key, str) and key.strip() else None


def save_key(key: str) -> None:
    config.write_private(config.intervals_key_path(), json.dumps({"api_key": key}).encode() + b"\n")


def delete_key() -> bool:
    try:
        config.intervals_key_path().unlink()
    except FileNotFoundError:
        return False
    return True


# --------------------------------------------------------------------------- the client


class IntervalsClient:
    """Paced, retried, time-bounded GETs against intervals.icu (``count`` is called per request)."""

    def __init__(
        self,
        settings: IntervalsSettings,
        key: str,
        count: Callable[[], None] = lambda: None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import requests

        self.settings = settings
        self.session = requests.Session()
        self.session.auth = ("API_KEY", key)
        self.session.headers["User-Agent"] = "fitglute"
        self._count, self._sleep, self._clock = count, sleep, clock
        self._last: float | None = None

    def __repr__(self) -> str:
        return f"IntervalsClient({self.settings.base_url!r}, key=<hidden>)"

    def close(self) -> None:
        self.session.close()

    def activities(self, oldest: str, newest: str) -> list[dict[str, Any]]:
        """``GET /api/v1/athlete/{id}/activities?oldest=…&newest=…`` (dates, inclusive)."""
        path = f"/api/v1/athlete/{self.settings.athlete_id}/activities"
        resp = self._get(path, {"oldest": oldest, "newest": newest})
        try:
            body = resp.json()
        except ValueError:
            raise SourceUnavailable("intervals.icu sent a list that is not JSON") from None
        if not isinstance(body, list):
            raise SourceUnavailable("intervals.icu sent an unexpected activity list")
        return [a for a in body if isinstance(a, dict)]

    def original_file(self, activity_id: str) -> bytes:
        """``GET /api/v1/activity/{id}/file``: the upload as recorded (usually gzip)."""
        resp = self._get(f"/api/v1/activity/{activity_id}/file", stream=True)
        deadline = self._clock() + self.settings.download_timeout_s
        chunks = []
        import requests

        try:
            for chunk in resp.iter_content(64 * 1024):
                chunks.append(chunk)
                if self._clock() > deadline:
                    raise SourceUnavailable(
                        f"download of activity {activity_id} took over {self.settings.download_timeout_s:.0f} s"
                    )
        except requests.RequestException as exc:
            raise SourceUnavailable(f"download of activity {activity_id} broke off ({type(exc).__name__})") from None
        finally:
            resp.close()
        return b"".join(chunks)

    # ------------------------------------------------------------------ one request

    def _pace(self) -> None:
        if self._last is not None:
            wait = self.settings.min_interval_s - (self._clock() - self._last)
            if wait > 0:
                self._sleep(wait)
        self._last = self._clock()

    def _get(self, path: str, params: dict[str, str] | None = None, *, stream: bool = False) -> Any:
        import requests

        s = self.settings
        url = s.base_url + path
        problem = ""
        for attempt in range(s.max_attempts):
            if attempt:
                self._sleep(s.retry_backoff_s * 2 ** (attempt - 1))
            self._pace()
            self._count()
            try:
                resp = self.session.get(
                    url, params=params, timeout=(s.connect_timeout_s, s.read_timeout_s), stream=stream
                )
            except requests.RequestException as exc:
                problem = f"no answer ({type(exc).__name__})"
                continue
            if resp.status_code >= 500:
                problem = f"HTTP {resp.status_code}"
                resp.close()
                continue
            if resp.status_code in (401, 403):
                resp.close()
                raise SourceAuthNeeded(
                    f"intervals.icu refused the API key (HTTP {resp.status_code})", hints.CONNECT_INTERVALS
                )
            if resp.status_code == 429:
                wait = _retry_after(resp.headers.get("Retry-After"))
                resp.close()
                until = datetime.now(UTC) + timedelta(seconds=wait)
                raise SourceDeferred("intervals.icu rate limit reached", until.replace(microsecond=0))
            if resp.status_code == 404:
                resp.close()
                raise ItemFailed("intervals.icu has no such file (HTTP 404)")
            if resp.status_code >= 400:
                resp.close()
                raise ItemFailed(f"intervals.icu refused the request (HTTP {resp.status_code})")
            return resp
        raise SourceUnavailable(f"intervals.icu unavailable: {problem} after {s.max_attempts} attempt(s)")


def _retry_after(value: str | None) -> float:
    try:
        return max(1.0, float(value)) if value else DEFAULT_RETRY_AFTER_S
    except ValueError:
        return DEFAULT_RETRY_AFTER_S

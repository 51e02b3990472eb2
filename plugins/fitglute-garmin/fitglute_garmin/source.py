"""The Garmin Connect source: list runs by date, download each one's original (a zip with the FIT).

Settings: ``[garmin]`` in config.toml, each overridden by ``FITGLUTE_GARMIN_<KEY>``:
``min_interval_s`` (1.0: at most one request per second), ``retry_attempts`` (2, for 5xx and
network errors), ``retry_min_wait_s`` (1.0), ``base_url`` (empty: Garmin itself; a proxy, or the
fake Garmin Connect the tests run on 127.0.0.1 — garminconnect has no such option, so its
client's service addresses are set to it, garminconnect itself unmodified).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fitglute import api

TOKEN_FILE = "garmin_tokens.json"
RATE_LIMIT_PAUSE = timedelta(minutes=15)
RELOGIN = "the Garmin Connect login has expired or was refused; log in again"


@dataclass(frozen=True)
class GarminSettings:
    base_url: str = ""
    min_interval_s: float = 1.0
    retry_attempts: int = 2
    retry_min_wait_s: float = 1.0


def load_settings() -> GarminSettings:
    def check(values: dict[str, Any]) -> None:
        if values.get("base_url"):
            values["base_url"] = api.check_base_url(values["base_url"], "garmin.base_url")
        if values.get("retry_attempts", 0) < 0:
            raise api.ConfigError("garmin.retry_attempts must be 0 or more")

    return api.load_section(GarminSettings, "garmin", env_prefix="FITGLUTE_GARMIN_", check=check)


def token_path() -> Path:
    return api.config_dir() / TOKEN_FILE


def _quiet_library() -> None:
    """garminconnect's retry warnings go nowhere (a cron run prints only fitglute's own lines)."""
    logger = logging.getLogger("garminconnect")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    logger.propagate = False


def _paced_adapter(settings: GarminSettings, counted: Any) -> Any:
    """A requests adapter that keeps ≥ ``min_interval_s`` between requests and counts them."""
    from requests.adapters import HTTPAdapter

    class Paced(HTTPAdapter):
        last = 0.0

        def send(self, request: Any, **kwargs: Any) -> Any:
            wait = settings.min_interval_s - (time.monotonic() - Paced.last)
            if wait > 0:
                time.sleep(wait)
            Paced.last = time.monotonic()
            counted()
            return super().send(request, **kwargs)

    return Paced()


def client(settings: GarminSettings, counted: Any = lambda: None, **login: Any) -> Any:
    """A ``garminconnect.Garmin``; without ``login`` (email, password) it can only use stored tokens."""
    from garminconnect import Garmin

    _quiet_library()
    garmin = Garmin(retry_attempts=settings.retry_attempts, retry_min_wait=settings.retry_min_wait_s,
                    retry_max_wait=max(settings.retry_min_wait_s, 10.0), **login)
    inner = garmin.client
    if settings.base_url:
        base = settings.base_url
        addresses = {a: base for a in ("_sso", "_connect", "_connectapi", "_ios_service_url",
                                       "_mobile_sso_service_url", "_portal_service_url")}
        addresses["_di_token_url"] = f"{base}/di-oauth2-service/oauth/token"
        missing = [a for a in addresses if not hasattr(inner, a)]
        if missing:  # a garminconnect that moved them: never let a redirected run reach Garmin itself
            raise api.ConfigError(f"garmin.base_url: this garminconnect has no {', '.join(missing)} to redirect")
        for attr, url in addresses.items():
            setattr(inner, attr, url)
    adapter = _paced_adapter(settings, counted)
    inner._api_session.mount("https://", adapter)
    inner._api_session.mount("http://", adapter)
    return garmin


def _translate(exc: Exception) -> api.SourceError:
    """garminconnect's exceptions → one readable line with fitglute's meaning."""
    from garminconnect import (
        GarminConnectAuthenticationError,
        GarminConnectNotFoundError,
        GarminConnectTooManyRequestsError,
    )

    if isinstance(exc, GarminConnectAuthenticationError):
        return api.SourceAuthNeeded(RELOGIN, api.CONNECT_GARMIN)
    if isinstance(exc, GarminConnectTooManyRequestsError):
        return api.SourceDeferred("Garmin Connect rate limit reached", datetime.now(UTC) + RATE_LIMIT_PAUSE)
    if isinstance(exc, GarminConnectNotFoundError):
        return api.ItemFailed("Garmin Connect has no such activity file")
    return api.SourceUnavailable(f"Garmin Connect unavailable ({type(exc).__name__})")


def _errors() -> tuple[type[Exception], ...]:
    import garminconnect

    return (
        garminconnect.GarminConnectConnectionError,
        garminconnect.GarminConnectAuthenticationError,
        garminconnect.GarminConnectTooManyRequestsError,
    )


def is_run(activity: dict[str, Any]) -> bool:
    kind = (activity.get("activityType") or {}).get("typeKey") or ""
    return "run" in str(kind)


class GarminPuller:
    def __init__(self, ctx: Any) -> None:
        path = token_path()
        if not path.is_file():
            raise api.SourceAuthNeeded("not logged in to Garmin Connect", api.CONNECT_GARMIN)
        self.ctx = ctx
        self.garmin = client(load_settings(), self._counted)
        try:
            self.garmin.client.load(str(path))  # the stored tokens only: no password, ever
        except _errors():
            raise api.SourceAuthNeeded(f"{path} cannot be read; log in again", api.CONNECT_GARMIN) from None

    def _counted(self) -> None:
        self.ctx.requests += 1

    def list_new(self) -> Any:
        listing = api.Listing()
        first, last = (self.ctx.since - timedelta(days=1)).date(), (self.ctx.until + timedelta(days=1)).date()
        try:
            found = self.garmin.get_activities_by_date(first.isoformat(), last.isoformat(), sortorder="asc")
        except _errors() as exc:
            raise _translate(exc) from None
        for act in found:
            ident = str(act.get("activityId", ""))
            if not ident:
                continue
            if not is_run(act):
                listing.skip("not a run")
            elif self.ctx.known(ident):
                listing.skip("fetched before")
            else:
                km = (act.get("distance") or 0) / 1000
                label = f"{act.get('activityName') or 'Run'} {act.get('startTimeLocal', '')}, {km:.1f} km"
                listing.items.append(api.Item(ident, f"{ident}_ACTIVITY", act.get("startTimeGMT"), None, label))
        return listing

    def fetch(self, item: Any) -> bytes:
        from garminconnect import Garmin

        try:
            return self.garmin.download_activity(item.key, dl_fmt=Garmin.ActivityDownloadFormat.ORIGINAL)
        except _errors() as exc:
            raise _translate(exc) from None


def connect(prompt: Any, force: bool = False) -> str:
    """Log in once, interactively (email, password, MFA code); garminconnect stores the tokens 0600."""
    path = token_path()
    if path.is_file() and not force:
        return f"Garmin Connect: already logged in (tokens in {path}, readable only by you)"
    if not prompt.interactive:
        raise api.SourceAuthNeeded("logging in to Garmin Connect needs a terminal (email, password, MFA code)")
    prompt.say("Garmin Connect has no official API for this: fitglute uses the one Garmin's apps use (garminconnect).")
    email = prompt.ask("Garmin Connect email").strip()
    password = prompt.secret("Garmin Connect password")
    garmin = client(load_settings(), email=email, password=password,
                    prompt_mfa=lambda: prompt.secret("MFA code Garmin sent you").strip())
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    from garminconnect import GarminConnectAuthenticationError

    try:
        garmin.login(tokenstore=str(path))
    except GarminConnectAuthenticationError:
        raise api.SourceAuthNeeded("Garmin Connect refused the login (email, password or MFA code)") from None
    except _errors() as exc:
        raise _translate(exc) from None
    if path.is_file():
        path.chmod(0o600)
    return f"Garmin Connect: logged in; tokens stored in {path} (readable only by you, refreshed by themselves)"


def disconnect() -> str | None:
    path = token_path()
    try:
        path.unlink()
    except FileNotFoundError:
        return None
    return f"deleted {path}"


GARMIN = api.Source(
    "garmin",
    description="Garmin Connect (unofficial API): new runs' original FIT files, with stored tokens",
    pull=GarminPuller,
    connect=connect,
    disconnect=disconnect,
    title="Garmin Connect",
)

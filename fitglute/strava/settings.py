"""How to reach Strava: ``[strava]`` in ``config.toml``, overridden by ``FITGLUTE_STRAVA_<KEY>``.

Keys: ``client_id``, ``client_secret``, ``base_url`` (default ``https://www.strava.com``; every
stravalib request, OAuth included, is re-routed there), ``connect_timeout_s`` (10),
``read_timeout_s`` (30), ``max_attempts`` (3), ``retry_backoff_s`` (0.5), ``refresh_margin_s``
(300), ``rate_reserve_pct`` (5). ``auth strava`` also keeps the app credentials in the (0600)
token file, whichever way they were given: cron runs see neither the shell's variables nor, when
config changes, the same file, yet need the secret to refresh the token.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fitglute import config
from fitglute.strava.errors import StravaAuthError

if TYPE_CHECKING:
    from fitglute.strava.tokens import StravaTokens

DEFAULT_BASE_URL = "https://www.strava.com"
REQUESTED_SCOPES: tuple[str, ...] = ("activity:read_all", "activity:write")
RUN_SPORT_TYPES = frozenset({"Run", "TrailRun", "VirtualRun"})
RERUN_AUTH = "connect fitglute to Strava again"  # the command layer adds how (hint CONNECT_STRAVA)
SCOPE_HINT = "tick both boxes (view your private activities, edit your activities)"
APP_SETTINGS_URL = "https://www.strava.com/settings/api"


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


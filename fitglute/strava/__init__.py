"""Strava for fitglute: settings, tokens, rate limits, transport, the client and OAuth.

stravalib is used unmodified; everything here wraps it so an unattended cron job is safe (see
:mod:`.client`). Importing this package is cheap: stravalib and requests load when first used.
"""

from fitglute.strava.activities import (
    ActivityInfo,
    activity_info,
    athlete,
    get_description,
    list_recent_runs,
    update_description,
)
from fitglute.strava.client import get_client
from fitglute.strava.errors import (
    ActivityNotFound,
    AppInactive,
    AuthNeeded,
    DeadlineReached,
    RateLimited,
    RequestRefused,
    StravaAuthError,
    StravaError,
    StravaUnavailable,
)
from fitglute.strava.oauth import authorization_url, deauthorize, exchange_code
from fitglute.strava.ratelimit import RateBudget, next_quarter_hour, next_utc_midnight, parse_rate_headers
from fitglute.strava.settings import (
    APP_SETTINGS_URL,
    DEFAULT_BASE_URL,
    REQUESTED_SCOPES,
    RERUN_AUTH,
    RUN_SPORT_TYPES,
    SCOPE_HINT,
    StravaSettings,
    load_settings,
)
from fitglute.strava.tokens import (
    TOKEN_FILENAME,
    StravaTokens,
    TokenStore,
    missing_scopes,
    parse_scope,
    scope_error_message,
)
from fitglute.strava.transport import Deadline, make_session

__all__ = [
    "APP_SETTINGS_URL",
    "DEFAULT_BASE_URL",
    "REQUESTED_SCOPES",
    "RERUN_AUTH",
    "RUN_SPORT_TYPES",
    "SCOPE_HINT",
    "TOKEN_FILENAME",
    "ActivityInfo",
    "ActivityNotFound",
    "AppInactive",
    "AuthNeeded",
    "Deadline",
    "DeadlineReached",
    "RateBudget",
    "RateLimited",
    "RequestRefused",
    "StravaAuthError",
    "StravaError",
    "StravaSettings",
    "StravaTokens",
    "StravaUnavailable",
    "TokenStore",
    "activity_info",
    "athlete",
    "authorization_url",
    "deauthorize",
    "exchange_code",
    "get_client",
    "get_description",
    "list_recent_runs",
    "load_settings",
    "make_session",
    "missing_scopes",
    "next_quarter_hour",
    "next_utc_midnight",
    "parse_rate_headers",
    "parse_scope",
    "scope_error_message",
    "update_description",
]

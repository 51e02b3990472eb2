"""Connecting fitglute to Strava: the consent page, the code exchange, and revoking access."""

from __future__ import annotations

import time
from typing import Any

from fitglute.strava.client import TokenRejected, build_client, get_client, is_app_credential_problem, quiet_stravalib
from fitglute.strava.errors import StravaAuthError
from fitglute.strava.settings import (
    APP_SETTINGS_URL,
    DEFAULT_BASE_URL,
    REQUESTED_SCOPES,
    RERUN_AUTH,
    StravaSettings,
    load_settings,
)
from fitglute.strava.tokens import StravaTokens, TokenStore, missing_scopes, parse_scope, scope_error_message


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
    with quiet_stravalib():
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
    in the token file (``auth strava`` always does: cron needs them to refresh).
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
    client = build_client(settings, store, None)
    try:
        info, athlete = client.exchange_code_for_token(
            client_id=client_id, client_secret=secret, code=code, return_athlete=True
        )
    except TokenRejected as err:
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
    if is_app_credential_problem(err):
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

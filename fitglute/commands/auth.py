"""``fitglute auth …``: connect fitglute to Strava, show the connection, or remove it.

Why a separate command group: posting notes needs a one-time, interactive OAuth consent, while
``sync`` runs unattended (cron). This is the only place that talks to the runner about Strava access.

Exit codes: 0 ok, 2 usage/config problem, 4 authorisation needed or failed. Errors are one line on
stderr, without a traceback. Tokens are never printed. stravalib is imported only when a command
actually needs it, so ``fitglute --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from fitglute.model.exitcodes import ExitCode

if TYPE_CHECKING:
    from fitglute.strava import StravaSettings, StravaTokens

app = typer.Typer(
    help="Connect fitglute to Strava so it can write its note into your runs.",
    no_args_is_help=True,
    add_completion=False,
)

EXIT_USAGE = ExitCode.USAGE
EXIT_AUTH = ExitCode.AUTH
# --no-browser: nothing listens here, the browser shows an error page and the runner copies its address.
PASTE_REDIRECT_URI = "http://127.0.0.1/callback"
REVOKE_URL = "https://www.strava.com/settings/apps"


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"fitglute: {message}", err=True)
    raise typer.Exit(code)


@contextlib.contextmanager
def _cli_errors() -> Iterator[None]:
    """Turn fitglute's exceptions into one stderr line and the documented exit code."""
    from fitglute.config import ConfigError
    from fitglute.strava import StravaError

    try:
        yield
    except ConfigError as err:
        _fail(str(err), EXIT_USAGE)
    except StravaError as err:
        from fitglute.commands.hints import with_hint

        _fail(with_hint(str(err), err.hint), EXIT_AUTH)
    except KeyboardInterrupt:
        _fail("interrupted.", ExitCode.INTERRUPTED)


# --------------------------------------------------------------------------------------------------
# auth strava
# --------------------------------------------------------------------------------------------------
@app.command("strava")
def strava_login(
    no_browser: Annotated[
        bool,
        typer.Option("--no-browser", help="Print the link; then paste back the address Strava sends you to."),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Show Strava's consent page even if you approved before.")
    ] = False,
    timeout: Annotated[int, typer.Option(min=10, help="Seconds to wait for the browser.")] = 300,
    client_id: Annotated[
        int | None, typer.Option("--client-id", help="Your Strava API app's client ID (else config/env).")
    ] = None,
) -> None:
    """Authorise fitglute on Strava (view private activities + edit activities)."""
    with _cli_errors():
        from fitglute import strava
        from fitglute.strava import redirect

        settings = _app_settings(client_id)
        state = secrets.token_urlsafe(16)
        if no_browser:
            answer, bare = _paste_flow(settings, state, force)
        else:
            answer, bare = _browser_flow(settings, state, force, timeout), False
        code, scope = redirect.check_answer(answer, state, bare_code=bare)
        tokens = strava.exchange_code(code, scope, settings=settings, save_app_credentials=True)
        typer.echo(_connected_message(tokens))


def _app_settings(client_id: int | None) -> StravaSettings:
    """Config/env credentials, then the token file, then (interactive only) a prompt.

    Whichever way they came, the id and secret are then saved in the 0600 token file: cron runs
    without the shell's environment, yet needs the secret to refresh the token.
    """
    from dataclasses import replace

    from fitglute import strava
    from fitglute.config import ConfigError

    settings = strava.load_settings()
    if client_id is not None:
        settings = replace(settings, client_id=client_id)
    if settings.client_id is None or not settings.client_secret:
        with contextlib.suppress(strava.StravaError):
            existing = strava.TokenStore().load()
            if existing is not None:
                settings = settings.with_token_file_credentials(existing)
    if settings.client_id is not None and settings.client_secret:
        return settings
    if not _interactive():
        try:
            settings.app_credentials()
        except strava.StravaAuthError as err:
            raise ConfigError(str(err)) from None
    typer.echo(f"fitglute needs your own Strava API app (create one at {strava.APP_SETTINGS_URL};")
    typer.echo("set its Authorization Callback Domain to 127.0.0.1).")
    if settings.client_id is None:
        settings = replace(settings, client_id=typer.prompt("Client ID", type=int))
    secret = typer.prompt("Client Secret", hide_input=True).strip()
    return replace(settings, client_secret=secret)


def _interactive() -> bool:
    """Prompting only makes sense on a terminal (never under cron or a pipe)."""
    return sys.stdin.isatty()


def _browser_flow(settings: StravaSettings, state: str, force: bool, timeout: int) -> dict[str, str]:
    """Open the consent page and catch Strava's redirect on the loopback server."""
    import webbrowser

    from fitglute import strava
    from fitglute.strava import redirect

    def open_consent(redirect_uri: str) -> None:
        url = strava.authorization_url(redirect_uri, state, settings=settings, force_prompt=force)
        typer.echo("Opening Strava in your browser. Approve fitglute and keep both boxes ticked.")
        typer.echo(f"If no browser opens, visit:\n  {url}")
        webbrowser.open(url)

    answer = redirect.wait_for_redirect(state, timeout, open_consent)
    if answer is None:
        raise strava.StravaAuthError(
            f"No answer from Strava within {timeout} s; run `fitglute auth strava` again "
            "(or add --no-browser to paste the address by hand)."
        )
    return answer


def _paste_flow(settings: StravaSettings, state: str, force: bool) -> tuple[dict[str, str], bool]:
    """Headless: print the link, read back the redirect address (or the bare code) from stdin."""
    from fitglute import strava
    from fitglute.strava import redirect

    url = strava.authorization_url(PASTE_REDIRECT_URI, state, settings=settings, force_prompt=force)
    typer.echo("Open this link in any browser and approve fitglute (keep both boxes ticked):")
    typer.echo(f"  {url}")
    typer.echo("Strava then sends you to a 127.0.0.1 page that will not load; copy its full address.")
    pasted = typer.prompt("Paste that address (or just the code)").strip()
    return redirect.parse_pasted(pasted)


def _connected_message(tokens: StravaTokens) -> str:
    who = tokens.athlete_name or "your account"
    lines = [
        f"Connected to Strava as {who} (athlete {tokens.athlete_id}).",
        f"Permissions: {', '.join(tokens.scope)}.",
    ]
    if not tokens.scope_verified:
        lines.append(
            "Note: a bare code does not say which boxes were ticked. If a sync reports a missing "
            "permission, run `fitglute auth strava` again and paste the whole address."
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# auth status / logout
# --------------------------------------------------------------------------------------------------
@app.command("status")
def status(
    offline: Annotated[bool, typer.Option("--offline", help="Only read the token file; do not ask Strava.")] = False,
) -> None:
    """Show the Strava connection: athlete, permissions, token expiry (never the tokens).

    Asks Strava once (the athlete, one cheap request) whether the token still works, so a
    connection revoked on strava.com is reported as such. Exit 0 connected, 4 not (or no longer)
    connected, 3 Strava could not be reached to check.
    """
    with _cli_errors():
        from fitglute import strava

        store = strava.TokenStore()
        tokens = store.load()
        if tokens is None:
            _fail("not connected to Strava; run `fitglute auth strava`.", EXIT_AUTH)
        verified = "" if tokens.scope_verified else " (not verified)"
        missing = strava.missing_scopes(tokens.scope)
        if missing:
            _fail(strava.scope_error_message(missing) + " Run `fitglute auth strava`.", EXIT_AUTH)
        checked = ""
        if not offline:
            try:
                athlete_id, name = strava.athlete(strava.get_client(store=store))
            except strava.StravaError as err:
                if isinstance(err, strava.StravaAuthError):
                    raise  # revoked, or the app is inactive: one line and exit 4 (_cli_errors)
                checked = f"not checked: {err}"
            else:
                tokens = store.load() or tokens  # a refresh on the way is on disk now
                who = name or tokens.athlete_name
                checked = f"working (Strava knows athlete {athlete_id}{', ' + who if who else ''})"
        typer.echo(f"Strava: connected as {tokens.athlete_name or '?'} (athlete {tokens.athlete_id})")
        typer.echo(f"Permissions: {', '.join(tokens.scope) or 'none'}{verified}")
        typer.echo(f"Access token: {_expiry_text(tokens.expires_at)}")
        if checked:
            typer.echo(f"Checked with Strava: {checked}")
        typer.echo(f"Token file: {store.path}")
        if checked.startswith("not checked"):
            raise typer.Exit(ExitCode.DEFERRED)


def _expiry_text(expires_at: int, now: float | None = None) -> str:
    now = time.time() if now is None else now
    when = datetime.fromtimestamp(expires_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    left = int(expires_at - now)
    if left <= 0:
        return f"expired {when} (renewed automatically on the next Strava call)"
    hours, minutes = divmod(left // 60, 60)
    return f"valid until {when} ({hours} h {minutes:02d} min left; renewed automatically)"


@app.command("logout")
def logout(
    local_only: Annotated[
        bool, typer.Option("--local-only", help="Only delete the local token file; do not ask Strava.")
    ] = False,
) -> None:
    """Revoke fitglute's Strava access (best effort) and delete the local token file."""
    with _cli_errors():
        from fitglute import strava
        from fitglute.config import ConfigError

        store = strava.TokenStore()
        if not store.path.exists():
            typer.echo("Not connected to Strava; nothing to remove.")
            return
        revoked = False
        if not local_only:
            try:
                strava.deauthorize(store=store)
                revoked = True
            except (strava.StravaError, ConfigError) as err:
                typer.echo(
                    f"fitglute: warning: could not revoke access on Strava ({err}); "
                    f"you can remove fitglute at {REVOKE_URL}.",
                    err=True,
                )
        store.delete()
        done = "access revoked on Strava, " if revoked else ""
        typer.echo(f"Disconnected from Strava: {done}token file removed.")

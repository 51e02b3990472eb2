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
from collections.abc import Callable, Iterator
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
CALLBACK_PATH = "/callback"
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

        settings, save_credentials = _app_settings(client_id)
        state = secrets.token_urlsafe(16)
        answer = _paste_flow(settings, state, force) if no_browser else _browser_flow(settings, state, force, timeout)
        code, scope = _check_answer(answer, state)
        tokens = strava.exchange_code(code, scope, settings=settings, save_app_credentials=save_credentials)
        typer.echo(_connected_message(tokens))


def _app_settings(client_id: int | None) -> tuple[StravaSettings, bool]:
    """Config/env credentials, then the token file, then (interactive only) a prompt.

    Returns the settings and whether the secret must be (re-)saved in the 0600 token file, which is
    the case when it came from a prompt or from that file already: cron needs it to refresh.
    """
    from dataclasses import replace

    from fitglute import strava
    from fitglute.config import ConfigError

    settings = strava.load_settings()
    if client_id is not None:
        settings = replace(settings, client_id=client_id)
    if settings.client_id is not None and settings.client_secret:
        return settings, False
    with contextlib.suppress(strava.StravaError):
        existing = strava.TokenStore().load()
        if existing is not None:
            settings = settings.with_token_file_credentials(existing)
    if settings.client_id is not None and settings.client_secret:
        return settings, True
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
    return replace(settings, client_secret=secret), True


def _interactive() -> bool:
    """Prompting only makes sense on a terminal (never under cron or a pipe)."""
    return sys.stdin.isatty()


def _browser_flow(settings: StravaSettings, state: str, force: bool, timeout: int) -> dict[str, str]:
    """Open the consent page and catch Strava's redirect on a one-shot loopback server."""
    import webbrowser

    from fitglute import strava

    def open_consent(redirect_uri: str) -> None:
        url = strava.authorization_url(redirect_uri, state, settings=settings, force_prompt=force)
        typer.echo("Opening Strava in your browser. Approve fitglute and keep both boxes ticked.")
        typer.echo(f"If no browser opens, visit:\n  {url}")
        webbrowser.open(url)

    answer = _wait_for_redirect(state, timeout, open_consent)
    if answer is None:
        raise strava.StravaAuthError(
            f"No answer from Strava within {timeout} s; run `fitglute auth strava` again "
            "(or add --no-browser to paste the address by hand)."
        )
    return answer


def _wait_for_redirect(state: str, timeout: float, on_ready: Callable[[str], None]) -> dict[str, str] | None:
    """Serve ``http://127.0.0.1:<free port>/callback`` until a request with our state arrives.

    Bound to loopback only (never the LAN). Requests with another state (a stale tab, a forged
    link) get a 400 and are otherwise ignored. Returns the query parameters, or None on timeout.
    """
    import http.server
    from urllib.parse import parse_qs, urlsplit

    answer: dict[str, str] = {}

    class Callback(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            if parts.path != CALLBACK_PATH or not ({"code", "error"} & params.keys()):
                self._reply(404, "Not found.")
            elif not secrets.compare_digest(params.get("state", ""), state):
                self._reply(
                    400,
                    "This answer does not belong to the sign-in fitglute started. Run `fitglute auth strava` again.",
                )
            else:
                answer.update(params)
                if "code" in params:
                    self._reply(200, "fitglute received Strava's answer. You can close this tab now.")
                else:
                    self._reply(200, "fitglute was not authorised. You can close this tab.")

        def _reply(self, status: int, text: str) -> None:
            body = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep the terminal clean
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Callback)
    try:
        on_ready(f"http://127.0.0.1:{server.server_address[1]}{CALLBACK_PATH}")
        deadline = time.monotonic() + timeout
        while not answer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            server.timeout = left
            server.handle_request()
        return answer
    finally:
        server.server_close()


def _paste_flow(settings: StravaSettings, state: str, force: bool) -> dict[str, str]:
    """Headless: print the link, read back the redirect address (or the bare code) from stdin."""
    from fitglute import strava

    url = strava.authorization_url(PASTE_REDIRECT_URI, state, settings=settings, force_prompt=force)
    typer.echo("Open this link in any browser and approve fitglute (keep both boxes ticked):")
    typer.echo(f"  {url}")
    typer.echo("Strava then sends you to a 127.0.0.1 page that will not load; copy its full address.")
    pasted = typer.prompt("Paste that address (or just the code)").strip()
    return parse_pasted(pasted)


def parse_pasted(text: str) -> dict[str, str]:
    """Query parameters from a pasted redirect address; a bare code becomes ``{"code": ...}``."""
    from urllib.parse import parse_qs, urlsplit

    from fitglute.strava import StravaAuthError

    text = text.strip()
    if "=" in text:
        query = urlsplit(text).query if "?" in text else text
        return {k: v[-1] for k, v in parse_qs(query).items()}
    if text and text.replace("-", "").replace("_", "").isalnum():
        return {"code": text}
    raise StravaAuthError("That is neither the address Strava sent you to nor a code; please try again.")


def _check_answer(answer: dict[str, str], state: str) -> tuple[str, str | None]:
    """Code and granted scope from Strava's answer; declined consent or a foreign state is an error."""
    from fitglute.strava import RERUN_AUTH, SCOPE_HINT, StravaAuthError

    if "error" in answer:
        raise StravaAuthError(
            f"Strava says access was not granted ({answer['error']}); please {RERUN_AUTH}, click "
            f"Authorize and {SCOPE_HINT}."
        )
    if "state" in answer and not secrets.compare_digest(answer["state"], state):
        raise StravaAuthError(f"That address belongs to a different sign-in attempt; please {RERUN_AUTH}.")
    code = answer.get("code", "").strip()
    if not code:
        raise StravaAuthError(f"No authorization code in Strava's answer; please {RERUN_AUTH}.")
    return code, answer.get("scope")


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
def status() -> None:
    """Show the Strava connection: athlete, permissions, token expiry (never the tokens)."""
    with _cli_errors():
        from fitglute import strava

        store = strava.TokenStore()
        tokens = store.load()
        if tokens is None:
            _fail("not connected to Strava; run `fitglute auth strava`.", EXIT_AUTH)
        verified = "" if tokens.scope_verified else " (not verified)"
        typer.echo(f"Strava: connected as {tokens.athlete_name or '?'} (athlete {tokens.athlete_id})")
        typer.echo(f"Permissions: {', '.join(tokens.scope) or 'none'}{verified}")
        typer.echo(f"Access token: {_expiry_text(tokens.expires_at)}")
        typer.echo(f"Token file: {store.path}")
        missing = strava.missing_scopes(tokens.scope)
        if missing:
            _fail(strava.scope_error_message(missing), EXIT_AUTH)


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

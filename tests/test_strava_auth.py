"""fitglute.strava and `fitglute auth` against a fake Strava on 127.0.0.1 (stravalib itself is not mocked)."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
import threading
import time
import traceback
from datetime import UTC, datetime, timedelta

import pytest
import requests
import typer
from fake_strava import CLIENT_SECRET, FakeStrava, fake_strava_fixture, next_quarter
from typer.testing import CliRunner

from fitglute import strava
from fitglute.commands import auth as auth_cmd
from fitglute.model import hints


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FITGLUTE_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def fake(monkeypatch, home):
    yield from fake_strava_fixture(monkeypatch, home)


def token_file(home) -> dict:
    return json.loads((home / "config" / strava.TOKEN_FILENAME).read_text())


def cli() -> typer.Typer:
    root = typer.Typer()
    root.add_typer(auth_cmd.app, name="auth")
    return root


# ------------------------------------------------------------------------------------------ OAuth
def test_exchange_code_stores_tokens_0600_without_chmod(fake: FakeStrava, home, monkeypatch):
    def no_chmod(*args, **kwargs):
        raise AssertionError("token file must be created 0600, never chmod-ed afterwards")

    monkeypatch.setattr(os, "chmod", no_chmod)
    code = fake.issue_code()
    tokens = strava.exchange_code(code, "read,activity:write,activity:read_all")

    path = home / "config" / strava.TOKEN_FILENAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    data = token_file(home)
    assert data["access_token"] == tokens.access_token and data["refresh_token"] == tokens.refresh_token
    assert data["scope"] == ["activity:read_all", "activity:write", "read"]
    assert data["athlete_id"] == 99 and data["athlete_name"] == "Ann Runner"
    assert data["client_secret"] is None  # came from env/config: not copied into the file
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
    (req,) = fake.calls("POST", "/oauth/token")
    assert req.form["grant_type"] == "authorization_code" and req.form["code"] == code
    assert req.query == {} and "Authorization" not in req.headers
    assert tokens.access_token not in repr(tokens) and "<redacted>" in repr(tokens)


@pytest.mark.parametrize("granted", ["read,activity:read_all", "read,activity:write", "read"])
def test_missing_scope_is_a_clear_error_and_the_code_is_not_spent(fake: FakeStrava, home, granted):
    code = fake.issue_code(granted)
    with pytest.raises(strava.StravaAuthError) as err:
        strava.exchange_code(code, granted)
    message = str(err.value)
    assert "connect fitglute to Strava again" in message and "tick both boxes" in message
    assert err.value.hint == hints.CONNECT_STRAVA and "fitglute auth" not in message  # the CLI words it
    assert "activity:" in message and "\n" not in message
    assert fake.calls() == []
    assert not (home / "config" / strava.TOKEN_FILENAME).exists()


def test_bad_code_is_an_auth_error(fake: FakeStrava):
    with pytest.raises(strava.StravaAuthError, match="single-use"):
        strava.exchange_code("not-a-code", "activity:read_all,activity:write")


def test_authorization_url_requests_both_scopes_and_follows_base_url(fake: FakeStrava):
    url = strava.authorization_url("http://127.0.0.1:5/callback", "st4te")
    assert url.startswith(fake.base_url + "/oauth/authorize?")
    assert "scope=activity%3Aread_all%2Cactivity%3Awrite" in url and "state=st4te" in url


def test_not_connected_is_auth_needed(fake: FakeStrava):
    with pytest.raises(strava.AuthNeeded, match="Not connected to Strava yet") as err:
        strava.get_client()
    assert err.value.hint == hints.CONNECT_STRAVA


def test_missing_app_credentials_say_where_to_put_them(fake: FakeStrava, monkeypatch):
    fake.login()
    monkeypatch.delenv("FITGLUTE_STRAVA_CLIENT_SECRET")
    with pytest.raises(strava.StravaAuthError, match="client_secret"):
        strava.get_client()


# ------------------------------------------------------------------------------------ refreshing
def test_token_expiring_within_5_min_is_refreshed_before_the_call(fake: FakeStrava, home):
    old = fake.login(expires_in=120)
    fake.add_activity(1, description="Easy 10k")
    client = strava.get_client()
    assert fake.calls() == []  # building the client makes no request

    assert strava.get_description(client, 1) == "Easy 10k"

    assert fake.paths() == ["POST /oauth/token", "GET /api/v3/activities/1"]
    refresh, get = fake.calls()
    assert refresh.form["grant_type"] == "refresh_token" and refresh.form["refresh_token"] == old.refresh_token
    stored = token_file(home)
    assert stored["refresh_token"] != old.refresh_token  # the rotated one is on disk already
    assert stored["refresh_token"] in fake.refresh_tokens
    assert get.bearer == stored["access_token"]
    assert stored["expires_at"] > time.time() + 3600


def test_401_refreshes_and_retries_once(fake: FakeStrava, home):
    old = fake.login(expires_in=3600)
    fake.add_activity(1, description="hills")
    fake.fail_next(401, path="/activities/1")
    client = strava.get_client()
    assert strava.get_description(client, 1) == "hills"
    assert fake.paths() == ["GET /api/v3/activities/1", "POST /oauth/token", "GET /api/v3/activities/1"]
    assert token_file(home)["refresh_token"] not in (old.refresh_token, None)


def test_second_401_is_auth_needed_not_a_loop(fake: FakeStrava):
    fake.login()
    fake.add_activity(1)
    fake.fail_next(401, times=5, path="/activities/1")
    with pytest.raises(strava.AuthNeeded, match="connect fitglute to Strava again"):
        strava.get_description(strava.get_client(), 1)
    assert len(fake.calls("GET")) == 2 and len(fake.calls("POST", "/oauth/token")) == 1


def test_401_adopts_tokens_another_process_already_rotated(fake: FakeStrava):
    fake.login()
    fake.add_activity(1)
    client = strava.get_client()
    fake.login()  # e.g. a cron run refreshed in the meantime and rewrote the file
    fake.fail_next(401, path="/activities/1")
    strava.get_description(client, 1)
    assert fake.calls("POST", "/oauth/token") == []


def test_revoked_refresh_token_means_auth_needed_with_guidance(fake: FakeStrava):
    fake.login(expires_in=60)
    fake.add_activity(1)
    fake.revoke()
    with pytest.raises(strava.AuthNeeded) as err:
        strava.get_description(strava.get_client(), 1)
    assert "connect fitglute to Strava again" in str(err.value) and err.value.hint == hints.CONNECT_STRAVA
    assert fake.paths() == ["POST /oauth/token"]


def test_missing_write_permission_on_put_asks_to_reauthorise(fake: FakeStrava, home):
    fake.login(scope="read,activity:read_all")
    with pytest.raises(strava.AuthNeeded, match="activity:write"):
        strava.get_client()


def test_inactive_app_403_tells_the_owner_what_to_do(fake: FakeStrava):
    fake.login()
    fake.add_activity(1)
    fake.fail_next("inactive")
    with pytest.raises(strava.AppInactive) as err:
        strava.get_description(strava.get_client(), 1)
    assert "settings/api" in str(err.value) and "subscription" in str(err.value)

    fake.fail_next(403)
    with pytest.raises(strava.StravaAuthError, match="403"):
        strava.get_description(strava.get_client(), 1)


def test_404_is_activity_not_found(fake: FakeStrava):
    fake.login()
    with pytest.raises(strava.ActivityNotFound, match="/activities/42"):
        strava.get_description(strava.get_client(), 42)


# ----------------------------------------------------------------------------------- rate limits
def test_429_raises_rate_limited_at_once_without_sleeping(fake: FakeStrava):
    fake.login()
    fake.add_activity(1)
    fake.fail_next(429)
    client = strava.get_client()
    started = time.monotonic()
    with pytest.raises(strava.RateLimited) as err:
        strava.get_description(client, 1)
    assert time.monotonic() - started < 2
    now = datetime.now(UTC)
    assert err.value.not_before.tzinfo is not None
    assert err.value.not_before in (next_quarter(now), next_quarter(now - timedelta(seconds=5)))
    assert err.value.window == "15-minute"
    assert len(fake.calls()) == 1  # no retry of a 429

    with pytest.raises(strava.RateLimited):  # and no further request until the window resets
        strava.get_description(client, 1)
    assert len(fake.calls()) == 1


def test_429_without_headers_assumes_the_15_minute_window(fake: FakeStrava):
    fake.login()
    fake.fail_next(429, headers={})
    with pytest.raises(strava.RateLimited) as err:
        strava.get_description(strava.get_client(), 1)
    assert err.value.not_before.minute % 15 == 0 and err.value.not_before > datetime.now(UTC)


def test_daily_limit_waits_until_utc_midnight(fake: FakeStrava):
    fake.login()
    fake.add_activity(1)
    fake.set_rate(usage=(10, 1999), limit=(200, 2000))
    client = strava.get_client()
    strava.get_description(client, 1)  # usage now 2000/2000: answer still delivered
    with pytest.raises(strava.RateLimited) as err:
        strava.get_description(client, 1)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    assert err.value.not_before == datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=UTC)
    assert err.value.window == "daily" and len(fake.calls()) == 1


@pytest.mark.parametrize("bucket", ["overall", "read"])
def test_usage_near_the_limit_stops_before_hitting_it(fake: FakeStrava, bucket):
    fake.login()
    fake.add_activity(1, description="x")
    if bucket == "overall":
        fake.set_rate(usage=(93, 100), limit=(100, 1000))
    else:
        fake.set_rate(read_usage=(93, 100), read_limit=(100, 1000))
    client = strava.get_client()
    assert strava.get_description(client, 1) == "x"  # usage 94: fine
    assert strava.update_description(client, 1, "y") == "y"  # usage 95 (5 % reserve): delivered, then stop
    with pytest.raises(strava.RateLimited) as err:
        strava.get_description(client, 1)
    assert err.value.not_before > datetime.now(UTC)
    assert len(fake.calls()) == 2 and fake.rate_usage[bucket][0] == 95  # never reached 100


def test_rate_budget_unblocks_after_the_window():
    clock = [datetime(2024, 5, 4, 6, 29, 50, tzinfo=UTC)]
    budget = strava.RateBudget(reserve_pct=5, clock=lambda: clock[0])
    budget({"X-RateLimit-Limit": "100,1000", "X-RateLimit-Usage": "96,200"}, "GET")
    with pytest.raises(strava.RateLimited) as err:
        budget.check()
    assert err.value.not_before == datetime(2024, 5, 4, 6, 30, tzinfo=UTC)
    clock[0] = datetime(2024, 5, 4, 6, 30, 1, tzinfo=UTC)
    budget.check()  # window reset: allowed again
    with pytest.raises(strava.RateLimited):  # usage beyond the limit = refused request
        budget({"x-ratelimit-limit": "100,1000", "x-ratelimit-usage": "101,200"}, "PUT")


# ---------------------------------------------------------------------------- retries, timeouts
def test_5xx_is_retried_then_succeeds(fake: FakeStrava):
    fake.login()
    fake.add_activity(1, description="ok")
    fake.fail_next(503, times=2)
    assert strava.get_description(strava.get_client(), 1) == "ok"
    assert len(fake.calls("GET", "/activities/1")) == 3


def test_persistent_5xx_gives_up_after_three_tries(fake: FakeStrava):
    fake.login()
    fake.add_activity(1)
    fake.fail_next(500, times=10)
    with pytest.raises(strava.StravaUnavailable, match="try again later") as err:
        strava.get_description(strava.get_client(), 1)
    assert err.value.may_have_applied is False
    assert len(fake.calls()) == 3


def test_timeout_is_retried_then_succeeds(fake: FakeStrava, monkeypatch):
    monkeypatch.setenv("FITGLUTE_STRAVA_READ_TIMEOUT_S", "0.3")
    fake.login()
    fake.add_activity(1, description="slow")
    fake.fail_next("timeout", delay=1.0)
    assert strava.get_description(strava.get_client(), 1) == "slow"
    assert len(fake.calls("GET", "/activities/1")) == 2


def test_persistent_timeouts_give_up_with_a_timeout_message(fake: FakeStrava, monkeypatch):
    monkeypatch.setenv("FITGLUTE_STRAVA_READ_TIMEOUT_S", "0.2")
    monkeypatch.setenv("FITGLUTE_STRAVA_MAX_ATTEMPTS", "2")
    fake.login()
    fake.add_activity(1)
    fake.fail_next("timeout", times=2, delay=0.5)
    with pytest.raises(strava.StravaUnavailable, match="did not answer in time"):
        strava.get_description(strava.get_client(), 1)
    assert len(fake.calls("GET")) == 2


def test_put_is_not_blindly_retried_after_5xx_or_timeout(fake: FakeStrava, monkeypatch):
    monkeypatch.setenv("FITGLUTE_STRAVA_READ_TIMEOUT_S", "0.3")
    fake.login()
    fake.add_activity(1, description="mine")
    client = strava.get_client()

    fake.fail_next(502, method="PUT")
    with pytest.raises(strava.StravaUnavailable) as err:
        strava.update_description(client, 1, "mine\n\nnote")
    assert err.value.may_have_applied is True
    assert len(fake.calls("PUT")) == 1

    fake.fail_next("timeout", method="PUT", delay=1.0)  # reaches Strava, answer lost
    with pytest.raises(strava.StravaUnavailable) as err:
        strava.update_description(client, 1, "mine\n\nnote")
    assert err.value.may_have_applied is True
    assert len(fake.calls("PUT")) == 2
    assert strava.get_description(client, 1) == "mine\n\nnote"  # why the caller re-reads first


def test_connection_refused_is_retried_then_unavailable(fake: FakeStrava, monkeypatch):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("FITGLUTE_STRAVA_BASE_URL", f"http://127.0.0.1:{port}")
    fake.login()
    with pytest.raises(strava.StravaUnavailable, match="Could not reach Strava"):
        strava.get_description(strava.get_client(), 1)


# ---------------------------------------------------------------------------------- sync helpers
def test_list_recent_runs_filters_runs_and_converts_fields(fake: FakeStrava):
    fake.login()
    t0 = datetime(2024, 5, 4, 6, 0, tzinfo=UTC)
    fake.add_activity(11, sport_type="Run", start=t0 + timedelta(hours=1), description="not in summary")
    fake.add_activity(12, sport_type="Ride", start=t0 + timedelta(hours=2))
    fake.add_activity(13, sport_type="TrailRun", start=t0 + timedelta(hours=3), external_id=None)
    fake.add_activity(14, sport_type="VirtualRun", start=t0 + timedelta(hours=4), distance_m=None)
    fake.add_activity(10, sport_type="Run", start=t0 - timedelta(days=2))

    runs = strava.list_recent_runs(strava.get_client(), after=t0)

    assert [r.id for r in runs] == [11, 13, 14]
    first = runs[0]
    assert first.start_date == t0 + timedelta(hours=1) and first.start_date.utcoffset() == timedelta(0)
    assert first.elapsed_time_s == 3011 and first.moving_time_s == 2950
    assert first.distance_m == pytest.approx(10012.3)
    assert first.external_id == "garmin_ping_333444555" and first.sport_type == "Run"
    assert runs[1].external_id is None and runs[2].distance_m is None
    listing, end = fake.calls("GET", "/athlete/activities")  # the page, and the empty page that ends it
    assert listing.query["after"] == end.query["after"] == str(int(t0.timestamp()))
    assert (listing.query["page"], end.query["page"], listing.query["per_page"]) == ("1", "2", "200")


def test_every_request_goes_to_the_configured_base_url(fake: FakeStrava):
    fake.add_activity(1, description="a")
    strava.exchange_code(fake.issue_code(), fake.grant_scope)
    client = strava.get_client()
    strava.list_recent_runs(client, after=datetime(2024, 1, 1, tzinfo=UTC))
    strava.update_description(client, 1, "b")
    strava.deauthorize()
    assert fake.paths() == [
        "POST /oauth/token",
        "GET /api/v3/athlete/activities",
        "GET /api/v3/athlete/activities",
        "PUT /api/v3/activities/1",
        "POST /api/v3/oauth/deauthorize",
    ]
    (put,) = fake.calls("PUT")
    assert put.json == {"description": "b"} and put.query == {}
    with pytest.raises(requests.ConnectionError, match="only talks to Strava"):
        strava.make_session().get("https://example.com/")


def test_importing_the_module_is_cheap():
    code = (
        "import sys, fitglute.strava, fitglute.commands.auth; "
        "bad = [m for m in ('stravalib', 'requests', 'filelock') if m in sys.modules]; "
        "sys.exit(str(bad) if bad else 0)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --------------------------------------------------------------------------------------- secrecy
def test_tokens_never_reach_output_logs_or_errors(fake: FakeStrava, capsys, caplog, monkeypatch):
    monkeypatch.setenv("FITGLUTE_STRAVA_READ_TIMEOUT_S", "0.3")
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []

    def attempt(expected, fn, *args):
        with pytest.raises(expected) as err:
            fn(*args)
        texts.append("".join(traceback.format_exception(err.value)))
        texts.append(repr(err.value))

    fake.add_activity(1, description="x")
    tokens = strava.exchange_code(fake.issue_code(), fake.grant_scope)
    texts += [repr(tokens), str(tokens), repr(strava.TokenStore()), repr(strava.load_settings())]
    client = strava.get_client()
    fake.fail_next(401, times=2, path="/activities/")
    attempt(strava.AuthNeeded, strava.get_description, client, 1)
    fake.fail_next(503, times=3)
    attempt(strava.StravaUnavailable, strava.get_description, client, 1)
    fake.fail_next("timeout", method="PUT", delay=0.6)
    attempt(strava.StravaUnavailable, strava.update_description, client, 1, "y")
    fake.fail_next(429)
    attempt(strava.RateLimited, strava.get_description, client, 1)
    fake.revoke()
    fake.login(expires_in=10)
    fake.revoke()
    attempt(strava.AuthNeeded, strava.get_description, strava.get_client(), 1)
    result = CliRunner().invoke(cli(), ["auth", "status"])
    texts.append(result.output)

    captured = capsys.readouterr()
    haystack = "\n".join([captured.out, captured.err, caplog.text, *texts])
    assert len(fake.issued) >= 6 and "urllib3" in caplog.text  # DEBUG records really were captured
    for secret in [*fake.issued, CLIENT_SECRET]:
        assert secret not in haystack, "a token or secret leaked"
    # stravalib's root-logger warnings about STRAVA_CLIENT_* env vars are silenced
    assert "STRAVA_CLIENT_ID" not in caplog.text and "SILENCE_TOKEN_WARNINGS" not in os.environ


# ------------------------------------------------------------------------------------------- CLI
def test_auth_status_asks_strava_once_and_never_shows_tokens(fake: FakeStrava):
    runner = CliRunner()
    result = runner.invoke(cli(), ["auth", "status"])
    assert result.exit_code == 4 and "fitglute auth strava" in result.output

    tokens = fake.login(expires_in=3 * 3600)
    result = runner.invoke(cli(), ["auth", "status"])
    assert result.exit_code == 0, result.output
    assert "Ann Runner" in result.output and "athlete 99" in result.output
    assert "activity:read_all, activity:write" in result.output and "valid until" in result.output
    assert "Checked with Strava: working (Strava knows athlete 99, Ann Runner)" in result.output
    assert tokens.access_token not in result.output and tokens.refresh_token not in result.output
    assert fake.paths() == ["GET /api/v3/athlete"]  # one cheap request

    offline = runner.invoke(cli(), ["auth", "status", "--offline"])
    assert offline.exit_code == 0 and "Checked with Strava" not in offline.output and len(fake.calls()) == 1


def test_auth_status_after_revocation_says_so(fake: FakeStrava):
    fake.login(expires_in=3 * 3600)
    fake.revoke()  # the runner removed fitglute at strava.com/settings/apps
    result = CliRunner().invoke(cli(), ["auth", "status"])
    assert result.exit_code == 4 and "connected as" not in result.output
    assert "no longer accepts" in result.output and "fitglute auth strava" in result.output


def test_auth_status_when_strava_cannot_be_reached(fake: FakeStrava):
    fake.login(expires_in=3 * 3600)
    fake.fail_next(503, times=10)
    result = CliRunner().invoke(cli(), ["auth", "status"])
    assert result.exit_code == 3 and "Checked with Strava: not checked" in result.output
    assert "Traceback" not in result.output


def test_auth_logout_revokes_and_deletes(fake: FakeStrava, home):
    fake.login()
    result = CliRunner().invoke(cli(), ["auth", "logout"])
    assert result.exit_code == 0, result.output
    assert "revoked" in result.output
    assert fake.paths() == ["POST /api/v3/oauth/deauthorize"]
    assert not (home / "config" / strava.TOKEN_FILENAME).exists()
    assert CliRunner().invoke(cli(), ["auth", "status"]).exit_code == 4


def test_auth_logout_still_deletes_when_strava_is_down(fake: FakeStrava, home):
    fake.login()
    fake.fail_next(503, times=10)
    result = CliRunner().invoke(cli(), ["auth", "logout"])
    assert result.exit_code == 0
    assert "could not revoke" in result.output and "Traceback" not in result.output
    assert not (home / "config" / strava.TOKEN_FILENAME).exists()


def _browser_that_follows(url: str) -> bool:
    """Stand-in for webbrowser.open: follow Strava's redirect to the loopback callback, in the background."""
    threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 10}, daemon=True).start()
    return True


def test_auth_strava_browser_flow_end_to_end(fake: FakeStrava, home, monkeypatch):
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", _browser_that_follows)
    result = CliRunner().invoke(cli(), ["auth", "strava", "--timeout", "20"])
    assert result.exit_code == 0, result.output
    assert "Connected to Strava as Ann Runner" in result.output
    (authorize,) = fake.calls("GET", "/oauth/authorize")
    assert authorize.query["redirect_uri"].startswith("http://127.0.0.1:")
    assert authorize.query["scope"] == "activity:read_all,activity:write"
    assert token_file(home)["scope_verified"] is True
    for secret in fake.issued:
        assert secret not in result.output


@pytest.mark.parametrize(
    ("setup", "expected"),
    [("deny", "not granted"), ("scope", "activity:write")],
)
def test_auth_strava_declined_or_unticked_box_exits_4(fake: FakeStrava, home, monkeypatch, setup, expected):
    import webbrowser

    if setup == "deny":
        fake.deny_consent = True
    else:
        fake.grant_scope = "read,activity:read_all"
    monkeypatch.setattr(webbrowser, "open", _browser_that_follows)
    result = CliRunner().invoke(cli(), ["auth", "strava", "--timeout", "20"])
    assert result.exit_code == 4
    assert expected in result.output and "fitglute auth strava" in result.output
    assert "Traceback" not in result.output
    assert fake.calls("POST", "/oauth/token") == []
    assert not (home / "config" / strava.TOKEN_FILENAME).exists()


STATE = "st4te-of-this-sign-in"


@pytest.fixture
def known_state(monkeypatch):
    """The sign-in's random state, known to the test (the runner copies it with the address)."""
    monkeypatch.setattr(auth_cmd.secrets, "token_urlsafe", lambda n=16: STATE)
    return STATE


def test_auth_strava_no_browser_reads_pasted_address(fake: FakeStrava, home, known_state):
    code = fake.issue_code()
    pasted = f"http://127.0.0.1/callback?state={known_state}&code={code}&scope=read,activity:write,activity:read_all\n"
    result = CliRunner().invoke(cli(), ["auth", "strava", "--no-browser"], input=pasted)
    assert result.exit_code == 0, result.output
    assert f"state={known_state}" in result.output and "Connected to Strava" in result.output
    assert token_file(home)["scope_verified"] is True
    assert token_file(home)["client_secret"] == CLIENT_SECRET  # given by env vars, kept for cron (0600)


@pytest.mark.parametrize(
    ("state", "why"),
    [(None, "carries no sign-in state"), ("someone-else", "different sign-in"), ("stäte", "different sign-in")],
)
def test_auth_strava_refuses_a_pasted_address_without_our_state(fake: FakeStrava, home, known_state, state, why):
    query = f"code={fake.issue_code()}&scope={fake.grant_scope}" + (f"&state={state}" if state else "")
    result = CliRunner().invoke(cli(), ["auth", "strava", "--no-browser"], input=f"http://127.0.0.1/callback?{query}\n")
    assert result.exit_code == 4 and why in result.output and "Traceback" not in result.output
    assert not isinstance(result.exception, TypeError)
    assert fake.calls("POST", "/oauth/token") == [] and not (home / "config" / strava.TOKEN_FILENAME).exists()


def test_auth_strava_no_browser_bare_code(fake: FakeStrava, home):
    result = CliRunner().invoke(cli(), ["auth", "strava", "--no-browser"], input=fake.issue_code() + "\n")
    assert result.exit_code == 0, result.output
    assert token_file(home)["scope_verified"] is False and "bare code" in result.output


def test_auth_strava_without_app_credentials_is_a_usage_error(fake: FakeStrava, monkeypatch):
    monkeypatch.delenv("FITGLUTE_STRAVA_CLIENT_SECRET")
    result = CliRunner().invoke(cli(), ["auth", "strava", "--no-browser"], input="\n")
    assert result.exit_code == 2 and "client_secret" in result.output


def test_auth_strava_prompts_for_app_credentials_and_keeps_them_for_cron(fake: FakeStrava, home, monkeypatch,
                                                                         known_state):
    monkeypatch.delenv("FITGLUTE_STRAVA_CLIENT_ID")
    monkeypatch.delenv("FITGLUTE_STRAVA_CLIENT_SECRET")
    monkeypatch.setattr(auth_cmd, "_interactive", lambda: True)
    pasted = f"http://127.0.0.1/callback?state={STATE}&code={fake.issue_code()}&scope={fake.grant_scope}"
    result = CliRunner().invoke(cli(), ["auth", "strava", "--no-browser"],
                                input=f"{fake.client_id}\n{CLIENT_SECRET}\n{pasted}\n")
    assert result.exit_code == 0, result.output
    assert CLIENT_SECRET not in result.output  # hidden prompt
    path = home / "config" / strava.TOKEN_FILENAME
    assert token_file(home)["client_secret"] == CLIENT_SECRET and stat.S_IMODE(path.stat().st_mode) == 0o600

    data = token_file(home)
    data["expires_at"] = int(time.time()) + 10
    path.write_text(json.dumps(data))
    fake.access_tokens[data["access_token"]].expires_at = data["expires_at"]
    fake.add_activity(1, description="ok")
    assert strava.get_description(strava.get_client(), 1) == "ok"  # refreshed with the stored app secret

    pasted = f"http://127.0.0.1/callback?state={STATE}&code={fake.issue_code()}&scope={fake.grant_scope}"
    result = CliRunner().invoke(cli(), ["auth", "strava", "--no-browser"], input=pasted + "\n")
    assert result.exit_code == 0, result.output
    assert token_file(home)["client_secret"] == CLIENT_SECRET  # re-auth does not lose it


# ------------------------------------------------------------------------------ loopback server
def _port(uri: str) -> int:
    return int(uri.split(":")[2].split("/")[0])


def test_loopback_server_serves_the_redirect_while_an_idle_connection_is_open():
    import socket

    from fitglute.strava import redirect

    idle: list[socket.socket] = []
    replies: dict[str, int] = {}

    def browser(uri: str) -> None:
        idle.append(socket.create_connection(("127.0.0.1", _port(uri))))  # connects, never sends a byte

        def visit() -> None:
            for label, state in (("foreign", "st\u00e4te"), ("none", None), ("ours", "abc")):
                params = {"code": "c0de", "scope": "read"} | ({"state": state} if state else {})
                replies[label] = requests.get(uri, params=params, timeout=5).status_code

        threading.Thread(target=visit, daemon=True).start()

    started = time.monotonic()
    answer = redirect.wait_for_redirect("abc", 20, browser, connection_timeout_s=1)
    assert answer == {"code": "c0de", "scope": "read", "state": "abc"}
    assert time.monotonic() - started < 10  # not held up by the idle connection
    assert replies.get("foreign") == 400 and replies.get("none") == 400
    idle[0].close()


def test_loopback_server_honours_its_timeout_with_an_idle_connection_open():
    import socket

    from fitglute.strava import redirect

    idle: list[socket.socket] = []
    started = time.monotonic()
    answer = redirect.wait_for_redirect(
        "abc", 1.0, lambda uri: idle.append(socket.create_connection(("127.0.0.1", _port(uri)))),
        connection_timeout_s=30,
    )
    assert answer is None and time.monotonic() - started < 10  # the idle connection cannot stretch it
    idle[0].close()


@pytest.mark.parametrize("state", ["abc", "st\u00e4te", "", None, 3])
def test_state_must_be_present_ascii_and_equal(state):
    from fitglute.strava import redirect

    assert redirect.state_matches(state, "abc") is (state == "abc")


def test_the_config_folder_is_private_whoever_creates_it(fake: FakeStrava, home, tmp_path):
    from fitglute.cli import app

    assert CliRunner().invoke(app, ["sources", "add", str(tmp_path)]).exit_code == 0  # before any login
    assert stat.S_IMODE((home / "config").stat().st_mode) == 0o700
    (home / "config").chmod(0o755)  # as an older fitglute left it
    fake.login()
    assert stat.S_IMODE((home / "config").stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "config" / strava.TOKEN_FILENAME).stat().st_mode) == 0o600

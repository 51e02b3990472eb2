"""A fake Strava API on 127.0.0.1 for fitglute's tests: stravalib stays unmodified, nothing leaves the host.

fitglute routes every stravalib request to ``FITGLUTE_STRAVA_BASE_URL``; this fake answers there with
realistic bodies, status codes and rate-limit headers, and records every request it sees.

Use it from any test module (``tests/`` is on ``sys.path`` under pytest's default import mode)::

    from fake_strava import FakeStrava, fake_strava_fixture

    @pytest.fixture
    def fake(monkeypatch, tmp_path):
        yield from fake_strava_fixture(monkeypatch, tmp_path)   # also sets FITGLUTE_HOME

or wrap pytest-httpserver's own fixture: ``fake = FakeStrava(httpserver); fake.configure(monkeypatch)``.

What it supports
----------------
* ``POST /oauth/token``: ``authorization_code`` (single-use codes from :meth:`FakeStrava.issue_code`,
  answer includes the athlete) and ``refresh_token`` (rotates the refresh token by default; the old one
  dies at once, like Strava). Wrong client id/secret -> 400 ``Application`` error.
* ``GET /oauth/authorize``: 302 to ``redirect_uri`` with ``state``, ``code`` and ``scope`` (set
  :attr:`FakeStrava.grant_scope` to simulate unticked boxes, :attr:`deny_consent` for "Cancel").
* ``GET /api/v3/athlete``, ``GET /api/v3/athlete/activities`` (``after``/``before``/``page``/
  ``per_page``; summaries have no description), ``GET/PUT /api/v3/activities/{id}``,
  ``POST /api/v3/oauth/deauthorize`` (revokes every token).
* Bearer check on ``/api/v3`` (unknown/expired -> 401; PUT without ``activity:write`` -> 401
  ``activity:write_permission missing``).
* Rate limits: both buckets counted per API request, ``X-RateLimit-*`` and ``X-ReadRateLimit-*`` on
  every API answer, 429 once usage passes the limit (:meth:`set_rate`).
* Fault injection for the next N matching calls (:meth:`fail_next`): any status (429, 5xx, 401, 403,
  ``"inactive"`` for the inactive-app 403), ``"timeout"`` (the request is applied, then the answer is
  delayed past the client's read timeout: models a write that may have happened) or ``"trickle"``
  (the request is applied, then the answer is sent one byte every ``delay`` s: no read timeout ever
  fires).
* A clock (:attr:`FakeStrava.clock`): the 15-minute and daily rate windows reset at :00/:15/:30/:45
  and at UTC midnight of that clock, so a test can move time through a whole day.
* Short pages (:attr:`FakeStrava.page_cap`: at most that many activities per page, whatever
  ``per_page`` asks) and a description limit (:attr:`FakeStrava.description_limit`, answered with
  a 400 or, with :attr:`truncate_descriptions`, by cutting the text).
"""

from __future__ import annotations

import atexit
import itertools
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

CLIENT_ID = 4242
CLIENT_SECRET = "fake-client-secret-5d1e"
ATHLETE = {"id": 99, "firstname": "Ann", "lastname": "Runner", "resource_state": 2}
FULL_GRANT = "read,activity:write,activity:read_all"

_ACTIVITY_PATH = re.compile(r"^/api/v3/activities/(\d+)$")
_server: HTTPServer | None = None


@dataclass
class Recorded:
    """One request as the fake saw it (tokens included: this is test-side data)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    form: dict[str, str]
    json: Any
    status: int = 0

    @property
    def bearer(self) -> str | None:
        value = self.headers.get("Authorization", "")
        return value[len("Bearer "):] if value.startswith("Bearer ") else None


@dataclass
class _Fault:
    kind: str  # "status" or "timeout"
    remaining: int
    status: int = 500
    method: str | None = None
    path: str | None = None
    delay: float = 1.0
    body: Any = None
    headers: dict[str, str] | None = None
    skip: int = 0  # matching requests let through first

    def matches(self, rec: Recorded) -> bool:
        if self.method and rec.method != self.method.upper():
            return False
        return not (self.path and not re.search(self.path, rec.path))


@dataclass
class _Grant:
    scope: str
    expires_at: int = 0


@dataclass
class FakeStrava:
    """In-memory Strava: activities, tokens, rate counters, injected faults, and a request log."""

    server: HTTPServer
    client_id: int = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    athlete: dict[str, Any] = field(default_factory=lambda: dict(ATHLETE))
    grant_scope: str = FULL_GRANT
    deny_consent: bool = False
    rotate_refresh_tokens: bool = True
    token_lifetime_s: int = 6 * 3600
    activities: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    rate_limit: dict[str, list[int]] = field(
        default_factory=lambda: {"overall": [200, 2000], "read": [100, 1000]}
    )
    rate_usage: dict[str, list[int]] = field(
        default_factory=lambda: {"overall": [0, 0], "read": [0, 0]}
    )
    clock: Any = None  # () -> aware datetime; None: rate windows never reset
    page_cap: int | None = None
    description_limit: int | None = None
    truncate_descriptions: bool = False

    def __post_init__(self) -> None:
        self.access_tokens: dict[str, _Grant] = {}
        self.refresh_tokens: dict[str, _Grant] = {}
        self.codes: dict[str, _Grant] = {}
        self.issued: list[str] = []  # every token/secret the fake handed out (for leak checks)
        self._faults: list[_Fault] = []
        self._window: tuple[Any, Any] | None = None  # (quarter hour, day) the counters belong to
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.server.expect_request(re.compile(r"^/.*")).respond_with_handler(self._handle)

    # ---------------------------------------------------------------- set-up helpers
    @property
    def base_url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def configure(self, monkeypatch: Any, home: Any = None) -> None:
        """Point fitglute at this fake with tiny retry delays and short timeouts."""
        if home is not None:
            monkeypatch.setenv("FITGLUTE_HOME", str(home))
        env = {
            "FITGLUTE_STRAVA_BASE_URL": self.base_url,
            "FITGLUTE_STRAVA_CLIENT_ID": str(self.client_id),
            "FITGLUTE_STRAVA_CLIENT_SECRET": self.client_secret,
            "FITGLUTE_STRAVA_RETRY_BACKOFF_S": "0",
            "FITGLUTE_STRAVA_CONNECT_TIMEOUT_S": "2",
            "FITGLUTE_STRAVA_READ_TIMEOUT_S": "5",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        for key in ("STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET", "SILENCE_TOKEN_WARNINGS"):
            monkeypatch.delenv(key, raising=False)

    def _new_secret(self, kind: str) -> str:
        value = f"{kind}-{next(self._ids)}-{time.time_ns() % 10**9:09d}"
        self.issued.append(value)
        return value

    def issue_code(self, scope: str | None = None) -> str:
        """A one-time authorization code, as the consent page would hand out."""
        code = self._new_secret("code")
        self.codes[code] = _Grant(scope or self.grant_scope)
        return code

    def issue_tokens(self, *, expires_in: int = 3600, scope: str = FULL_GRANT) -> dict[str, Any]:
        """Valid access + refresh token pair (not stored on the fitglute side)."""
        access, refresh = self._new_secret("access"), self._new_secret("refresh")
        expires_at = int(time.time()) + expires_in
        self.access_tokens[access] = _Grant(scope, expires_at)
        self.refresh_tokens[refresh] = _Grant(scope)
        return {"access_token": access, "refresh_token": refresh, "expires_at": expires_at}

    def login(self, *, expires_in: int = 3600, scope: str = FULL_GRANT) -> Any:
        """Issue tokens and write them to fitglute's token store, as ``auth strava`` would."""
        from fitglute.strava import StravaTokens, TokenStore, parse_scope

        pair = self.issue_tokens(expires_in=expires_in, scope=scope)
        tokens = StravaTokens(
            **pair,
            scope=parse_scope(scope),
            athlete_id=self.athlete["id"],
            athlete_name=f"{self.athlete['firstname']} {self.athlete['lastname']}",
            client_id=self.client_id,
            updated_at=int(time.time()),
        )
        TokenStore().save(tokens)
        return tokens

    def revoke(self) -> None:
        """The runner revoked fitglute on strava.com: every token stops working."""
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    def add_activity(
        self,
        activity_id: int | None = None,
        *,
        name: str = "Morning Run",
        sport_type: str = "Run",
        start: datetime | None = None,
        elapsed_s: int = 3011,
        moving_s: int = 2950,
        distance_m: float | None = 10012.3,
        description: str | None = None,
        external_id: str | None = "garmin_ping_333444555",
        **extra: Any,
    ) -> dict[str, Any]:
        """Store a DetailedActivity-shaped dict; returns it (mutable: tests may edit it)."""
        activity_id = activity_id or 1_000_000_000 + len(self.activities) + 1
        start = start or datetime(2024, 5, 4, 6, 30, 12, tzinfo=UTC)
        activity = {
            "id": activity_id,
            "resource_state": 3,
            "athlete": {"id": self.athlete["id"], "resource_state": 1},
            "name": name,
            "distance": distance_m,
            "moving_time": moving_s,
            "elapsed_time": elapsed_s,
            "total_elevation_gain": 42.0,
            "type": "Run" if "Run" in sport_type else sport_type,
            "sport_type": sport_type,
            "start_date": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "start_date_local": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timezone": "(GMT+00:00) Europe/London",
            "external_id": external_id,
            "manual": False,
            "trainer": False,
            "private": False,
            "description": description,
            "device_name": "Garmin Forerunner 965",
            **extra,
        }
        self.activities[activity_id] = activity
        return activity

    def set_rate(
        self,
        usage: tuple[int, int] | None = None,
        limit: tuple[int, int] | None = None,
        *,
        read_usage: tuple[int, int] | None = None,
        read_limit: tuple[int, int] | None = None,
    ) -> None:
        """Set the counters (each API request then adds one to both buckets)."""
        for bucket, values in (("overall", usage), ("read", read_usage)):
            if values is not None:
                self.rate_usage[bucket] = list(values)
        for bucket, values in (("overall", limit), ("read", read_limit)):
            if values is not None:
                self.rate_limit[bucket] = list(values)

    def fail_next(
        self,
        what: int | str,
        times: int = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        delay: float = 1.0,
        body: Any = None,
        headers: dict[str, str] | None = None,
        skip: int = 0,
    ) -> None:
        """Answer the next ``times`` matching requests (after letting ``skip`` through) with a fault.

        ``what``: an HTTP status, ``"inactive"`` (403 inactive app), ``"timeout"`` (apply, then stall
        ``delay`` s) or ``"trickle"`` (apply, then send the answer one byte every ``delay`` s). ``path``
        is a regex searched in the request path. A 429 without ``headers`` reports the 15-minute window
        as exceeded.
        """
        if what in ("timeout", "trickle"):
            self._faults.append(_Fault(str(what), times, method=method, path=path, delay=delay, skip=skip))
            return
        if what == "inactive":
            what, body = 403, body or {
                "message": "Forbidden",
                "errors": [{"resource": "Application", "field": "Status", "code": "Inactive"}],
            }
        self._faults.append(_Fault("status", times, int(what), method, path, delay, body, headers, skip))

    # ---------------------------------------------------------------- inspection helpers
    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        """Recorded requests, optionally filtered by method and path regex."""
        return [
            r for r in list(self.requests)
            if (method is None or r.method == method.upper()) and (path is None or re.search(path, r.path))
        ]

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in list(self.requests)]

    # ---------------------------------------------------------------- the server side
    def _handle(self, request: Request) -> Response:
        rec = Recorded(
            method=request.method,
            path=request.path,
            query=request.args.to_dict(),
            headers=dict(request.headers),
            form=request.form.to_dict(),
            json=request.get_json(silent=True),
        )
        with self._lock:
            self.requests.append(rec)
            fault = self._take_fault(rec)
            if fault is not None and fault.kind == "status":
                response = self._fault_response(fault)
            else:
                response = self._route(rec, request)
        rec.status = response.status_code
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "trickle":
            return _trickled(response, fault.delay)
        return response

    def _take_fault(self, rec: Recorded) -> _Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and fault.matches(rec):
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                fault.remaining -= 1
                return fault
        return None

    def _fault_response(self, fault: _Fault) -> Response:
        headers = fault.headers
        if headers is None:
            if fault.status == 429:
                short, daily = self.rate_usage["overall"]
                self.rate_usage["overall"] = [max(short, self.rate_limit["overall"][0] + 1), daily]
            headers = self._rate_headers()
        body = fault.body or _ERROR_BODIES.get(fault.status, {"message": "Error", "errors": []})
        return _json(body, fault.status, headers)

    def _route(self, rec: Recorded, request: Request) -> Response:
        if rec.path == "/oauth/token" and rec.method == "POST":
            return self._token(rec)
        if rec.path == "/oauth/authorize" and rec.method == "GET":
            return self._authorize(rec)
        if rec.path.startswith("/api/v3/"):
            return self._api(rec)
        return _json({"message": "Record Not Found", "errors": []}, 404)

    def _token(self, rec: Recorded) -> Response:
        form = rec.form
        if form.get("client_id") != str(self.client_id) or form.get("client_secret") != self.client_secret:
            return _json(_bad_request("Application", "client_id"), 400)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            found = self.codes.pop(form.get("code", ""), None)
            if found is None:
                return _json(_bad_request("AuthorizationCode", "code"), 400)
            return _json({**self._new_pair(found.scope), "athlete": self.athlete})
        if grant == "refresh_token":
            old = form.get("refresh_token", "")
            found = self.refresh_tokens.get(old)
            if found is None:
                return _json(_bad_request("RefreshToken", "refresh_token"), 400)
            if self.rotate_refresh_tokens:
                del self.refresh_tokens[old]
                return _json(self._new_pair(found.scope))
            pair = self._new_pair(found.scope, refresh=old)
            return _json(pair)
        return _json(_bad_request("GrantType", "grant_type"), 400)

    def _new_pair(self, scope: str, refresh: str | None = None) -> dict[str, Any]:
        access = self._new_secret("access")
        refresh = refresh or self._new_secret("refresh")
        expires_at = int(time.time()) + self.token_lifetime_s
        self.access_tokens[access] = _Grant(scope, expires_at)
        self.refresh_tokens[refresh] = _Grant(scope)
        return {
            "token_type": "Bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_at": expires_at,
            "expires_in": self.token_lifetime_s,
        }

    def _authorize(self, rec: Recorded) -> Response:
        q = rec.query
        if q.get("client_id") != str(self.client_id):
            return _json(_bad_request("Application", "client_id"), 400)
        params = {"state": q.get("state", "")}
        if self.deny_consent:
            params["error"] = "access_denied"
        else:
            params.update(code=self.issue_code(self.grant_scope), scope=self.grant_scope)
        return Response(status=302, headers={"Location": f"{q['redirect_uri']}?{urlencode(params)}"})

    def _api(self, rec: Recorded) -> Response:
        over = self._count_rate()
        if over:
            return _json(_ERROR_BODIES[429], 429, self._rate_headers())
        grant = self.access_tokens.get(rec.bearer or "")
        if grant is None or grant.expires_at <= time.time():
            return _json(_ERROR_BODIES[401], 401, self._rate_headers())
        if rec.method == "PUT" and "activity:write" not in grant.scope.split(","):
            body = {"message": "Authorization Error", "errors": [
                {"resource": "AccessToken", "field": "activity:write_permission", "code": "missing"}]}
            return _json(body, 401, self._rate_headers())
        body, status = self._api_route(rec)
        return _json(body, status, self._rate_headers())

    def _api_route(self, rec: Recorded) -> tuple[Any, int]:
        path, method = rec.path, rec.method
        if path == "/api/v3/oauth/deauthorize" and method == "POST":
            self.revoke()
            return {"access_token": rec.bearer}, 200
        if path == "/api/v3/athlete" and method == "GET":
            return self.athlete, 200
        if path == "/api/v3/athlete/activities" and method == "GET":
            return self._list(rec.query), 200
        match = _ACTIVITY_PATH.match(path)
        if match and int(match.group(1)) in self.activities:
            activity = self.activities[int(match.group(1))]
            if method == "PUT" and isinstance(rec.json, dict):
                update = {k: rec.json[k] for k in ("description", "name") if k in rec.json}
                text, limit = update.get("description"), self.description_limit
                if isinstance(text, str) and limit is not None and len(text) > limit:
                    if not self.truncate_descriptions:
                        return _bad_request("Activity", "description"), 400
                    update["description"] = text[:limit]
                activity.update(update)
            return activity, 200
        return {"message": "Record Not Found", "errors": [
            {"resource": "Activity", "field": "id", "code": "invalid"}]}, 404

    def _list(self, query: dict[str, str]) -> list[dict[str, Any]]:
        after = int(query.get("after") or 0)
        before = int(query.get("before") or 2**40)
        page, per_page = int(query.get("page") or 1), int(query.get("per_page") or 30)

        def epoch(a: dict[str, Any]) -> int:
            start = datetime.strptime(a["start_date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return int(start.timestamp())

        chosen = [a for a in self.activities.values() if after < epoch(a) < before]
        # Strava: newest first, except that an `after`-only query comes back oldest first.
        chosen.sort(key=epoch, reverse=not (query.get("after") and not query.get("before")))
        summaries = [{k: v for k, v in a.items() if k != "description"} | {"resource_state": 2}
                     for a in chosen]
        cut = summaries[(page - 1) * per_page: page * per_page]
        return cut[: self.page_cap] if self.page_cap is not None else cut

    def _count_rate(self) -> bool:
        if self.clock is not None:
            now = self.clock()
            window = (now.replace(minute=now.minute // 15 * 15, second=0, microsecond=0), now.date())
            if self._window is not None and window != self._window:
                for usage in self.rate_usage.values():
                    usage[0] = 0  # a new quarter hour
                    if window[1] != self._window[1]:
                        usage[1] = 0  # a new UTC day
            self._window = window
        over = False
        for bucket, usage in self.rate_usage.items():
            usage[0] += 1
            usage[1] += 1
            limit = self.rate_limit[bucket]
            over |= usage[0] > limit[0] or usage[1] > limit[1]
        return over

    def _rate_headers(self) -> dict[str, str]:
        def pair(values: list[int]) -> str:
            return f"{values[0]},{values[1]}"

        return {
            "X-RateLimit-Limit": pair(self.rate_limit["overall"]),
            "X-RateLimit-Usage": pair(self.rate_usage["overall"]),
            "X-ReadRateLimit-Limit": pair(self.rate_limit["read"]),
            "X-ReadRateLimit-Usage": pair(self.rate_usage["read"]),
        }


_ERROR_BODIES: dict[int, Any] = {
    401: {"message": "Authorization Error",
          "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}]},
    403: {"message": "Forbidden", "errors": [{"resource": "Activity", "field": "id", "code": "forbidden"}]},
    429: {"message": "Rate Limit Exceeded",
          "errors": [{"resource": "Application", "field": "rate limit", "code": "exceeded"}]},
    500: {"message": "Internal Server Error", "errors": []},
    502: {"message": "Bad Gateway", "errors": []},
    503: {"message": "Service Unavailable", "errors": []},
}


def _bad_request(resource: str, fieldname: str) -> dict[str, Any]:
    error = {"resource": resource, "field": fieldname, "code": "invalid"}
    return {"message": "Bad Request", "errors": [error]}


def _trickled(response: Response, delay: float) -> Response:
    """The same answer, sent one byte at a time (each byte restarts the client's read timeout)."""
    body = response.get_data()

    def drip() -> Iterator[bytes]:
        for i in range(len(body)):
            time.sleep(delay)
            yield body[i: i + 1]

    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    return Response(drip(), status=response.status_code, headers=headers, direct_passthrough=True)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    import json

    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")


def shared_server() -> HTTPServer:
    """One threaded server on 127.0.0.1 per test process (threaded so a stalled answer blocks nothing)."""
    global _server
    if _server is None or not _server.is_running():
        _server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        _server.start()
        atexit.register(_server.stop)
    return _server


def fake_strava_fixture(monkeypatch: Any, home: Any = None) -> Iterator[FakeStrava]:
    """Body of a pytest fixture: ``yield from fake_strava_fixture(monkeypatch, tmp_path)``."""
    server = shared_server()
    server.clear()
    fake = FakeStrava(server)
    fake.configure(monkeypatch, home)
    try:
        yield fake
    finally:
        server.clear()


def next_quarter(now: datetime) -> datetime:
    """Reference computation for assertions (kept independent of fitglute's own helper)."""
    base = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 15)
    return base + timedelta(minutes=15)

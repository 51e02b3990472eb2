"""A fake intervals.icu on 127.0.0.1 for fitglute's tests: the real ``requests`` client talks to it.

fitglute sends every intervals.icu request to ``FITGLUTE_INTERVALS_BASE_URL``; this fake answers the
two documented endpoints and records every request:

* ``GET /api/v1/athlete/0/activities?oldest=YYYY-MM-DD&newest=YYYY-MM-DD`` — the activities whose
  local start date lies in the range (inclusive), as intervals.icu lists them (``id``, ``type``,
  ``source``, ``strava_id``, ``file_type``, …). A Strava stub has ``source: "STRAVA"`` and a
  ``_note``, and no file.
* ``GET /api/v1/activity/{id}/file`` — the original upload, gzip-compressed (404 without a file).

HTTP Basic with user name ``API_KEY`` and the fake's key, else 401. Faults for the next N
matching requests (:meth:`FakeIntervals.fail_next`): any status (429 with ``Retry-After``, 5xx)
or ``"stall"`` (the answer starts, then stops sending for ``delay`` seconds).
"""

from __future__ import annotations

import atexit
import base64
import gzip
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

API_KEY = "fake-intervals-key-7c3e9a"
_FILE = re.compile(r"^/api/v1/activity/([^/]+)/file$")
_LIST = re.compile(r"^/api/v1/athlete/([^/]+)/activities$")
_server: HTTPServer | None = None


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    status: int = 0


@dataclass
class _Fault:
    what: int | str
    remaining: int
    path: str | None
    delay: float
    headers: dict[str, str]


@dataclass
class FakeIntervals:
    server: HTTPServer
    key: str = API_KEY
    activities: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self.server.expect_request(re.compile(r"^/.*")).respond_with_handler(self._handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def configure(self, monkeypatch: Any, *, key: str | None = None) -> None:
        """Point fitglute at the fake: its key in the environment, short timeouts, no pacing delay."""
        env = {
            "FITGLUTE_INTERVALS_BASE_URL": self.base_url,
            "FITGLUTE_INTERVALS_API_KEY": key or self.key,
            "FITGLUTE_INTERVALS_RETRY_BACKOFF_S": "0",
            "FITGLUTE_INTERVALS_MIN_INTERVAL_S": "0",
            "FITGLUTE_INTERVALS_CONNECT_TIMEOUT_S": "2",
            "FITGLUTE_INTERVALS_READ_TIMEOUT_S": "5",
        }
        for k, v in env.items():
            monkeypatch.setenv(k, v)

    def add(self, ident: str, start_local: str, *, kind: str = "Run", source: str = "GARMIN_CONNECT",
            fit: bytes | None = None, strava_id: int | None = None, file_type: str | None = "fit",
            distance: float = 2700.0) -> dict[str, Any]:
        """An activity as intervals.icu lists it; ``fit`` is served (gzip-compressed) as its original file."""
        act: dict[str, Any] = {
            "id": ident, "start_date_local": start_local, "type": kind, "source": source,
            "strava_id": strava_id, "external_id": f"{ident}.fit" if fit else None,
            "file_type": file_type, "distance": distance, "moving_time": 900, "elapsed_time": 910,
            "device_name": "Garmin Forerunner 965",
        }
        if source == "STRAVA":
            act.update(file_type=None, _note="STRAVA activities are not available via the API")
        self.activities[ident] = act
        if fit is not None:
            self.files[ident] = gzip.compress(fit)
        return act

    def fail_next(self, what: int | str, times: int = 1, *, path: str | None = None, delay: float = 1.0,
                  headers: dict[str, str] | None = None) -> None:
        self._faults.append(_Fault(what, times, path, delay, headers or {}))

    def calls(self, path: str | None = None) -> list[Seen]:
        return [r for r in list(self.requests) if path is None or re.search(path, r.path)]

    # ------------------------------------------------------------------ the server side
    def _handle(self, request: Request) -> Response:
        seen = Seen(request.method, request.path, request.args.to_dict())
        with self._lock:
            self.requests.append(seen)
            fault = next((f for f in self._faults if f.remaining > 0 and
                          (f.path is None or re.search(f.path, seen.path))), None)
            if fault is not None:
                fault.remaining -= 1
        response = self._answer(request, seen, fault)
        seen.status = response.status_code
        return response

    def _answer(self, request: Request, seen: Seen, fault: _Fault | None) -> Response:
        if not self._authorised(request.headers.get("Authorization", "")):
            return _json({"status": 401, "error": "Unauthorized"}, 401)
        if fault is not None and fault.what != "stall":
            return _json({"status": fault.what, "error": "injected"}, int(fault.what), fault.headers)
        listed = _LIST.match(seen.path)
        if listed and listed[1] == "0":
            oldest = date.fromisoformat(seen.query["oldest"])
            newest = date.fromisoformat(seen.query.get("newest", "2999-12-31"))
            chosen = [a for a in self.activities.values()
                      if oldest <= date.fromisoformat(a["start_date_local"][:10]) <= newest]
            chosen.sort(key=lambda a: a["start_date_local"], reverse=True)
            return _json(chosen)
        got = _FILE.match(seen.path)
        if got and got[1] in self.files:
            data = self.files[got[1]]
            if fault is not None:  # "stall": the first bytes, then silence
                delay = fault.delay

                def trickle():
                    yield data[:64]
                    time.sleep(delay)
                    yield data[64:]

                return Response(trickle(), 200, content_type="application/octet-stream")
            return Response(data, 200, content_type="application/octet-stream")
        return _json({"status": 404, "error": "Not found"}, 404)

    def _authorised(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == "API_KEY" and password == self.key


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")


def shared_server() -> HTTPServer:
    """One threaded server per test process, apart from the fake Strava's (both may run at once)."""
    global _server
    if _server is None or not _server.is_running():
        _server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        _server.start()
        atexit.register(_server.stop)
    return _server


def fake_intervals_fixture(monkeypatch: Any):
    server = shared_server()
    server.clear()
    fake = FakeIntervals(server)
    fake.configure(monkeypatch)
    try:
        yield fake
    finally:
        server.clear()

"""A fake Garmin Connect on 127.0.0.1: the API tier garminconnect talks to, and its token refresh.

* ``GET /activitylist-service/activities/search/activities?startDate&endDate&start&limit`` —
  activities by date, paged as garminconnect pages (``start``/``limit``; an empty page ends it).
* ``GET /download-service/files/activity/{id}`` — the "original" download: a zip holding
  ``<id>_ACTIVITY.fit``.
* ``POST /di-oauth2-service/oauth/token`` — ``grant_type=refresh_token`` with a known refresh
  token gives a new access token; anything else is a 400.
* Bearer tokens are checked (unknown → 401). Anything else (a login page) is recorded and 500:
  the tests assert fitglute never goes there.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

_DOWNLOAD = re.compile(r"^/download-service/files/activity/(\d+)$")
LIST = "/activitylist-service/activities/search/activities"
TOKEN = "/di-oauth2-service/oauth/token"


CLIENT_ID = "GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2"


def jwt(exp: float, client_id: str = CLIENT_ID) -> str:
    """A JWT-shaped access token (garminconnect reads its ``exp``; nobody checks the signature)."""

    def part(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part({'exp': int(exp), 'client_id': client_id})}.c2ln"


@dataclass
class FakeGarmin:
    server: HTTPServer
    activities: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    throttle: int = 0  # answer the next N API requests with 429

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.server.expect_request(re.compile(r"^/.*")).respond_with_handler(self._handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def tokens(self, *, expires_in: float = 3600) -> dict[str, str]:
        """A token pair the fake accepts, shaped as garminconnect stores it."""
        access, refresh = jwt(time.time() + expires_in), f"refresh-{len(self.refresh) + 1}"
        self.access.add(access)
        self.refresh.add(refresh)
        return {"di_token": access, "di_refresh_token": refresh, "di_client_id": CLIENT_ID}

    def add(self, ident: int, start_gmt: str, fit: bytes, *, kind: str = "running") -> None:
        self.activities.append({
            "activityId": ident, "activityName": f"{kind} {ident}", "startTimeGMT": start_gmt,
            "startTimeLocal": start_gmt, "activityType": {"typeKey": kind}, "distance": 2700.0,
        })
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(f"{ident}_ACTIVITY.fit", fit)
        self.files[str(ident)] = buf.getvalue()

    def paths(self) -> list[str]:
        return [p for _, p, _ in self.requests]

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.requests.append((request.method, request.path, request.args.to_dict()))
            if request.path == TOKEN and request.method == "POST":
                return self._refresh(request.form.to_dict())
            if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.access:
                return Response(json.dumps({"message": "Unauthorized"}), 401, content_type="application/json")
            if self.throttle > 0:
                self.throttle -= 1
                return Response("{}", 429, content_type="application/json")
            if request.path == LIST:
                return self._list(request.args.to_dict())
            got = _DOWNLOAD.match(request.path)
            if got and got[1] in self.files:
                return Response(self.files[got[1]], 200, content_type="application/octet-stream")
            if got:
                return Response(json.dumps({"message": "Not Found"}), 404, content_type="application/json")
            return Response("not a page fitglute should ever ask for", 500)

    def _refresh(self, form: dict[str, str]) -> Response:
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in self.refresh:
            return Response(json.dumps({"error": "invalid_grant"}), 400, content_type="application/json")
        pair = self.tokens()
        return Response(json.dumps({"access_token": pair["di_token"], "refresh_token": pair["di_refresh_token"]}),
                        200, content_type="application/json")

    def _list(self, q: dict[str, str]) -> Response:
        first, last = q["startDate"], q.get("endDate", "9999-12-31")
        chosen = sorted((a for a in self.activities if first <= a["startTimeGMT"][:10] <= last),
                        key=lambda a: a["startTimeGMT"], reverse=q.get("sortOrder") != "asc")
        start, limit = int(q.get("start", 0)), int(q.get("limit", 20))
        return Response(json.dumps(chosen[start:start + limit]), 200, content_type="application/json")

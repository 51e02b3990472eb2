"""Strava's answer after consent: caught by a loopback server, or pasted back by the runner.

Why bounded everywhere: the server runs while a person switches to a browser, so anything may
connect to it meanwhile — a browser's speculative pre-connection, a port scanner, a stale tab. It
therefore serves connections concurrently (one idle connection cannot block the real redirect),
gives each connection a socket timeout, and the wait as a whole ends at ``timeout`` whatever is
still open. It binds 127.0.0.1 only, never the LAN.

The ``state`` must be present, ASCII and equal to the one fitglute put in the consent link
(compared in constant time): anything else is somebody else's sign-in and is refused. A pasted
*address* must carry it too; only a bare code (no address at all) is taken without one, and then
the granted scope is unknown.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fitglute.strava.errors import StravaAuthError
from fitglute.strava.settings import RERUN_AUTH, SCOPE_HINT

CALLBACK_PATH = "/callback"
CONNECTION_TIMEOUT_S = 5.0

_REPLY_OK = "fitglute received Strava's answer. You can close this tab now."
_REPLY_DECLINED = "fitglute was not authorised. You can close this tab."
_REPLY_FOREIGN = "This answer does not belong to the sign-in fitglute started. Start the sign-in again from fitglute."


def state_matches(got: Any, expected: str) -> bool:
    """``got`` is present, ASCII and equal to ``expected`` (constant-time; never a TypeError)."""
    if not isinstance(got, str) or not got or not got.isascii() or not expected.isascii():
        return False
    return hmac.compare_digest(got.encode("ascii"), expected.encode("ascii"))


def query_params(query: str) -> dict[str, str]:
    """The last value of each query parameter."""
    return {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}


def wait_for_redirect(
    state: str,
    timeout: float,
    on_ready: Callable[[str], None],
    *,
    connection_timeout_s: float = CONNECTION_TIMEOUT_S,
) -> dict[str, str] | None:
    """Serve ``http://127.0.0.1:<free port>/callback`` until a request with our ``state`` arrives.

    ``on_ready`` gets the redirect URI once the server listens. Returns the query parameters of
    the first answer (``code`` or ``error``) carrying our state, or None after ``timeout`` s.
    """
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    answer: dict[str, str] = {}
    arrived = threading.Event()
    lock = threading.Lock()

    class Callback(BaseHTTPRequestHandler):
        timeout = connection_timeout_s  # socket timeout: an idle or trickling connection is dropped

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            parts = urlsplit(self.path)
            params = query_params(parts.query)
            if parts.path != CALLBACK_PATH or not ({"code", "error"} & params.keys()):
                self._reply(404, "Not found.")
            elif not state_matches(params.get("state"), state):
                self._reply(400, _REPLY_FOREIGN)
            else:
                with lock:
                    if not arrived.is_set():
                        answer.update(params)
                        arrived.set()
                self._reply(200, _REPLY_OK if "code" in params else _REPLY_DECLINED)

        def _reply(self, status: int, text: str) -> None:
            body = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep the terminal clean
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True  # a connection still open at the end never holds the process
        block_on_close = False

    server = Server(("127.0.0.1", 0), Callback)
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()
    try:
        on_ready(f"http://127.0.0.1:{server.server_address[1]}{CALLBACK_PATH}")
        if not arrived.wait(max(0.0, timeout)):
            return None
        with lock:
            return dict(answer)
    finally:
        server.shutdown()
        server.server_close()


def parse_pasted(text: str) -> tuple[dict[str, str], bool]:
    """(parameters, bare) from what the runner pasted: the redirect address, its query, or a bare code."""
    text = text.strip()
    if "=" in text:
        return query_params(urlsplit(text).query if "?" in text else text), False
    if text and text.replace("-", "").replace("_", "").isalnum() and text.isascii():
        return {"code": text}, True
    raise StravaAuthError("That is neither the address Strava sent you to nor a code; please try again.")


def check_answer(answer: dict[str, str], state: str, *, bare_code: bool = False) -> tuple[str, str | None]:
    """Code and granted scope from Strava's answer; a declined consent or a missing/foreign state is an error."""
    if not bare_code and not state_matches(answer.get("state"), state):
        if not answer.get("state"):
            raise StravaAuthError(
                f"That address carries no sign-in state, so it cannot be checked; please {RERUN_AUTH} "
                "and paste the whole address."
            )
        raise StravaAuthError(f"That address belongs to a different sign-in attempt; please {RERUN_AUTH}.")
    if "error" in answer:
        raise StravaAuthError(
            f"Strava says access was not granted ({answer['error']}); please {RERUN_AUTH}, click "
            f"Authorize and {SCOPE_HINT}."
        )
    code = answer.get("code", "").strip()
    if not code:
        raise StravaAuthError(f"No authorization code in Strava's answer; please {RERUN_AUTH}.")
    return code, answer.get("scope")

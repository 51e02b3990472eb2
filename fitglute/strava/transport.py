"""One ``requests.Session`` for every Strava request: timeouts, bounded retries, one host only.

Retries are bounded (``max_attempts`` tries; the first retry is immediate, then
``retry_backoff_s * 2**(n-1)``). GET (and POST to ``/oauth/token``) are retried on connection
errors, timeouts and 500/502/503/504. A ``PUT`` is retried **only** when the connection could not
be opened (the request never left this machine): a read timeout or 5xx on a PUT may mean Strava
applied it, and blindly re-sending could clobber an edit the runner made in between, so it
surfaces as ``StravaUnavailable(may_have_applied=True)`` and the caller re-reads before writing
again. 429 is never retried.

A :class:`Deadline` bounds a whole sync: no request starts after it, and a request still running
when it passes is cut off — even from a server that trickles a byte every few seconds, which read
timeouts alone never stop (each byte restarts them). A watchdog thread shuts the request's socket
down at the deadline, so this works in any phase (connect, headers, body) and in any thread.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import requests

from fitglute.strava.errors import DeadlineReached, StravaUnavailable
from fitglute.strava.settings import DEFAULT_BASE_URL, StravaSettings, load_settings

_RETRY_STATUSES = (500, 502, 503, 504)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in _LOOPBACK_HOSTS


class Deadline:
    """A moment after which no Strava request may run (a sync's overall time limit)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.ends = clock() + seconds

    def left(self) -> float:
        return self.ends - self.clock()

    def check(self) -> None:
        if self.left() <= 0:
            raise DeadlineReached(self.seconds)


class _TimeUp(Exception):
    """Raised inside urllib3 when a request would open a connection after its watchdog fired."""


_watching = threading.local()


class _Watchdog:
    """Shuts down the sockets of the request running in this thread once ``seconds`` have passed.

    Sockets are recorded when a connection is taken from the pool and when it connects: http.client
    drops its own reference once a response "takes over" the connection, so the connection object
    alone is not enough to reach the socket a slow body is still being read from.
    """

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._sockets: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        _watching.dog = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _watching.dog = None

    def watch(self, sock: Any) -> None:
        with self._lock:
            if self.fired:
                raise _TimeUp
            if sock is not None:
                self._sockets.append(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # already closed: nothing left to cut
                    sock.shutdown(socket.SHUT_RDWR)


def _watch(sock: Any) -> None:
    dog = getattr(_watching, "dog", None)
    if dog is not None:
        dog.watch(sock)


@functools.cache
def _adapter_classes() -> tuple[type, type]:
    """Build the adapter classes lazily so importing this module does not import requests."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class WatchedHTTPConnection(HTTPConnection):
        def connect(self) -> None:
            super().connect()
            _watch(self.sock)

    class WatchedHTTPSConnection(HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            _watch(self.sock)

    class WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

        def _get_conn(self, timeout: float | None = None) -> Any:
            conn = super()._get_conn(timeout)
            _watch(getattr(conn, "sock", None))  # a kept-alive connection connects no more
            return conn

    class WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

        def _get_conn(self, timeout: float | None = None) -> Any:
            conn = super()._get_conn(timeout)
            _watch(getattr(conn, "sock", None))
            return conn

    class StravaAdapter(HTTPAdapter):
        """Adds default timeouts, the deadline, and re-routes ``https://www.strava.com`` to the base URL."""

        def __init__(
            self, base_url: str, timeout: tuple[float, float], retry: Any, deadline: Deadline | None = None
        ) -> None:
            super().__init__(max_retries=retry)
            self.base_url = base_url
            self.default_timeout = timeout
            self.deadline = deadline

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}

        def send(self, request: Any, **kwargs: Any) -> Any:
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = self.default_timeout
            if self.base_url != DEFAULT_BASE_URL and request.url.startswith(DEFAULT_BASE_URL + "/"):
                request.url = self.base_url + request.url[len(DEFAULT_BASE_URL):]
                if _is_loopback(self.base_url):
                    kwargs["proxies"] = {}  # a local fake must never go through an env proxy
            if self.deadline is None:
                return super().send(request, **kwargs)
            self.deadline.check()
            left = self.deadline.left()
            connect, read = kwargs["timeout"] if isinstance(kwargs["timeout"], tuple) else (kwargs["timeout"],) * 2
            kwargs["timeout"] = (min(connect, left), min(read, left))
            with _Watchdog(left) as dog:
                try:
                    response = super().send(request, **kwargs)
                    if not kwargs.get("stream"):
                        _ = response.content  # the body too is read before the watchdog stops
                    return response
                except Exception:
                    if dog.fired or self.deadline.left() <= 0:  # cut off, or timed out at the deadline
                        raise DeadlineReached(self.deadline.seconds) from None
                    raise

    class RefuseAdapter(HTTPAdapter):
        """The bearer token goes to Strava (or the configured base) and nowhere else."""

        def send(self, request: Any, **kwargs: Any) -> Any:
            host = urlsplit(request.url).hostname
            raise requests.ConnectionError(f"fitglute only talks to Strava; refused a request to {host}")

    return StravaAdapter, RefuseAdapter


def _retry_policy(settings: StravaSettings, methods: Iterable[str]) -> Any:
    """urllib3 retry: connect errors for every method, reads/5xx only for ``methods`` (see module doc)."""
    from urllib3.util.retry import Retry

    extra = settings.max_attempts - 1
    return Retry(
        total=extra,
        connect=extra,
        read=extra,
        status=extra,
        other=0,
        redirect=0,
        allowed_methods=frozenset(methods),
        status_forcelist=_RETRY_STATUSES,
        backoff_factor=settings.retry_backoff_s,
        backoff_max=30,
        raise_on_status=False,
        respect_retry_after_header=False,
    )


def make_session(settings: StravaSettings | None = None, deadline: Deadline | None = None) -> requests.Session:
    """The ``requests.Session`` handed to stravalib: every request it makes goes through here."""
    import requests

    settings = settings or load_settings()
    strava_adapter, refuse_adapter = _adapter_classes()
    timeout = (settings.connect_timeout_s, settings.read_timeout_s)
    session = requests.Session()
    session.mount("http://", refuse_adapter())
    session.mount("https://", refuse_adapter())
    # requests picks the longest matching prefix.
    session.mount(
        DEFAULT_BASE_URL + "/",
        strava_adapter(settings.base_url, timeout, _retry_policy(settings, ("GET", "HEAD")), deadline),
    )
    # Token calls are POSTs but safe to repeat: a lost answer leaves the same refresh token usable
    # or already rotated; either way repeating cannot do harm beyond what the failure already did.
    session.mount(
        DEFAULT_BASE_URL + "/oauth/",
        strava_adapter(settings.base_url, timeout, _retry_policy(settings, ("GET", "HEAD", "POST")), deadline),
    )
    return session


def network_error(err: Exception, method: str) -> StravaUnavailable:
    import requests

    reason = getattr(err.args[0], "reason", None) if err.args else None  # urllib3's MaxRetryError
    if isinstance(err, requests.Timeout) or "Timeout" in type(reason).__name__:
        message = "Strava did not answer in time; try again later."
    elif isinstance(err, requests.ConnectionError):
        message = "Could not reach Strava (network down?); try again later."
    else:
        message = "Strava sent an answer fitglute could not read; try again later."
    never_sent = isinstance(err, requests.ConnectTimeout)
    return StravaUnavailable(message, may_have_applied=method != "GET" and not never_sent)


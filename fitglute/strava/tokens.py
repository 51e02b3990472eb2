"""The Strava tokens: a 0600 file, replaced atomically, locked across processes.

``config.strava_token_path()``: written by :func:`fitglute.config.write_private` (0600 from the first byte,
replaced atomically), guarded by a ``filelock`` lock that
also serialises refresh-token rotation between overlapping cron runs. Tokens never appear in
reprs, logs or exception messages.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from fitglute import config
from fitglute.strava.errors import AuthNeeded, StravaError
from fitglute.strava.settings import REQUESTED_SCOPES, RERUN_AUTH, SCOPE_HINT

TOKEN_FILENAME = config.STRAVA_TOKEN_FILE


def parse_scope(scope: str | Iterable[str] | None) -> tuple[str, ...]:
    """Strava sends the granted scope as ``read,activity:write,...``; normalise to a sorted tuple."""
    if scope is None:
        return ()
    items = scope.replace(" ", ",").split(",") if isinstance(scope, str) else scope
    return tuple(sorted({s.strip() for s in items if s and s.strip()}))


def missing_scopes(granted: Iterable[str]) -> list[str]:
    """Scopes fitglute needs but the runner did not grant (``activity:read_all`` implies ``read``)."""
    have = set(granted)
    return [s for s in REQUESTED_SCOPES if s not in have]


def scope_error_message(missing: Iterable[str]) -> str:
    """One line telling the runner exactly how to fix an incomplete grant."""
    return (
        f"Strava access is missing {', '.join(missing)}; fitglute needs it to read your runs and "
        f"write the note. Please {RERUN_AUTH} and {SCOPE_HINT}."
    )


@dataclass(frozen=True)
class StravaTokens:
    """What the token file holds. The repr never shows the tokens or the client secret."""

    access_token: str
    refresh_token: str
    expires_at: int
    scope: tuple[str, ...] = ()
    athlete_id: int | None = None
    athlete_name: str | None = None
    client_id: int | None = None
    client_secret: str | None = None
    scope_verified: bool = True
    updated_at: int = 0

    def __repr__(self) -> str:
        return (
            f"StravaTokens(athlete_id={self.athlete_id!r}, scope={self.scope!r}, "
            f"expires_at={self.expires_at!r}, access_token=<redacted>, refresh_token=<redacted>)"
        )

    __str__ = __repr__

    def seconds_left(self, now: float | None = None) -> float:
        """Seconds until the access token expires (negative once expired)."""
        return self.expires_at - (time.time() if now is None else now)

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["scope"] = list(self.scope)
        return data

    @classmethod
    def from_json(cls, data: Any) -> StravaTokens:
        """Parse the file contents; a damaged file means the runner has to authorise again."""
        try:
            known = {f.name for f in fields(cls)}
            kwargs = {k: v for k, v in data.items() if k in known}
            kwargs["scope"] = parse_scope(kwargs.get("scope"))
            tokens = cls(**kwargs)
            if not (tokens.access_token and tokens.refresh_token) or not isinstance(tokens.expires_at, int):
                raise ValueError
            return tokens
        except (AttributeError, TypeError, ValueError):
            raise AuthNeeded(f"The Strava token file is damaged; please {RERUN_AUTH}.") from None


class TokenStore:
    """The 0600 JSON token file plus the lock that serialises reads-refreshes-writes across processes."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config.strava_token_path()
        self._lock: Any = None

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    @contextlib.contextmanager
    def locked(self, timeout_s: float = 60.0) -> Iterator[None]:
        """Hold the token lock (re-entrant within this store object)."""
        import filelock

        self._ensure_dir()
        if self._lock is None:
            self._lock = filelock.FileLock(str(self.path) + ".lock", timeout=timeout_s)
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise StravaError(
                "Another fitglute process is updating the Strava tokens; try again in a minute."
            ) from None
        try:
            yield
        finally:
            self._lock.release()

    def load(self) -> StravaTokens | None:
        """The stored tokens, or None when the runner never connected (or logged out)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as err:
            raise StravaError(f"Cannot read the Strava token file {self.path}: {err.strerror}.") from None
        try:
            data = json.loads(raw)
        except ValueError:
            raise AuthNeeded(f"The Strava token file is damaged; please {RERUN_AUTH}.") from None
        return StravaTokens.from_json(data)

    def save(self, tokens: StravaTokens) -> None:
        """Write atomically with mode 0600 from the first byte, under the lock."""
        payload = json.dumps(tokens.to_json(), indent=2, sort_keys=True).encode("utf-8") + b"\n"
        with self.locked():
            _write_private(self.path, payload)

    def delete(self) -> bool:
        """Remove the token file; True when there was one."""
        with self.locked():
            try:
                self.path.unlink()
            except FileNotFoundError:
                return False
        return True

    def _ensure_dir(self) -> None:
        config.private_dir(self.path.parent)


_write_private = config.write_private  # one 0600 atomic writer for every secret fitglute keeps

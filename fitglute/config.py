"""Where fitglute keeps its files, and the user's TOML configuration.

One place decides every path so tests can redirect all of them with ``FITGLUTE_HOME`` and never
touch the real home directory.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

APP = "fitglute"
STRAVA_TOKEN_FILE = "strava_tokens.json"
INTERVALS_KEY_FILE = "intervals_key.json"


def home_override() -> Path | None:
    """``FITGLUTE_HOME`` puts config, data and state under one folder (tests, portable installs)."""
    value = os.environ.get("FITGLUTE_HOME")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    """Folder for ``config.toml`` and the Strava token file."""
    base = home_override()
    if base is not None:
        return base / "config"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    """Folder for the SQLite history database and caches."""
    base = home_override()
    if base is not None:
        return base / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP))


def state_dir() -> Path:
    """Folder for logs and lock files (cron, sync)."""
    base = home_override()
    if base is not None:
        return base / "state"
    import platformdirs

    return Path(platformdirs.user_state_dir(APP))


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) for fitglute's own files; the config folder is 0700.

    The config folder holds the Strava tokens and the API app's secret, so it is created readable
    by its owner only, and tightened to 0700 if an older fitglute made it 0755.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and path == config_dir():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            path.chmod(mode & 0o700)
    return path


def config_path() -> Path:
    return config_dir() / "config.toml"


def db_path() -> Path:
    """The history database (``--db`` names another)."""
    return data_dir() / "history.sqlite"


def strava_token_path() -> Path:
    """The Strava tokens (and app secret, when ``auth strava`` saved it): mode 0600."""
    return config_dir() / STRAVA_TOKEN_FILE


def sources_path() -> Path:
    """The folders ``fitglute sources add`` remembered."""
    return config_dir() / "sources.json"


def intervals_key_path() -> Path:
    """The intervals.icu API key ``sources add --intervals`` stored: mode 0600."""
    return config_dir() / INTERVALS_KEY_FILE


def inbox_dir(source: str) -> Path:
    """Where a pulling source's files land before (and after) the importer reads them."""
    return data_dir() / "inbox" / source


def sync_log_path() -> Path:
    return state_dir() / "sync.log"


def sync_lock_path() -> Path:
    """Held while a sync runs, so overlapping cron runs exit at once."""
    return state_dir() / "sync.lock"


class ConfigError(ValueError):
    """The user's config file is unreadable or holds an invalid value."""


def load_config(path: Path | None = None) -> dict[str, Any]:
    """Read the TOML config; a missing file is an empty config, a broken one a clear error."""
    path = path or config_path()
    if not path.is_file():
        return {}
    import tomllib  # here, not at the top: most commands run without a config file

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc


def write_private(path: Path, data: bytes) -> None:
    """Write ``path`` atomically with mode 0600 from the first byte.

    A 0600 temp file beside ``path`` (``os.open``, never chmod afterwards) is fsynced, then
    ``os.replace``d into place: a reader sees the old file or the new one, never a half-written
    one, and a secret is never readable by others, not even for a moment.
    """
    import secrets

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable where the platform allows it (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


Settings = TypeVar("Settings")


def load_section(
    cls: type[Settings],
    section: str,
    *,
    env_prefix: str,
    cfg: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    hidden: tuple[str, ...] = (),
    check: Callable[[dict[str, Any]], None] | None = None,
) -> Settings:
    """A settings dataclass from ``[section]`` in config.toml, each key overridden by
    ``<env_prefix><KEY>`` in the environment; typed by the dataclass defaults (a typo'd value is
    an error naming the key, a ``hidden`` one without showing it)."""
    cfg = load_config() if cfg is None else cfg
    env = os.environ if env is None else env
    table = cfg.get(section, {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"[{section}] in the config file must be a table")
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        raw = env.get(f"{env_prefix}{f.name.upper()}")
        if raw in (None, ""):
            raw = table.get(f.name)
        if raw in (None, ""):
            continue
        parse = str if f.default is None or isinstance(f.default, str) else type(f.default)
        try:
            values[f.name] = parse(raw)
        except (TypeError, ValueError):
            shown = "(hidden)" if f.name in hidden else repr(raw)
            raise ConfigError(f"{section}.{f.name}: invalid value {shown}") from None
    if check is not None:
        check(values)
    return cls(**values)


def check_base_url(url: str, key: str) -> str:
    """``http(s)://host[:port][/prefix]`` without a trailing slash, or a ConfigError naming ``key``."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"{key} must look like https://host[:port], got {url!r}")
    return url.strip().rstrip("/")

"""Where fitglute keeps its files, and the user's TOML configuration.

One place decides every path so tests can redirect all of them with ``FITGLUTE_HOME`` and never
touch the real home directory.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

APP = "fitglute"
STRAVA_TOKEN_FILE = "strava_tokens.json"


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
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc

"""The places ``fitglute sync`` takes FIT files from: ``sources.json`` plus ``[sync] sources``."""

from __future__ import annotations

import json
from pathlib import Path

from fitglute import config


class SourcesFileError(ValueError):
    """``sources.json`` is unreadable; the message is one line naming the file."""


def load_sources() -> list[str]:
    """Folders/files holding FIT files: ``sources.json`` plus ``[sync] sources`` in config.toml."""
    listed: list[str] = []
    path = config.sources_path()
    if path.is_file():
        try:
            listed = [str(p) for p in json.loads(path.read_text())]
        except (ValueError, TypeError) as exc:
            raise SourcesFileError(f"{path}: not a JSON list of folders ({exc})") from None
    extra = config.load_config().get("sync", {}).get("sources", [])
    return list(dict.fromkeys([*listed, *(str(Path(p).expanduser()) for p in extra)]))


def save_sources(paths: list[str]) -> None:
    path = config.sources_path()
    config.private_dir(path.parent)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(paths, indent=1))
    tmp.replace(path)

"""The sources ``fitglute sync`` uses: ``sources.json`` plus ``[sync] sources`` in config.toml.

``sources.json`` holds ``{"sources": [{"kind": …, "name": …, "options": {…}}, …]}``: a folder is
``{"kind": "folder", "name": "/abs/path"}``; a pulling source is named after its kind
(``intervals``, ``garmin``, ``watch``). A file written by an older fitglute — a plain JSON list
of folders — is read as folders and rewritten in the new form on the next change.
Secrets never live here (the intervals.icu key and the Garmin tokens have their own 0600 files).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fitglute import config

FOLDER = "folder"


class SourcesFileError(ValueError):
    """``sources.json`` is unreadable; the message is one line naming the file."""


@dataclass(frozen=True)
class Entry:
    """One configured source: its kind (a registered source's name, or ``folder``) and its name."""

    kind: str
    name: str
    options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "name": self.name}
        if self.options:
            out["options"] = self.options
        return out


def load_entries() -> list[Entry]:
    """Every configured source, in the order they were added; folders of ``[sync] sources`` last."""
    entries = _stored()
    extra = config.load_config().get("sync", {}).get("sources", [])
    names = {e.name for e in entries}
    for p in extra:
        full = str(Path(p).expanduser())
        if full not in names:
            entries.append(Entry(FOLDER, full))
            names.add(full)
    return entries


def _parse(data: Any) -> list[Entry]:
    if isinstance(data, list):  # an older fitglute: a plain list of folders
        return [Entry(FOLDER, str(p)) for p in data]
    out = []
    for raw in data["sources"]:
        options = raw.get("options") or {}
        if not isinstance(options, dict):
            raise ValueError(f"options of {raw['name']!r} must be an object")
        out.append(Entry(str(raw["kind"]), str(raw["name"]), options))
    return out


def save_entries(entries: list[Entry]) -> None:
    path = config.sources_path()
    config.private_dir(path.parent)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"sources": [e.to_json() for e in entries]}, indent=1), encoding="utf-8")
    tmp.replace(path)


def load_sources() -> list[str]:
    """The configured folders (and files) holding FIT files."""
    return [e.name for e in load_entries() if e.kind == FOLDER]


def save_sources(paths: list[str]) -> None:
    """Set the configured folders; the other sources stay as they are."""
    others = [e for e in _stored() if e.kind != FOLDER]
    save_entries([Entry(FOLDER, str(p)) for p in dict.fromkeys(paths)] + others)


def add_entry(entry: Entry) -> bool:
    """Add (or update the options of) a source; False when it was configured already, unchanged."""
    entries = _stored()
    for i, e in enumerate(entries):
        if e.name == entry.name:
            if e == entry:
                return False
            entries[i] = entry
            save_entries(entries)
            return True
    save_entries([*entries, entry])
    return True


def remove_entry(name: str) -> Entry | None:
    """Forget one source by name; the removed entry, or None when there is none by that name."""
    entries = _stored()
    for e in entries:
        if e.name == name:
            save_entries([x for x in entries if x is not e])
            return e
    return None


def _stored() -> list[Entry]:
    """What ``sources.json`` itself holds (without the config file's folders, which are not ours to save)."""
    path = config.sources_path()
    if not path.is_file():
        return []
    try:
        return _parse(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SourcesFileError(f"{path}: not a fitglute sources file ({exc})") from None

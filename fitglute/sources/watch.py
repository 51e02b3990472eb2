"""A plugged-in watch (or Garmin Express's copies) as a pulling source: new FIT files are copied in.

Where watches show up, searched case-insensitively for a ``Garmin`` folder with an ``Activit*``
folder in it (``GARMIN/ACTIVITY`` on a USB-storage watch, ``Garmin/Activity`` over MTP,
``Garmin/Devices/<id>/Activities`` for Garmin Express):

* USB storage (older watches): ``/Volumes/*`` (macOS), ``/media/$USER/*``, ``/run/media/$USER/*``;
* MTP (most watches since about 2019) through GNOME's gvfs: ``/run/user/<uid>/gvfs/mtp:host=…/<storage>``;
* Garmin Express: ``~/Library/Application Support`` (macOS), ``%APPDATA%`` (Windows).

``FITGLUTE_WATCH_ROOTS`` (paths joined by ``os.pathsep``), the source's ``roots`` option or
``[watch] roots`` in config.toml replace these places (tests; unusual mounts). Files are copied
out before they are read (gvfs paths are slow and vanish on unplug), each once: a file is known
by its name and size, and its content by its hash in history. No watch plugged in is not a
problem: the pull finds nothing and says nothing.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from pathlib import Path

from fitglute import config
from fitglute.sources import Item, Listing, PullContext, Source, SourceUnavailable

NAME = "watch"
ROOTS_ENV = "FITGLUTE_WATCH_ROOTS"


def default_roots() -> list[Path]:
    """The places a watch or Garmin Express appears on this machine's kind of system."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = os.environ.get("USER", "")
    roots = [Path("/Volumes"), Path("/media") / user, Path("/run/media") / user]
    if hasattr(os, "getuid"):
        roots.append(Path(f"/run/user/{os.getuid()}/gvfs"))
    roots.append(Path.home() / "Library" / "Application Support")
    if os.environ.get("APPDATA"):
        roots.append(Path(os.environ["APPDATA"]))
    return roots


def configured_roots(options: dict | None = None) -> list[Path]:
    env = os.environ.get(ROOTS_ENV)
    if env is not None:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    chosen = (options or {}).get("roots") or config.load_config().get("watch", {}).get("roots")
    if chosen:
        if not isinstance(chosen, list) or not all(isinstance(p, str) for p in chosen):
            raise config.ConfigError("[watch] roots must be a list of folders")
        return [Path(p).expanduser() for p in chosen]
    return default_roots()


def _subdirs(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir())
    except OSError:  # not there, no permission, an MTP device going away
        return []


def _garmin_dirs(root: Path) -> Iterable[Path]:
    """Folders named ``garmin`` (any case) at the root or up to three levels below it."""
    level = [root]
    for depth in range(4):
        for folder in level:
            if folder.name.lower() == "garmin":
                yield folder
        if depth < 3:
            level = [child for folder in level for child in _subdirs(folder)]


def activity_folders(roots: Iterable[Path]) -> list[Path]:
    """Every ``…/Garmin/Activit*`` and ``…/Garmin/Devices/<id>/Activit*`` folder under the roots."""
    found: list[Path] = []
    for root in roots:
        for garmin in _garmin_dirs(root):
            for child in _subdirs(garmin):
                name = child.name.lower()
                if name.startswith("activit"):
                    found.append(child)
                elif name == "devices":
                    devices = [a for dev in _subdirs(child) for a in _subdirs(dev)]
                    found += [a for a in devices if a.name.lower().startswith("activit")]
    return list(dict.fromkeys(found))


class WatchPuller:
    def __init__(self, ctx: PullContext) -> None:
        self.ctx = ctx
        self.paths: dict[str, Path] = {}

    def list_new(self) -> Listing:
        listing = Listing()
        for folder in activity_folders(configured_roots(dict(self.ctx.options))):
            try:
                files = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(".fit"))
            except OSError:
                continue
            for path in files:
                try:
                    size = path.stat().st_size
                except OSError:
                    continue
                key = f"{path.name.upper()}:{size}"
                if self.ctx.known(key):
                    listing.skip("copied before")
                    continue
                self.paths[key] = path
                listing.items.append(Item(key, path.stem, None, None, str(path)))
        return listing

    def fetch(self, item: Item) -> bytes:
        path = self.paths[item.key]
        try:
            return path.read_bytes()
        except OSError as exc:
            raise SourceUnavailable(f"{path}: cannot copy ({exc.strerror or exc}); unplugged?") from None


WATCH = Source(
    NAME,
    description="a plugged-in Garmin watch or Garmin Express's folder: new FIT files copied in",
    pull=WatchPuller,
    title="watch",
)

"""FIT files given as files, folders (searched recursively) or quoted globs."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from fitglute.sources import Found, Source

FIT_SUFFIXES = (".fit", ".fit.gz")


def is_fit_name(name: str) -> bool:
    return name.lower().endswith(FIT_SUFFIXES)


def expand_paths(inputs: Iterable[str]) -> tuple[list[str], list[str]]:
    """Files, folders (recursive) and quoted globs → (FIT files, inputs that matched nothing)."""
    files: list[str] = []
    missing: list[str] = []
    for raw in inputs:
        p = Path(raw).expanduser()
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*") if f.is_file() and is_fit_name(f.name))
            files.extend(found)
        elif p.exists():
            files.append(str(p))
        elif any(ch in raw for ch in "*?["):
            matched = sorted(glob.glob(os.path.expanduser(raw), recursive=True))
            if matched:
                files.extend(m for m in matched if os.path.isfile(m))
            else:
                missing.append(raw)
        else:
            missing.append(raw)
    seen: set[str] = set()
    return [f for f in files if not (f in seen or seen.add(f))], missing


def _find(inputs: Sequence[str]) -> Found:
    files, missing = expand_paths(inputs)
    return Found(files=files, missing=missing)


FOLDERS = Source("folders", _find, "FIT / .fit.gz files, folders (recursive) and globs")

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


def expand_paths(inputs: Iterable[str], warnings: list[str] | None = None) -> tuple[list[str], list[str]]:
    """Files, folders (recursive) and quoted globs → (FIT files, inputs that matched nothing).

    A sub-folder that cannot be read adds one line to ``warnings`` (the walk goes on): skipping
    it silently would look like "no runs there".
    """
    files: list[str] = []
    missing: list[str] = []
    for raw in inputs:
        p = Path(raw).expanduser()
        if p.is_dir():
            files.extend(sorted(fit_files_under(p, warnings)))
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


def fit_files_under(folder: Path, warnings: list[str] | None = None) -> list[str]:
    """Every FIT file under ``folder``; unreadable sub-folders are one warning line each."""

    def unreadable(exc: OSError) -> None:
        if warnings is not None:
            warnings.append(f"{exc.filename}: cannot read this folder ({exc.strerror or exc}); skipped")

    out = []
    for root, _dirs, names in os.walk(folder, onerror=unreadable):
        out.extend(os.path.join(root, n) for n in names if is_fit_name(n) and os.path.isfile(os.path.join(root, n)))
    return out


def _find(inputs: Sequence[str]) -> Found:
    warnings: list[str] = []
    files, missing = expand_paths(inputs, warnings)
    return Found(files=files, missing=missing, warnings=warnings)


FOLDERS = Source("folders", _find, "FIT / .fit.gz files, folders (recursive) and globs")

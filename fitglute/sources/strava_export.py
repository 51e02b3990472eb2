"""Strava bulk exports: ``activities.csv`` says which Strava activity each exported file is."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from fitglute.sources import Found, Source

STRAVA_CSV = "activities.csv"


def export_roots(inputs: list[str]) -> set[Path]:
    """Strava bulk-export folders among the inputs: the folder with ``activities.csv``, given
    itself, as its ``activities/`` sub-folder, or through a file inside that sub-folder."""
    roots: set[Path] = set()
    for raw in inputs:
        p = Path(raw).expanduser()
        candidates = [p, p.parent] if p.is_dir() else [p.parent.parent]
        roots.update(c.resolve() for c in candidates if (c / STRAVA_CSV).is_file())
    return roots


def read_activities_csv(root: Path) -> tuple[dict[str, int], str | None]:
    """{resolved file path: Strava activity id} from an export's ``activities.csv``.

    The CSV repeats some column names (two "Distance" columns…), so columns are found by the
    first header named "Activity ID" and "Filename"; rows without a file are manual entries.
    """
    mapping: dict[str, int] = {}
    path = root / STRAVA_CSV
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            if "Activity ID" not in header or "Filename" not in header:
                return {}, f"{path}: no 'Activity ID' / 'Filename' columns; files imported without Strava ids"
            i_id, i_file = header.index("Activity ID"), header.index("Filename")
            for row in reader:
                if len(row) <= max(i_id, i_file) or not row[i_file].strip():
                    continue
                try:
                    mapping[str((root / row[i_file].strip()).resolve())] = int(row[i_id])
                except ValueError:
                    continue
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        return {}, f"{path}: cannot read ({exc}); files imported without Strava ids"
    return mapping, None


def _find(inputs: Sequence[str]) -> Found:
    """The Strava ids of the exported files (the files themselves are found as folders)."""
    found = Found()
    for root in sorted(export_roots(list(inputs))):
        mapping, warning = read_activities_csv(root)
        found.strava_ids.update(mapping)
        if warning:
            found.warnings.append(warning)
    return found


STRAVA_EXPORT = Source("strava-export", _find, "Strava bulk export: activities.csv links files to activity ids")

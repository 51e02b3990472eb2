"""Where FIT files come from: each kind of source lists the FIT files under the places it is given.

A :class:`Source` is registered through the ``register_sources`` hook. The importer asks every
source about the inputs (the paths given to ``fitglute import``, or the configured sync sources)
and merges what they find: the files, and per file what a source knows about it (the Strava
activity a bulk export says it belongs to).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class Found:
    """What one source found under the inputs."""

    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # inputs that matched nothing
    warnings: list[str] = field(default_factory=list)
    #: resolved file path → the Strava activity id the source knows for it
    strava_ids: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """A kind of place FIT files come from (folders, a Strava bulk export, …)."""

    name: str
    find: Callable[[Sequence[str]], Found]
    description: str = ""


def find_all(sources: Sequence[Source], inputs: Sequence[str]) -> Found:
    """Merge what every source finds under ``inputs`` (files de-duplicated, first mention wins)."""
    merged = Found()
    for source in sources:
        got = source.find(inputs)
        merged.files.extend(got.files)
        merged.missing.extend(m for m in got.missing if m not in merged.missing)
        merged.warnings.extend(got.warnings)
        merged.strava_ids.update(got.strava_ids)
    seen: set[str] = set()
    merged.files = [f for f in merged.files if not (f in seen or seen.add(f))]
    return merged

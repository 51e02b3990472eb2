"""What fitglute remembers about the note of one Strava activity (``exporter_state``, as JSON).

Why it exists: to delete nothing fitglute did not write, the exact text it wrote must be known
(:mod:`.note_merge` replaces only that); to cost Strava nothing when nothing changed, its digest
is compared with the note fitglute would write now *before* anything is read from Strava.

* ``written`` / ``separator``: the block exactly as it stands in the description, and the line
  breaks fitglute put before it. ``digest`` fingerprints it (an older fitglute kept only this, as
  ``note``; such a state is still understood).
* ``intent`` / ``intent_separator``: saved right before a write and cleared after it, so a write
  whose answer was lost (timeout, deadline, ``kill -9``) is still recognised as fitglute's text.
* ``left_alone`` (``edited``, ``deleted``, ``too-long``, ``refused``) and ``for_note``: the
  description was left as it is, for the note with that digest. ``deleted`` holds whatever the
  note (the runner's opt-out); the others hold until fitglute has a different note to offer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from fitglute.exporters.note_merge import digest

STATE = "strava"  # exporter_state rows (one per activity id) are kept under this name

EDITED, DELETED, TOO_LONG, REFUSED = "edited", "deleted", "too-long", "refused"


@dataclass(frozen=True)
class NoteState:
    sha256: str | None = None
    written: str | None = None
    separator: str = ""
    digest: str | None = None
    intent: str | None = None
    intent_separator: str = ""
    left_alone: str | None = None
    for_note: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> NoteState:
        if not isinstance(data, dict):
            return cls()
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if "digest" not in known and isinstance(data.get("note"), str):
            known["digest"] = data["note"]  # fitglute before exact-text states: the digest only
        try:
            return cls(**known)
        except TypeError:
            return cls()

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "updated": datetime.now(UTC).isoformat(timespec="seconds")}

    @property
    def legacy(self) -> bool:
        """A digest without the text: written by an older fitglute."""
        return self.written is None and self.digest is not None

    def last_written(self) -> tuple[str, str] | None:
        return (self.written, self.separator) if self.written else None

    def in_flight(self) -> tuple[str, str] | None:
        return (self.intent, self.intent_separator) if self.intent else None

    def holds(self, note_digest: str | None) -> str | None:
        """Why nothing is to be done for the note with ``note_digest`` without reading Strava, or None.

        ``"opted-out"``, ``"left-alone"`` or ``"unchanged"``.
        """
        if self.left_alone == DELETED:
            return "opted-out"
        if self.left_alone is not None and self.for_note == note_digest:
            return "left-alone"
        if self.intent is None and self.digest == note_digest:
            return "unchanged"
        return None

    def writing(self, block: str | None, separator: str) -> NoteState:
        return replace(self, intent=block, intent_separator=separator)

    def wrote(self, sha256: str | None, block: str | None, separator: str) -> NoteState:
        return NoteState(sha256=sha256, written=block, separator=separator if block else "", digest=digest(block))

    def leave(self, why: str, note_digest: str | None) -> NoteState:
        return replace(self, intent=None, intent_separator="", left_alone=why, for_note=note_digest)


def load(store: Any, activity_id: int) -> NoteState:
    return NoteState.from_json(store.get_exporter_state(STATE, str(activity_id)))


def save(store: Any, activity_id: int, state: NoteState) -> None:
    store.set_exporter_state(STATE, str(activity_id), state.to_json())


def forget(store: Any, activity_id: int) -> None:
    store.delete_exporter_state(STATE, str(activity_id))

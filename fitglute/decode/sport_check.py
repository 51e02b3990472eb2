"""The sport of a file from its summary messages alone, before any record is decoded.

Why: a ride, a swim or a settings file is skipped, but deciding that used to cost a full decode
— and a full *reference* decode (python-fitparse, ~1 s) whenever fitfast refused the file. The
session and sport messages (and, when no session names a sport, the laps) are a few hundred
bytes; :mod:`fitglute.decode.summary_copy` copies them into a small FIT file (framing only) that
fitfast decodes in well under a millisecond. The verdict uses
:func:`fitglute.decode.build.detect_sport`, the same rule as the full decode, so a file is skipped
here exactly when the full decode would skip it for its sport; a file with no summary sport and
no ``record`` message at all (settings, monitoring) is "sport: unknown" there too.

Not checked here: the file CRC. A non-running file is skipped without it (the full decode would
have called a corrupt ride an error; fitglute reads no ride either way).
"""

from __future__ import annotations

from fitglute.decode.build import detect_sport, normalise_summary
from fitglute.decode.decoded import Decoded
from fitglute.decode.summary_copy import LAP, SESSION, SPORT, extract
from fitglute.model.run import RUNNING_SPORTS

RECORD = 20


def not_running(data: bytes) -> tuple[bool, str | None]:
    """``(True, sport)`` when the summaries say the file is not a run (skip it undecoded), else
    ``(False, None)``: a run, or undecided (the full decode decides)."""
    import fitfast

    sessions_first = frozenset({SPORT, SESSION})
    for keep in (sessions_first, sessions_first | {LAP}):
        defined: set[int] = set()
        small, cut = extract(data, keep, defined=defined), False
        if small is None:  # a file cut short: what comes before the cut (nothing follows it)
            defined.clear()
            small, cut = extract(data, keep, cut_ok=True, defined=defined), True
        if small is None:
            return False, None
        try:
            msgs = fitfast.parse(small, enum_names=False)
        except fitfast.FitDecodeError:
            return False, None
        sessions = [normalise_summary(m) for m in msgs.get("session", [])]
        if LAP not in keep and not any(s.get("sport") for s in sessions):
            continue  # the laps come before the sport messages in detect_sport's order: read them too
        laps = [normalise_summary(m) for m in msgs.get("lap", [])]
        sport, _ = detect_sport(Decoded(records={}, sports=msgs.get("sport", [])), sessions, laps)
        if sport is None:  # the full decode looks at the records' activity type: a whole file without
            return not cut and RECORD not in defined, None  # records is "unknown"; a cut one it decides
        return sport not in RUNNING_SPORTS, sport if sport not in RUNNING_SPORTS else None
    return False, None

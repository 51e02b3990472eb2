"""The sport of a file from its summary messages alone, before any record is decoded.

Why: a ride, a swim or a settings file is skipped, but deciding that used to cost a full decode
— and a full *reference* decode (python-fitparse, ~1 s) whenever fitfast refused the file. The
sport, sub-sport and lap messages are a few hundred bytes; :mod:`fitglute.decode.summary_copy`
copies them into a small FIT file (framing only) that fitfast decodes in well under a millisecond.
The verdict uses :func:`fitglute.decode.build.detect_sport`, the same rule as the full decode, so
a file is rejected here exactly when the full decode would reject it for its sport.

Not checked here: the file CRC. A non-running file is skipped without it (the full decode would
have called a corrupt ride an error; fitglute reads no ride either way).
"""

from __future__ import annotations

from fitglute.decode.build import detect_sport, normalise_summary
from fitglute.decode.decoded import Decoded
from fitglute.decode.summary_copy import LAP, SESSION, SPORT, extract
from fitglute.model.run import RUNNING_SPORTS

_KEEP = frozenset({SPORT, SESSION, LAP})


def summary_sport(data: bytes) -> str | None:
    """The sport the file's summary messages give (``"cycling"``), or None when they give none.

    None also when the framing walk or fitfast cannot read the messages: the full decode decides.
    A file cut short is read up to the cut (nothing can follow it).
    """
    import fitfast

    small = extract(data, _KEEP, cut_ok=True)
    if small is None:
        return None
    try:
        msgs = fitfast.parse(small, enum_names=False)
    except fitfast.FitDecodeError:
        return None
    dec = Decoded(records={}, sports=msgs.get("sport", []))
    sessions = [normalise_summary(m) for m in msgs.get("session", [])]
    laps = [normalise_summary(m) for m in msgs.get("lap", [])]
    sport, _ = detect_sport(dec, sessions, laps)
    return sport


def not_running_sport(data: bytes) -> str | None:
    """The sport when the summaries say the file is not a run (so it is skipped undecoded), else None."""
    sport = summary_sport(data)
    return sport if sport is not None and sport not in RUNNING_SPORTS else None

"""FIT / .fit.gz bytes → :class:`~fitglute.model.run.Run`. Decoding only: no interpretation.

``fitfast`` (native, ~100x faster) is the fast path and ``python-fitparse`` the reference and
fallback, used when fitfast raises (a legal header CRC of 0x0000 it rejects, truncated files it
cannot salvage) or when a file needs what fitfast does not expand (``compressed_speed_distance``)
or separate (developer fields that share a name). Both produce the same
:class:`~fitglute.decode.decoded.Decoded` shape, which :mod:`~fitglute.decode.build` turns into a
``Run``; every problem becomes one :class:`FitError` with a one-line reason.
"""

from __future__ import annotations

from pathlib import Path

from fitglute.decode.adapter import decode
from fitglute.decode.build import build_run, not_running_reason
from fitglute.decode.decoded import DecodeFailure
from fitglute.decode.errors import FitError, NotRunning
from fitglute.decode.filebytes import read_bytes
from fitglute.decode.sport_check import not_running
from fitglute.model.run import Run

__all__ = ["FitError", "NotRunning", "read", "read_bytes"]


def read(source: str | Path | bytes, *, name: str | None = None, prefer: str = "fitfast") -> Run:
    """Decode one FIT file into a :class:`Run` of its running sessions.

    Raises :class:`FitError` (or :class:`NotRunning`) with a one-line reason; a truncated file
    is salvaged with a warning when anything usable decodes.
    """
    data, label = read_bytes(source, name)
    if prefer == "fitfast":  # a ride or a swim is skipped on its summaries, before any full decode
        skip, sport = not_running(data)
        if skip:
            raise NotRunning(label, "not-running", not_running_reason(sport))
    try:
        dec = decode(data, prefer=prefer)
    except DecodeFailure as exc:
        raise FitError(label, exc.kind, exc.reason) from None
    return build_run(dec, data, label)

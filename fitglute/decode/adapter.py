"""Which decoder runs: fitfast first, python-fitparse when fitfast can't (or is asked not to).

Nothing else in fitglute imports a FIT library (:mod:`fitglute.decode.fast`,
:mod:`fitglute.decode.reference`, :mod:`fitglute.decode.profile`).
"""

from __future__ import annotations

from fitglute.decode.decoded import Decoded
from fitglute.decode.fast import decode_fitfast
from fitglute.decode.reference import decode_fitparse


def decode(data: bytes, prefer: str = "fitfast") -> Decoded:
    """Decode FIT bytes; fitfast first unless ``prefer="fitparse"``, fitparse when fitfast can't."""
    if prefer == "fitfast":
        dec = decode_fitfast(data)
        if dec is not None:
            return dec
    return decode_fitparse(data)

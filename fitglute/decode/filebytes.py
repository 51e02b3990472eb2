"""The bytes of one input: read from a path or taken as given, gunzipped by magic number."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from fitglute.decode.errors import FitError

FIT_SIGNATURE = b".FIT"


def read_bytes(source: str | Path | bytes, name: str | None = None) -> tuple[bytes, str | None]:
    """Raw FIT bytes from a path or bytes, gunzipping by magic number (not by file name)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, label = bytes(source), name
    else:
        label = name or str(source)
        try:
            data = Path(source).read_bytes()
        except IsADirectoryError:
            raise FitError(label, "io", "is a directory, not a FIT file") from None
        except OSError as exc:
            raise FitError(label, "io", f"cannot read file ({exc.strerror or exc})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise FitError(label, "gzip", f"gzip data is corrupt or truncated ({exc})") from None
    if not data:
        raise FitError(label, "empty", "empty file")
    if len(data) < 12 or data[0] not in (12, 14) or data[8:12] != FIT_SIGNATURE:
        raise FitError(label, "not-fit", "not a FIT file (no '.FIT' signature in the header)")
    return data, label

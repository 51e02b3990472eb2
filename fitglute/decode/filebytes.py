"""The bytes of one input: read from a path or taken as given, gunzipped by magic number.

Bounded work: only regular files are opened (a FIFO would block for ever, ``/dev/zero`` never
ends), and neither a file nor its gunzipped content may exceed :data:`MAX_FIT_BYTES`. The gzip
stream is expanded in chunks and abandoned at the cap, so a "gzip bomb" (14 MB that expands to
3 GB) costs a few megabytes of memory and one error line.
"""

from __future__ import annotations

import os
import stat
import zlib
from pathlib import Path

from fitglute.decode.errors import FitError

FIT_SIGNATURE = b".FIT"
#: far above any real run: a 24-hour ultra at 1 s recording with every sensor is ~10 MB
MAX_FIT_BYTES = 64 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def read_bytes(source: str | Path | bytes, name: str | None = None) -> tuple[bytes, str | None]:
    """Raw FIT bytes from a path or bytes, gunzipping by magic number (not by file name)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, label = bytes(source), name
    else:
        label = name or str(source)
        data = _read_regular_file(Path(source), label)
    if data[:2] == _GZIP_MAGIC:
        data = gunzip_bounded(data, label)
    if not data:
        raise FitError(label, "empty", "empty file")
    if len(data) < 12 or data[0] not in (12, 14) or data[8:12] != FIT_SIGNATURE:
        raise FitError(label, "not-fit", "not a FIT file (no '.FIT' signature in the header)")
    return data, label


def _read_regular_file(path: Path, label: str) -> bytes:
    """The file's bytes, refusing what is not a regular file or is over the cap (checked first)."""
    try:
        st = os.stat(path)  # follows symlinks: a link to /dev/zero is a device
    except OSError as exc:
        raise FitError(label, "io", f"cannot read file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise FitError(label, "io", "is a directory, not a FIT file")
    if not stat.S_ISREG(st.st_mode):
        raise FitError(label, "io", f"is not a regular file ({_kind(st.st_mode)}); only files are read")
    if st.st_size > MAX_FIT_BYTES:
        raise FitError(label, "too-large", f"file is {_mb(st.st_size)}, over the {_mb(MAX_FIT_BYTES)} limit")
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FIT_BYTES + 1)  # the file may grow between stat and read
    except OSError as exc:
        raise FitError(label, "io", f"cannot read file ({exc.strerror or exc})") from None
    if len(data) > MAX_FIT_BYTES:
        raise FitError(label, "too-large", f"file is over the {_mb(MAX_FIT_BYTES)} limit")
    return data


def gunzip_bounded(data: bytes, label: str | None, limit: int = MAX_FIT_BYTES) -> bytes:
    """Expand gzip data (every member) in chunks; over ``limit`` bytes is a ``too-large`` error."""
    out = bytearray()
    rest = data
    try:
        while rest[:2] == _GZIP_MAGIC:
            d = zlib.decompressobj(wbits=31)
            buf = rest
            while buf:
                out += d.decompress(buf, _CHUNK)
                if len(out) > limit:
                    raise FitError(
                        label, "too-large", f"gzip content expands to over the {_mb(limit)} limit (a gzip bomb?)"
                    )
                buf = d.unconsumed_tail
            out += d.flush()
            if not d.eof:
                raise FitError(label, "gzip", "gzip data is corrupt or truncated (ends inside the stream)")
            rest = d.unused_data
    except zlib.error as exc:
        raise FitError(label, "gzip", f"gzip data is corrupt or truncated ({exc})") from None
    if len(out) > limit:
        raise FitError(label, "too-large", f"gzip content expands to over the {_mb(limit)} limit (a gzip bomb?)")
    return bytes(out)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"

"""Calls into the native decoder that may panic: the panic's own stderr report stays hidden.

A Rust panic inside fitfast (``pyo3_runtime.PanicException`` on some damaged files) prints
"thread '…' panicked at …" and, with ``RUST_BACKTRACE`` set, a stack backtrace straight to file
descriptor 2, before Python sees the exception. The runner must see one line per bad file, never
a backtrace, and the fallback decoder usually reads the file anyway; so fd 2 points at a
scratch file for the duration of the call and what landed there is dropped when the call
panicked and written back when it did not (nothing has been seen to land there then).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def quiet_call(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``fn(*args, **kwargs)`` with fd 2 captured; the capture is discarded when ``fn`` raises."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable fd 2 (an embedding host): call plainly
        return fn(*args, **kwargs)
    import tempfile

    ok = False
    with tempfile.TemporaryFile() as scratch:
        os.dup2(scratch.fileno(), 2)
        try:
            out = fn(*args, **kwargs)
            ok = True
            return out
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            if ok and scratch.tell():
                scratch.seek(0)
                os.write(2, scratch.read())

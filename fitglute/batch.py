"""Many files at once: the one worker pool that ``analyze`` and ``import`` share.

Workers decode and analyse; the parent owns everything else (the terminal, the database). Tasks
travel in chunks (a hand-off costs milliseconds, a file ~10 ms), a bounded number in flight, so
workers never wait and little memory is held. Workers run numpy/BLAS on one thread whoever calls
this module (the analysis is many small matrix products: more threads only contend for 2 cores),
and leave Ctrl-C to the parent. A worker that dies (the OOM killer, a crash) fails only its chunk,
never the batch.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from fitglute.model.result import RunResult

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_WORKERS = 2
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def init_worker(context: Any = None) -> None:
    """Worker start: one BLAS thread, Ctrl-C to the parent, the shared read-only context."""
    import signal

    global _context
    for name in _BLAS_THREADS:  # read when numpy loads: a worker that loads numpy itself
        os.environ[name] = "1"
    one_blas_thread()  # a worker forked from a parent that had numpy loaded already
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _context = context


_context: Any = None
_SET_THREADS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads")


def one_blas_thread() -> int:
    """Set every OpenBLAS this process has loaded to one thread; how many libraries were set.

    The environment only counts before numpy loads; a library caller's process (and so a forked
    worker) may have loaded it with one thread per core. Linux only (``/proc/self/maps``); elsewhere
    the environment variables above are what there is.
    """
    import sys

    if "numpy" not in sys.modules:
        return 0
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return 0
    import ctypes

    done = 0
    for path in sorted(libs):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SET_THREADS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(1)
                done += 1
                break
    return done


def chunk_size(n_items: int, workers: int) -> int:
    """Items per task: 1 for small batches (all workers busy), up to 8 for backfills."""
    return max(1, min(8, n_items // (workers * 8)))


def run_chunks(
    items: Iterable[T],
    work: Callable[[list[T]], list[R]],
    *,
    workers: int,
    size: int,
    broken: Callable[[T, BaseException], R],
    context: Any = None,
) -> Iterator[tuple[T, R]]:
    """``(item, work result)`` pairs as chunks complete; ``items`` is consumed lazily.

    ``work`` runs in a worker on a list of items and returns one result per item (module-level,
    so it pickles). When a worker dies, each item of its chunk gets ``broken(item, error)``.
    """
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, initializer=init_worker, initargs=(context,))

    pool = new_pool()
    todo = iter(items)
    inflight: dict[Future[list[R]], list[T]] = {}
    limit = workers * 2

    def feed() -> None:
        nonlocal pool
        while len(inflight) < limit:
            chunk = [item for _, item in zip(range(size), todo, strict=False)]
            if not chunk:
                return
            try:
                inflight[pool.submit(work, chunk)] = chunk
            except BrokenProcessPool:  # a worker died: start a fresh pool, the batch goes on
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
                inflight[pool.submit(work, chunk)] = chunk

    clean = False
    try:
        feed()
        while inflight:
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in done:
                chunk = inflight.pop(fut)
                try:
                    results = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker killed by the OS
                    results = [broken(item, exc) for item in chunk]
                yield from zip(chunk, results, strict=True)
            feed()
        clean = True
    finally:
        pool.shutdown(wait=clean, cancel_futures=True)


# --------------------------------------------------------------------------- analysing paths


def analyse_paths(paths: list[str], *, workers: int | None = None, context: Any = None) -> Iterator[RunResult]:
    """Results in input order; files are spread over worker processes when there are several.

    ``context`` (the runner's history, or None) is plain data and reaches each worker once,
    through the pool initializer, instead of being pickled with every file.
    """
    from fitglute.pipeline import analyse_file

    if workers is None:
        workers = min(DEFAULT_WORKERS, os.cpu_count() or 1) if len(paths) >= 4 else 1
    if workers <= 1:
        for p in paths:
            yield analyse_file(p, context=context)
        return
    waiting: dict[int, RunResult] = {}
    nxt = 0
    jobs = run_chunks(
        enumerate(paths), _analyse_indexed, workers=workers, size=4, broken=_broken_indexed, context=context
    )
    for (index, _), result in jobs:
        waiting[index] = result
        while nxt in waiting:
            yield waiting.pop(nxt)
            nxt += 1


def _analyse_indexed(chunk: list[tuple[int, str]]) -> list[RunResult]:
    from fitglute.pipeline import analyse_file

    return [analyse_file(path, context=_context) for _, path in chunk]


def _broken_indexed(item: tuple[int, str], exc: BaseException) -> RunResult:
    return RunResult.failed(item[1], "error", f"worker failed ({type(exc).__name__}: {exc})")

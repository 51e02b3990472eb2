"""Many files at once: the one worker pool that ``analyze`` and ``import`` share.

Workers decode and analyse; the parent owns everything else (the terminal, the database). Tasks
travel in chunks (a hand-off costs milliseconds, a file ~10 ms), a bounded number in flight, so
workers never wait and little memory is held. Workers run numpy/BLAS on one thread whoever calls
this module (the analysis is many small matrix products: more threads only contend for 2 cores),
and leave Ctrl-C to the parent.

No file can take the batch down (README "Bad input"):

- a file that takes longer than :data:`FILE_TIME_LIMIT_S` is stopped inside its worker
  (:func:`time_limited`) and becomes an error line;
- a worker that dies (the OOM killer, a native crash) or stops answering breaks the whole pool,
  and with it every chunk in flight: those files are re-run one at a time in a fresh pool, so
  the innocent ones get their results and only the file that kills a worker on its own fails;
- workers watch their parent and exit when it is gone (``kill -9`` of the parent leaves no
  orphans computing for nobody).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from fitglute.model.errors import TimeLimit
from fitglute.model.result import RunResult

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_WORKERS = 2
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: a file's time in a worker; a 3-hour run with every sensor takes ~1 s, the reference decoder
#: on a large damaged file ~30 s
FILE_TIME_LIMIT_S = 120
#: the parent gives up on a silent pool (a worker stuck in native code, deaf to the alarm) after
#: this many per-file limits
_SILENT_POOL_FACTOR = 2
_PARENT_POLL_S = 0.5


def init_worker(context: Any = None) -> None:
    """Worker start: one BLAS thread, Ctrl-C to the parent, the shared read-only context, and a
    watchdog that ends the worker when its parent is gone."""
    import signal

    global _context
    for name in _BLAS_THREADS:  # read when numpy loads: a worker that loads numpy itself
        os.environ[name] = "1"
    one_blas_thread()  # a worker forked from a parent that had numpy loaded already
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _context = context
    watch_parent(os.getppid())


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


def watch_parent(parent: int, poll_s: float = _PARENT_POLL_S) -> None:
    """A daemon thread that exits this process once ``parent`` is no longer its parent.

    When the parent dies (even by SIGKILL, which it cannot catch) the worker is re-parented and
    ``getppid()`` changes. Polling is used rather than Linux's ``PR_SET_PDEATHSIG``, which fires
    when the parent *thread* that started the worker ends, and the pool starts workers from
    short-lived threads too.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(3)

    threading.Thread(target=watch, name="fitglute-parent-watch", daemon=True).start()


def time_limited(fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
    """``fn(*args, **kwargs)`` with a SIGALRM after :data:`FILE_TIME_LIMIT_S` raising
    :class:`TimeLimit` inside it.

    Only in the main thread of a process (a worker); elsewhere ``fn`` runs unlimited. The
    per-file barrier in :mod:`fitglute.pipeline` turns the exception into the file's error line.
    """
    import signal

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return fn(*args, **kwargs)
    limit_s = FILE_TIME_LIMIT_S

    def alarm(signum: int, frame: Any) -> None:
        raise TimeLimit(limit_s)

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, limit_s)
    try:
        return fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


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
    file_limit_s: float = FILE_TIME_LIMIT_S,
) -> Iterator[tuple[T, R]]:
    """``(item, work result)`` pairs as chunks complete; ``items`` is consumed lazily.

    ``work`` runs in a worker on a list of items and returns one result per item (module-level,
    so it pickles). When a worker dies, every chunk then in flight is re-run one item at a time,
    alone in a fresh pool; an item that fails alone gets ``broken(item, error)``.
    """
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, initializer=init_worker, initargs=(context,))

    pool = new_pool()
    todo = iter(items)
    inflight: dict[Future[list[R]], list[T]] = {}
    retry: deque[T] = deque()  # items of chunks lost with a broken pool: re-run alone
    alone: set[int] = set()  # ids of the futures that carry one retried item
    limit = workers * 2
    silence_s = file_limit_s * _SILENT_POOL_FACTOR * size

    def submit(chunk: list[T], solo: bool = False) -> None:
        nonlocal pool
        try:
            fut = pool.submit(work, chunk)
        except RuntimeError:  # BrokenProcessPool (a RuntimeError): start a fresh pool
            pool.shutdown(wait=False, cancel_futures=True)
            pool = new_pool()
            fut = pool.submit(work, chunk)
        inflight[fut] = chunk
        if solo:
            alone.add(id(fut))

    def feed() -> None:
        if retry:  # recovering: one retried item at a time, nothing else beside it
            if not inflight:
                submit([retry.popleft()], solo=True)
            return
        while len(inflight) < limit:
            chunk = [item for _, item in zip(range(size), todo, strict=False)]
            if not chunk:
                return
            submit(chunk)

    def restart() -> None:
        nonlocal pool
        _kill_workers(pool)
        pool.shutdown(wait=False, cancel_futures=True)
        pool = new_pool()

    clean = False
    try:
        feed()
        while inflight:
            done, _ = wait(inflight, timeout=silence_s, return_when=FIRST_COMPLETED)
            if not done:  # a worker stuck where the alarm cannot reach: everything in flight is lost
                lost = list(inflight.items())
                inflight.clear()
                restart()
                for fut, chunk in lost:
                    if id(fut) in alone:
                        alone.discard(id(fut))
                        yield chunk[0], broken(chunk[0], TimeoutError(f"no answer in {silence_s:.0f} s"))
                    else:
                        retry.extend(chunk)
                feed()
                continue
            for fut in done:
                chunk = inflight.pop(fut)
                solo = id(fut) in alone
                alone.discard(id(fut))
                try:
                    results = fut.result()
                except Exception as exc:  # noqa: BLE001 - e.g. a worker killed by the OS
                    if solo:
                        yield chunk[0], broken(chunk[0], exc)
                    else:
                        retry.extend(chunk)
                    continue
                yield from zip(chunk, results, strict=True)
            feed()
        clean = True
    finally:
        if not clean:
            _kill_workers(pool)
        pool.shutdown(wait=clean, cancel_futures=True)


def _kill_workers(pool: Any) -> None:
    """End a pool's worker processes now (a stuck or abandoned pool must not outlive its use)."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, AttributeError):
            proc.kill()


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

    return [time_limited(analyse_file, path, context=_context) for _, path in chunk]


def _broken_indexed(item: tuple[int, str], exc: BaseException) -> RunResult:
    return RunResult.failed(item[1], "error", worker_failed(exc))


def worker_failed(exc: BaseException) -> str:
    """The line of a file that, run alone, still killed its worker (or never answered)."""
    what = " ".join(str(exc).split())[:160] or "no reason given"
    return f"the analysis process died on this file ({type(exc).__name__}: {what}); please report it with the file"

"""One file in, one result out: the path every command shares (analyze, import, sync).

The result is a plain JSON-ready dict (the ``--json`` schema in the README), so it crosses
process boundaries cheaply, is stored as-is in history and feeds the Strava note. Any problem
with the input becomes ``status: "error"`` or ``"skipped"`` with a one-line reason — never an
exception — so a batch always goes on.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

FIT_SUFFIXES = (".fit", ".fit.gz")


def is_fit_name(name: str) -> bool:
    return name.lower().endswith(FIT_SUFFIXES)


def expand_paths(inputs: Iterable[str]) -> tuple[list[str], list[str]]:
    """Files, folders (recursive) and quoted globs → (FIT files, inputs that matched nothing)."""
    files: list[str] = []
    missing: list[str] = []
    for raw in inputs:
        p = Path(raw).expanduser()
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*") if f.is_file() and is_fit_name(f.name))
            files.extend(found)
        elif p.exists():
            files.append(str(p))
        elif any(ch in raw for ch in "*?["):
            matched = sorted(glob.glob(os.path.expanduser(raw), recursive=True))
            if matched:
                files.extend(m for m in matched if os.path.isfile(m))
            else:
                missing.append(raw)
        else:
            missing.append(raw)
    seen: set[str] = set()
    return [f for f in files if not (f in seen or seen.add(f))], missing


def empty_result(path: str | None, status: str, error: str | None) -> dict[str, Any]:
    return {
        "file": path,
        "status": status,
        "error": error,
        "sha256": None,
        "sport": None,
        "sub_sport": None,
        "start_time": None,
        "duration_s": None,
        "distance_m": None,
        "device": None,
        "sensors": [],
        "dynamics_source": None,
        "decoder": None,
        "session": None,
        "metrics": None,
        "clean_running_s": None,
        "balance_ci": None,
        "drift": None,
        "flags": [],
        "warnings": [],
        "findings": [],
        "not_assessed": {},
    }


def analyse_file(
    source: str | bytes, *, name: str | None = None, prefer: str = "fitfast", context: Any = None
) -> dict[str, Any]:
    """Decode, clean, measure and judge one file; never raises for bad input."""
    from fitglute import dynamics, fit

    label = name or (source if isinstance(source, str) else None)
    try:
        run = fit.read(source, name=label, prefer=prefer)
    except fit.NotRunning as exc:
        return empty_result(label, "skipped", exc.reason)
    except fit.FitError as exc:
        return empty_result(label, "error", exc.reason)
    from fitglute.plugins import apply_channel_mappers

    extra = apply_channel_mappers(run)
    metrics = dynamics.analyse(run)
    result = run_result(run, metrics)
    add_plugin_channels(result, run, metrics, extra)
    from fitglute.rules import evaluate

    findings, not_assessed = evaluate(run, metrics, context)
    result["findings"] = findings
    result["not_assessed"] = not_assessed
    return result


def run_result(run: Any, metrics: Any) -> dict[str, Any]:
    """The JSON object for an analysed run (see README, "JSON output")."""
    from fitglute.dynamics import _round
    from fitglute.history import iso_utc

    summary = run.session_summary()
    details = metrics.to_json()
    out = empty_result(run.path, "ok", None)
    out.update(
        sha256=run.sha256,
        sport=run.sport,
        sub_sport=run.sub_sport,
        start_time=iso_utc(run.start_time.timestamp()) if run.start_time else None,
        duration_s=_round(run.duration_s, 1),
        distance_m=_round(run.distance_m, 1),
        device=run.device,
        sensors=[s.label() for s in run.sensors],
        dynamics_source=run.dynamics_source,
        decoder=run.decoder,
        session=None if summary is None else {k: _round(v) for k, v in summary.items()},
        metrics=metrics.averages(),
        clean_running_s=details["clean_running_s"],
        balance_ci=details["balance_ci"],
        drift=details["drift"],
        flags=details["flags"],
        warnings=list(run.warnings),
        speed_mps=_round(metrics.speed_mps),
        speed_change_pct=details["speed_change_pct"],
        steep_fraction=details["steep_fraction"],
        channels=details["channels"],
        developer_fields=[d.key for d in run.developer_fields],
    )
    return out


def add_plugin_channels(result: dict[str, Any], run: Any, metrics: Any, specs: dict[str, Any]) -> None:
    """Stats and drift of channels that sensor plugins added (Stryd power, RunScribe feet, …)."""
    from dataclasses import asdict

    from fitglute.dynamics import _round, describe_channel

    for key, spec in specs.items():
        stats, drift = describe_channel(run.channels[key], metrics.frame, spec.plausible, log_scale=spec.log_scale)
        if stats is not None:
            result["channels"][key] = {n: _round(v) for n, v in asdict(stats).items()}
            metrics.channels[key] = stats
        if drift is not None:
            result["drift"][key] = {n: _round(v) for n, v in asdict(drift).items()}
            metrics.drift[key] = drift


class _DefaultHistory:
    """Sentinel: "judge against the runner's default history store, if there is one"."""

    def __repr__(self) -> str:
        return "DEFAULT_HISTORY"


DEFAULT_HISTORY: Any = _DefaultHistory()


def analyse_many(
    paths: list[str], *, workers: int | None = None, context: Any = DEFAULT_HISTORY
) -> Iterator[dict[str, Any]]:
    """Results in input order; files are spread over worker processes when there are several.

    By default runs are judged against the history in the default store (read-only, never
    created or written; see :func:`fitglute.history.load_history`); ``context=None`` judges
    each run on its own. The history is plain data and reaches each worker once, through the
    pool initializer, instead of being pickled with every file.
    """
    if context is DEFAULT_HISTORY:
        from fitglute.history import load_history

        context = load_history()
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(paths) >= 4 else 1
    if workers <= 1:
        for p in paths:
            yield analyse_file(p, context=context)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(context,)) as pool:
        yield from pool.map(_analyse_for_pool, paths, chunksize=4)


_worker_context: Any = None


def _init_worker(context: Any) -> None:
    global _worker_context
    _quiet_worker()
    _worker_context = context


def _analyse_for_pool(path: str, context: Any = DEFAULT_HISTORY) -> dict[str, Any]:
    return analyse_file(path, context=_worker_context if context is DEFAULT_HISTORY else context)


def _quiet_worker() -> None:
    """Workers share the parent's terminal: keep BLAS single-threaded and Ctrl-C to the parent."""
    import signal

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    signal.signal(signal.SIGINT, signal.SIG_IGN)

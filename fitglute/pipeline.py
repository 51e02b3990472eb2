"""One file in, one :class:`~fitglute.model.result.RunResult` out: the only place the parts meet.

    bytes ──decode──▶ Run ──sensors──▶ Run + plugin channels ──dynamics──▶ RunMetrics
          ──rules (+ history)──▶ findings ──▶ RunResult

Every command that analyses (``analyze``, ``import``, ``sync``) comes through :func:`analyse_file`.
A problem with the input becomes ``status: "error"`` or ``"skipped"`` with a one-line reason —
never an exception — so a batch always goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fitglute.model.result import RunResult

if TYPE_CHECKING:
    from fitglute.model.series import RunSeries


def analyse_file(
    source: str | Path | bytes, *, name: str | None = None, prefer: str = "fitfast", context: Any = None
) -> RunResult:
    """Decode, clean, measure and judge one file; never raises for bad input.

    ``context`` is the runner's :class:`~fitglute.model.history.History` (or None: the run is
    judged on its own).
    """
    return _analyse(source, name=name, prefer=prefer, context=context, with_series=False)[0]


def analyse_with_series(
    source: str | Path | bytes, *, name: str | None = None, prefer: str = "fitfast", context: Any = None
) -> tuple[RunResult, RunSeries | None]:
    """:func:`analyse_file` plus the run binned for charts (the HTML report); the series is None
    when the file was skipped or failed. One pass: the chart's spans are the statistics' own."""
    return _analyse(source, name=name, prefer=prefer, context=context, with_series=True)


def _analyse(
    source: str | Path | bytes, *, name: str | None, prefer: str, context: Any, with_series: bool
) -> tuple[RunResult, RunSeries | None]:
    from fitglute import decode, dynamics, plugins
    from fitglute.rules import RuleContext, evaluate
    from fitglute.sensors import apply_sensors

    label = name or (str(source) if not isinstance(source, (bytes, bytearray, memoryview)) else None)
    try:
        run = decode.read(source, name=label, prefer=prefer)
    except decode.NotRunning as exc:
        return RunResult.failed(label, "skipped", exc.reason), None
    except decode.FitError as exc:
        return RunResult.failed(label, "error", exc.reason), None
    extra = apply_sensors(run, plugins.channel_mappers())
    metrics = dynamics.analyse(run)
    add_sensor_channels(run, metrics, extra)
    result = result_of(run, metrics)
    ctx = RuleContext(run=run, metrics=metrics, history=context)
    if context is not None:
        from fitglute.history.mapping import summary_from_result

        ctx.summary = summary_from_result(result)
    result.judged(evaluate(plugins.rules(), ctx), ctx.findings)
    if not with_series:
        return result, None
    from fitglute.dynamics.series import series_of

    return result, series_of(run, metrics.frame)


def add_sensor_channels(run: Any, metrics: Any, specs: dict[str, Any]) -> None:
    """Stats and drift of channels that sensor plugins added (Stryd power, RunScribe feet, …)."""
    from fitglute.dynamics import describe_channel

    for key, spec in specs.items():
        stats, drift = describe_channel(run.channels[key], metrics.frame, spec.plausible, log_scale=spec.log_scale)
        if stats is not None:
            metrics.channels[key] = stats
        if drift is not None:
            metrics.drift[key] = drift


def result_of(run: Any, metrics: Any) -> RunResult:
    """The published result of an analysed run, numbers rounded once (README, "JSON output")."""
    from fitglute.model.channels import DYNAMICS_KEYS
    from fitglute.model.stats import rnd, rounded
    from fitglute.model.times import iso_utc

    summary = run.session_summary()
    b = metrics.balance
    return RunResult(
        file=run.path,
        status="ok",
        sha256=run.sha256,
        sport=run.sport,
        sub_sport=run.sub_sport,
        start_time=iso_utc(run.start_time.timestamp()) if run.start_time else None,
        duration_s=rnd(run.duration_s, 1),
        distance_m=rnd(run.distance_m, 1),
        device=run.device,
        sensors=[s.label() for s in run.sensors],
        dynamics_source=run.dynamics_source,
        decoder=run.decoder,
        session=None if summary is None else {k: rnd(v) for k, v in summary.items()},
        metrics={k: rnd(metrics.mean(k)) for k in DYNAMICS_KEYS},
        clean_running_s=round(metrics.clean_running_s, 1),
        balance_ci=None if b is None else [rnd(b.low), rnd(b.high)],
        drift={k: rounded(d) for k, d in metrics.drift.items()},
        flags=list(metrics.flags),
        warnings=list(run.warnings),
        speed_mps=rnd(metrics.speed_mps),
        speed_change_pct=rnd(metrics.speed_change_pct),
        steep_fraction=rnd(metrics.steep_fraction),
        channels={k: rounded(s) for k, s in metrics.channels.items()},
        developer_fields=[d.key for d in run.developer_fields],
    )

"""Small helpers every rule shares: data sufficiency checks, the history a rule judges against,
and side wording."""

from __future__ import annotations

from fitglute.dynamics.cleaning import MIN_CLEAN_S
from fitglute.model.finding import NotAssessed
from fitglute.model.hints import IMPORT_HISTORY
from fitglute.model.history import History, RunSummary
from fitglute.rules.engine import RuleContext, Threshold

MIN_CLEAN = Threshold(
    MIN_CLEAN_S,
    "minimum clean, flat running (s) before the rule judges",
    "fitglute design choice: below ~10 minutes a mean is too noisy to judge",
    60.0,
    36000.0,
)
NO_HISTORY = "no history yet"


def too_little_data(ctx: RuleContext, th: dict[str, float]) -> NotAssessed | None:
    m = ctx.metrics
    need = th["min_clean_s"]
    if m.flat_running_s < need:
        return NotAssessed(f"only {m.flat_running_s / 60:.0f} min of clean, flat running (needs {need / 60:.0f})")
    return None


def history_context(ctx: RuleContext) -> tuple[History, RunSummary] | NotAssessed:
    """The history and the judged run as a summary, or why there is nothing to judge against."""
    if not isinstance(ctx.history, History) or ctx.summary is None:
        return NotAssessed(NO_HISTORY, IMPORT_HISTORY)
    return ctx.history, ctx.summary


#: the run's dynamics sensor in words, for "your chest strap measured …"
SENSOR_WORDS = {"chest": "chest strap", "pod": "running-dynamics pod", "watch": "watch", "footpod": "foot pod"}


def sensor_words(source: str | None) -> str:
    """``"chest strap"`` for ``"chest"``: findings say which sensor measured, not what the body did."""
    return SENSOR_WORDS.get(source or "", "sensor")


def no_dynamics_reason(ctx: RuleContext) -> str:
    """Why a rule that reads Garmin's running dynamics has none to read.

    A Stryd-recorded file's ground time is the pod's own, kept apart (a foot pod reads another level
    than a torso sensor, fit-running-fields.md §4) and judged by the Stryd rules, so "no running
    dynamics" would be wrong for it.
    """
    run = ctx.run
    if run is not None and run.has("stryd_gct_ms"):
        return (
            "no chest-strap, pod or wrist running dynamics; the ground time here is Stryd's own, kept apart "
            "(a foot pod reads another level) and judged by the Stryd rules"
        )
    return "no running dynamics in this file"


def no_balance_reason(ctx: RuleContext) -> str:
    """Why a run with running dynamics has no GCT balance — named for the sensor that sent them.

    A strap that is paired and named but whose firmware did not write balance is not "no chest strap":
    the HRM-Run generation sent GCT and vertical oscillation from 2014, balance only with watch
    firmware of 2015–16 (FR630, 920XT, fēnix 3; fit-running-fields.md §3).
    """
    m = ctx.metrics
    if m.dynamics_source == "none":
        return no_dynamics_reason(ctx)
    if m.dynamics_source == "watch":
        return "wrist-based running dynamics have no GCT balance (it needs a chest strap or pod)"
    run = ctx.run
    named = [s for s in getattr(run, "sensors", []) if s.kind in ("chest", "pod")]
    if named:
        what = named[0].product or "strap"
        return (
            f"your {what} sent running dynamics but no GCT balance: the strap's or the watch's firmware "
            "did not record it (balance came to the HRM-Run generation with 2015–16 watch firmware)"
        )
    return (
        "the running dynamics came from a chest strap (this watch has none at the wrist), but no GCT balance "
        "was recorded: that watch or strap firmware does not write it"
    )


def uneven_pace_reason(flags: list[str] | tuple[str, ...]) -> str | None:
    """Why early and late running cannot be compared on a run whose pace was meant to change."""
    if "intervals" in flags:
        return "intervals: the pace changes too much to compare early and late running"
    if "variable-pace" in flags:
        return (
            "the pace rose or fell through the run (a progression or a cool-down, not intervals): its early "
            "and late thirds ran at too different speeds to compare"
        )
    return None


def side_of_balance(left_pct: float) -> str:
    """The foot with the longer ground contact (balance is the LEFT foot's share)."""
    return "left" if left_pct > 50.0 else "right"

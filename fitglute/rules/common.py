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


def side_of_balance(left_pct: float) -> str:
    """The foot with the longer ground contact (balance is the LEFT foot's share)."""
    return "left" if left_pct > 50.0 else "right"

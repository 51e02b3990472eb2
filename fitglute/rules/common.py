"""Small helpers every rule shares: data sufficiency checks and side wording."""

from __future__ import annotations

from fitglute.rules.engine import NotAssessed, RuleContext, Threshold

MIN_CLEAN = Threshold(
    600.0, "minimum clean, flat running (s) before the rule judges", "evidence.md: ~10 minutes", 60.0, 36000.0
)


def too_little_data(ctx: RuleContext, th: dict[str, float]) -> NotAssessed | None:
    m = ctx.metrics
    need = th["min_clean_s"]
    if m.flat_running_s < need:
        return NotAssessed(f"only {m.flat_running_s / 60:.0f} min of clean, flat running (needs {need / 60:.0f})")
    return None


def side_of_balance(left_pct: float) -> str:
    """The foot with the longer ground contact (balance is the LEFT foot's share)."""
    return "left" if left_pct > 50.0 else "right"

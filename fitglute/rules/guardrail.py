"""Load guardrail: after every run, how long the next long run can be (Frandsen et al. 2025).

Why this number: in 5,205 Garmin users (588,071 sessions) a run longer than the longest run of the
previous 30 days raised the injury hazard — +10–30 % HR 1.64, +30–100 % HR 1.52, above +100 %
HR 2.28 — against a baseline of about 0.3 % per session, while the acute:chronic ratio showed no
such dose-response (evidence.md, grade B: exploratory, self-reported injuries). So the
best-supported advice is one number: stay within +10 % of the 30-day longest. It is said in
absolute risk (per 1,000 runs), because a hazard ratio of 1.64 on 3 in 1,000 is about 5 in 1,000.

The cap must hold for the next few runs, so it is taken from the runs that will still be inside
the 30-day window ``horizon_days`` from now (this run included): a long run about to drop out of
the window does not raise it. After a run that was itself a spike, the cap is that run (no
growth on top of a spike). After an injury logged inside the window only the runs since it count:
the month before an injury is not the base to grow from (both fitglute design choices).

Not a body signal (signal group None). The structured value ``next_long_run_km`` (or
``next_long_run_min`` when the runs have no distance) is what a short line elsewhere (the Strava
note) shows.
"""

from __future__ import annotations

import math

from fitglute.model.history import History, Injury, RunSummary
from fitglute.model.safety import RED_FLAGS
from fitglute.model.times import DAY_S
from fitglute.rules.common import history_context
from fitglute.rules.confidence import GRADE_WEIGHT
from fitglute.rules.engine import STAGE_HISTORY, Evidence, Finding, NotAssessed, Rule, RuleContext, Threshold
from fitglute.rules.load import (
    BASELINE_RISK_PCT,
    SPIKE_BANDS,
    Spike,
    SpikeBand,
    band_of,
    format_load,
    load_of,
    load_unit,
    risk_words,
    spike_of,
)

__all__ = ["BASELINE_RISK_PCT", "LOAD_GUARDRAIL", "RULES", "SPIKE_BANDS", "SpikeBand", "band_of", "risk_words"]

def _in_reading_units(value: float, unit: str) -> tuple[str, float]:
    """A load in the unit a runner reads (km or min), rounded *down*: a cap never exceeds its +10 %."""
    if unit == "distance_m":
        return "km", math.floor(value / 100.0 + 1e-6) / 10.0
    return "min", float(math.floor(value / 60.0 + 1e-6))


def recent_injury(history: History, cur: RunSummary, days: float) -> Injury | None:
    """The latest injury logged on or before this run's day and inside the window, if any."""
    inside = [i for i in history.injuries if 0 <= (cur.day - i.date).days <= days]
    return max(inside, key=lambda i: (i.date, i.id), default=None)


def check_guardrail(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    got = history_context(ctx)
    if isinstance(got, NotAssessed):
        return got
    history, cur = got
    days, horizon = th["window_days"], th["horizon_days"]
    pool = [*history.before(cur.start, days - horizon), cur]
    injury = recent_injury(history, cur, days)
    if injury is not None:
        pool = [r for r in pool if r.day >= injury.date]
    unit = load_unit(pool)
    longest = max(pool, key=lambda r: (load_of(r, unit), r.start))  # of equals, the one that stays longest
    base = load_of(longest, unit)
    if base <= 0:
        return NotAssessed("neither distance nor duration recorded: the run's length is unknown")
    spike = spike_of(history, cur, days)
    spiked = isinstance(spike, Spike) and spike.pct > th["cap_pct"]
    cap = load_of(cur, unit) if spiked else base * (1.0 + th["cap_pct"] / 100.0)
    suffix, shown = _in_reading_units(cap, unit)
    covered = min(1.0, (cur.start - (history.first_start or cur.start)) / (days * DAY_S))
    clarity = 0.5 + 0.5 * covered
    conf = GRADE_WEIGHT[LOAD_GUARDRAIL.evidence.grade] * th["info_weight"] * clarity
    cap_text = format_load(cap, unit) if unit == "duration_s" else f"{shown:.1f} km"
    msg = _message(cur, longest, base, unit, cap_text, spike if spiked else None, th, covered, injury)
    action = (
        f"Keep your next long run at or under {cap_text}, and let your longest run grow by at most "
        f"{th['cap_pct']:g} % at a time."
    )
    values = {
        "unit": unit,
        f"next_long_run_{suffix}": shown,
        f"longest_{suffix}": round(base / (1000.0 if unit == "distance_m" else 60.0), 1),
        "longest_date": longest.day.isoformat(),
        "cap_pct": th["cap_pct"],
        "window_days": days,
        "this_run_spike_pct": round(spike.pct, 1) if isinstance(spike, Spike) else None,
        "baseline_risk_pct": BASELINE_RISK_PCT,
    }
    return [
        LOAD_GUARDRAIL.finding(
            ctx, side="none", confidence=conf, message=msg, action=action, values=values, clarity=clarity
        )
    ]


def _message(
    cur: RunSummary,
    longest: RunSummary,
    base: float,
    unit: str,
    cap_text: str,
    spike: Spike | None,
    th: dict[str, float],
    covered: float,
    injury: Injury | None,
) -> str:
    days = th["window_days"]
    which = "this run" if longest is cur else f"{format_load(base, unit)} on {longest.day.isoformat()}"
    if injury is not None:
        return (
            f"Next long run: up to {cap_text}, {th['cap_pct']:g} % over your longest run since your {injury.side} "
            f"{injury.site} injury on {injury.date.isoformat()} ({which}): the month before an injury is not the "
            f"base to grow from. Coming back, let pain decide before any number. {risk_words()} {RED_FLAGS}"
        )
    if spike is not None:
        head = (
            f"Next long run: at most {cap_text}. This run was already {spike.pct:.0f} % longer than your longest "
            f"of the previous {days:.0f} days ({format_load(spike.previous, unit)}), so hold your long runs at "
            "this length until it is part of your usual month."
        )
    else:
        head = (
            f"Next long run: up to {cap_text} keeps you within {th['cap_pct']:g} % of the longest run that will "
            f"still be in your {days:.0f}-day window over the next {th['horizon_days']:.0f} days ({which})."
        )
    partial = (
        f" Your imported history covers only {covered * days:.0f} of those {days:.0f} days, so an earlier longer "
        "run may be missing and the cap may be lower than it needs to be."
        if covered < 1.0
        else ""
    )
    return f"{head} {risk_words()}{partial}"


LOAD_GUARDRAIL = Rule(
    id="load-guardrail",
    title="Next long run: the +10 % guardrail",
    evidence=Evidence(
        "B",
        "Frandsen et al. 2025, Br J Sports Med 59:1203 (5,205 runners, 588,071 sessions; exploratory, "
        "self-reported injury): single-run spikes over the 30-day longest",
    ),
    needs=("distance or duration", "history"),
    thresholds={
        "cap_pct": Threshold(
            10.0, "% over the 30-day longest run the next long run may go", "Frandsen et al. 2025: > 10 %", 0.0, 50.0
        ),
        "window_days": Threshold(30.0, "days looked back for the longest run", "Frandsen et al. 2025", 7.0, 120.0),
        "horizon_days": Threshold(
            7.0,
            "days the cap must hold: runs leaving the window by then do not raise it",
            "fitglute design choice",
            0.0,
            28.0,
        ),
        "info_weight": Threshold(
            0.5, "multiplier keeping the guardrail below the body signals", "fitglute design choice", 0.0, 1.0
        ),
    },
    check=check_guardrail,
    summary="After every run: the next long run that stays within +10 % of your 30-day longest (absolute risk).",
    stage=STAGE_HISTORY,
    signal_group=None,
    sizing="no size: one number (+10 % over the 30-day longest, Frandsen et al. 2025); clarity = history coverage",
)

RULES = (LOAD_GUARDRAIL,)

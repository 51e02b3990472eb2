"""Training-load rules: a single-run spike (Frandsen 2025) and the acute:chronic ratio (information only).

Both read ``ctx.history`` and only runs that started *before* the judged run; without a history
they say so (``NotAssessed(NO_HISTORY)``) instead of guessing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fitglute.model.hints import IMPORT_HISTORY
from fitglute.model.history import History, RunSummary
from fitglute.model.times import DAY_S
from fitglute.rules.common import NO_HISTORY, history_context
from fitglute.rules.confidence import GRADE_WEIGHT
from fitglute.rules.engine import STAGE_HISTORY, Evidence, Finding, NotAssessed, Rule, RuleContext, Threshold


def _fmt_load(value: float, unit: str) -> str:
    if unit == "distance_m":
        return f"{value / 1000:.1f} km"
    minutes = round(value / 60)
    return f"{minutes // 60}:{minutes % 60:02d} h" if minutes >= 60 else f"{minutes} min"


def _load_unit(runs: list[RunSummary]) -> str:
    """Distance when every run has one (GPS or footpod), else duration (Frandsen used distance)."""
    return "distance_m" if all((r.distance_m or 0) > 0 for r in runs) else "duration_s"


def _load(run: RunSummary, unit: str) -> float:
    return float(getattr(run, unit) or 0.0)


#: the load helpers under public names, for the other load-aware parts (guardrail, injury review)
format_load, load_unit, load_of = _fmt_load, _load_unit, _load


@dataclass(frozen=True)
class Spike:
    """A run's length against the longest run of the window before it (Frandsen et al. 2025)."""

    unit: str  # "distance_m" or "duration_s"
    value: float
    previous: float  # the longest run of the window
    longest: RunSummary
    pct: float  # % longer than that run (negative: shorter)


def spike_of(history: History, cur: RunSummary, days: float) -> Spike | NotAssessed:
    """``cur`` against the longest run of the ``days`` before it (by distance, else duration)."""
    window = history.before(cur.start, days)
    if not window:
        return NotAssessed(f"no runs in the {days:.0f} days before this one: no longest run to compare with")
    unit = "distance_m" if (cur.distance_m or 0) > 0 and any((r.distance_m or 0) > 0 for r in window) else "duration_s"
    value = _load(cur, unit)
    longest = max(window, key=lambda r: _load(r, unit))
    previous = _load(longest, unit)
    if value <= 0 or previous <= 0:
        return NotAssessed("neither distance nor duration recorded: the run's length is unknown")
    pct = round((value / previous - 1.0) * 100.0, 2)  # 11.0 km after 10.0 km is 10 %, not 10.000001 %
    return Spike(unit, value, previous, longest, pct)


#: injuries per session without a spike (Frandsen et al. 2025)
BASELINE_RISK_PCT = 0.3


@dataclass(frozen=True)
class SpikeBand:
    """One band of Frandsen et al. 2025: a run this much longer than the 30-day longest."""

    low_pct: float
    high_pct: float
    hazard_ratio: float
    interval: str  # 95 % confidence interval of the hazard ratio
    words: str

    @property
    def per_1000(self) -> float:
        """About how many injuries per 1,000 such runs (baseline risk × hazard ratio)."""
        return BASELINE_RISK_PCT * 10.0 * self.hazard_ratio


SPIKE_BANDS = (
    SpikeBand(10.0, 30.0, 1.64, "1.31–2.05", "10–30 % longer"),
    SpikeBand(30.0, 100.0, 1.52, "1.16–2.00", "30–100 % longer"),
    SpikeBand(100.0, math.inf, 2.28, "1.50–3.48", "more than twice as long"),
)


def band_of(spike_pct: float | None) -> SpikeBand | None:
    """The Frandsen band a spike falls in; None at or below +10 % (or unknown)."""
    if spike_pct is None:
        return None
    return next((b for b in SPIKE_BANDS if b.low_pct < spike_pct <= b.high_pct), None)


def risk_words() -> str:
    """The study's numbers as absolute risk, once for every place that quotes them."""
    first, _, last = SPIKE_BANDS
    return (
        f"In 5,205 Garmin users (Frandsen et al. 2025) about {BASELINE_RISK_PCT * 10:.0f} in 1,000 runs were "
        f"followed by an injury; a run {first.words} than the longest of the previous 30 days went with about "
        f"{first.per_1000:.0f} in 1,000 (hazard ratio {first.hazard_ratio:g}), one {last.words} with about "
        f"{last.per_1000:.0f} in 1,000 ({last.hazard_ratio:g}). Small numbers per run that add up over a "
        "season; the study was exploratory and its injuries self-reported."
    )



# --------------------------------------------------------------------------- load-spike


def check_load_spike(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    got = history_context(ctx)
    if isinstance(got, NotAssessed):
        return got
    history, cur = got
    if not history.any_before(cur.start):
        return NotAssessed(NO_HISTORY, IMPORT_HISTORY)
    days = th["window_days"]
    got_spike = spike_of(history, cur, days)
    if isinstance(got_spike, NotAssessed):
        return got_spike
    unit, value, previous, longest, spike = (
        got_spike.unit, got_spike.value, got_spike.previous, got_spike.longest, got_spike.pct
    )  # fmt: skip
    if spike <= th["spike_pct"]:
        return []
    # Frandsen 2025's hazard was flat from +10 % to +100 % (HR 1.64, 1.52) and stepped up above it (2.28)
    size = 1.0 if spike > th["strong_pct"] else 0.5
    covered = min(1.0, (cur.start - (history.first_start or cur.start)) / (days * DAY_S))
    clarity = size * (0.5 + 0.5 * covered)
    conf = GRADE_WEIGHT[LOAD_SPIKE.evidence.grade] * clarity
    what = "distance" if unit == "distance_m" else "duration"
    band = band_of(spike)
    partial = (
        f" Your imported history covers only {covered * days:.0f} of those {days:.0f} days, so an earlier "
        "longer run may be missing."
        if covered < 1.0
        else ""
    )
    band_text = (
        f" Runs {band.words} than that went with about {band.per_1000:.0f} injuries in 1,000 runs against about "
        f"{BASELINE_RISK_PCT * 10:.0f} in 1,000 without a spike (hazard ratio {band.hazard_ratio:g}, 95 % "
        f"{band.interval}; Frandsen et al. 2025, 5,205 Garmin users, exploratory, self-reported injuries)."
        if band is not None
        else ""
    )
    msg = (
        f"This run ({_fmt_load(value, unit)}) was {spike:.0f} % longer by {what} than your longest run of "
        f"the previous {days:.0f} days ({_fmt_load(previous, unit)} on {longest.day.isoformat()}).{band_text} "
        f"A small absolute risk per run, but it adds up over a season.{partial}"
    )
    action = (
        "Make the next two or three runs easy and shorter; let the longest run grow by at most 10 % at a "
        "time, and watch for soreness in the hamstrings, calves or achilles."
    )
    values = {
        "unit": unit,
        "this_run": round(value, 1),
        "previous_longest": round(previous, 1),
        "previous_longest_date": longest.day.isoformat(),
        "spike_pct": round(spike, 1),
        "window_days": days,
    }
    return [
        LOAD_SPIKE.finding(
            ctx, side="none", confidence=conf, message=msg, action=action, values=values, clarity=clarity
        )
    ]


LOAD_SPIKE = Rule(
    id="load-spike",
    title="Single-run load spike",
    evidence=Evidence(
        "B",
        "Frandsen et al. 2025, Br J Sports Med 59:1203 (5,205 Garmin users, 588,071 sessions): one exploratory "
        "cohort, self-reported injury, non-monotonic hazard (+10–30 % HR 1.64, +30–100 % 1.52, > +100 % 2.28; "
        "baseline ≈ 0.3 % per session)",
    ),
    needs=("distance or duration", "history"),
    thresholds={
        "spike_pct": Threshold(
            10.0,
            "% longer than the longest run of the window that counts as a spike",
            "Frandsen et al. 2025: > 10 % raised injury hazard",
            1.0,
            200.0,
        ),
        "strong_pct": Threshold(
            100.0,
            "% longer above which a spike counts double (size 1.0 instead of 0.5)",
            "Frandsen et al. 2025: hazard flat from +10 to +100 % (HR 1.64, 1.52), 2.28 above",
            2.0,
            500.0,
        ),
        "window_days": Threshold(30.0, "days looked back for the longest run", "Frandsen et al. 2025", 7.0, 120.0),
    },
    check=check_load_spike,
    summary="A run > 10 % longer than the longest run of the previous 30 days (by distance, else duration).",
    stage=STAGE_HISTORY,
    signal_group="training load",
    sizing=(
        "flat 0.5 from +10 % to +100 %, 1.0 above +100 % (Frandsen et al. 2025: HR 1.64 / 1.52 / 2.28), × how "
        "much of the 30 days the history covers; said in absolute risk per 1,000 runs"
    ),
)


# --------------------------------------------------------------------------- acute-chronic-load


def check_acute_chronic(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    got = history_context(ctx)
    if isinstance(got, NotAssessed):
        return got
    history, cur = got
    if not history.any_before(cur.start):
        return NotAssessed(NO_HISTORY, IMPORT_HISTORY)
    chronic_days = th["chronic_days"]
    span = (cur.start - (history.first_start or cur.start)) / DAY_S
    if span < chronic_days - 7:
        return NotAssessed(f"needs {chronic_days:.0f} days of history (have {span:.0f})")
    earlier = history.before(cur.start, chronic_days)
    # a ratio over a month with one or two runs in it is the run against itself (4.00× whenever
    # it is the only one): the chronic window must have running in enough separate weeks
    weeks = {int((cur.start - r.start) // (7 * DAY_S)) for r in earlier}
    if len(weeks) < th["min_weeks"]:
        have = "no runs" if not weeks else f"runs in {len(weeks)} week{'s' if len(weeks) != 1 else ''}"
        return NotAssessed(
            f"needs running in {th['min_weeks']:.0f} separate weeks of the last {chronic_days:.0f} days (have {have})",
            IMPORT_HISTORY,
        )
    chronic_runs = [*earlier, cur]
    acute_runs = [*history.before(cur.start, th["acute_days"]), cur]
    unit = _load_unit(chronic_runs)
    acute = sum(_load(r, unit) for r in acute_runs)
    chronic = sum(_load(r, unit) for r in chronic_runs) * th["acute_days"] / chronic_days
    if chronic <= 0:
        return NotAssessed("no load recorded in the chronic window")
    ratio = acute / chronic
    if ratio <= th["ratio_notable"]:
        return []
    size = min(1.0, 0.5 + 0.5 * (ratio - th["ratio_notable"]) / max(th["ratio_strong"] - th["ratio_notable"], 1e-9))
    clarity = size
    conf = GRADE_WEIGHT[ACUTE_CHRONIC.evidence.grade] * th["info_weight"] * clarity
    msg = (
        f"For information: your last {th['acute_days']:.0f} days ({_fmt_load(acute, unit)}) were {ratio:.2f}× your "
        f"average {th['acute_days']:.0f} days of the last {chronic_days:.0f} ({_fmt_load(chronic, unit)}). The "
        "acute:chronic workload ratio is contested (several critiques 2019–2022), so fitglute shows it but does "
        "not judge on it."
    )
    action = "No action on this alone; if it coincides with a load spike or soreness, ease off for a few days."
    values = {"ratio": round(ratio, 2), "acute": round(acute, 1), "chronic": round(chronic, 1), "unit": unit}
    return [
        ACUTE_CHRONIC.finding(
            ctx, side="none", confidence=conf, message=msg, action=action, values=values, clarity=clarity
        )
    ]


ACUTE_CHRONIC = Rule(
    id="acute-chronic-load",
    title="Acute:chronic load (information only)",
    evidence=Evidence("C", "acute:chronic workload ratio — contested (several critiques 2019–2022)"),
    needs=("distance or duration", "history"),
    thresholds={
        "acute_days": Threshold(7.0, "days of the acute window", "Gabbett 2016 (contested)", 3.0, 14.0),
        "chronic_days": Threshold(28.0, "days of the chronic window", "Gabbett 2016 (contested)", 14.0, 84.0),
        "ratio_notable": Threshold(
            1.3, "ratio shown above", "upper end of the 0.8–1.3 'sweet spot' (contested)", 1.0, 3.0
        ),
        "ratio_strong": Threshold(2.0, "ratio counted as strong", "fitglute design choice", 1.1, 5.0),
        "min_weeks": Threshold(
            3.0,
            "weeks of the chronic window that must hold a run before the ratio is shown",
            "fitglute design choice: a chronic load needs a few weeks of running to be one",
            1.0,
            12.0,
        ),
        "info_weight": Threshold(
            0.5,
            "multiplier keeping it informational",
            "the acute:chronic ratio is contested (critiques 2019–2022): information only",
            0.0,
            1.0,
        ),
    },
    check=check_acute_chronic,
    summary="This week's load against the 4-week average; information only, never a risk claim.",
    stage=STAGE_HISTORY,
    sizing="0.5 just past a ratio of 1.3, 1.0 at 2.0 (contested 'sweet spot'); × info_weight 0.5",
)

RULES = (LOAD_SPIKE, ACUTE_CHRONIC)

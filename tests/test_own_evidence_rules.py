"""The runner's own evidence at the rule level: capacity tests, symptoms, the load guardrail and the
injury review, on histories whose truth is set by hand (every expected number is worked out in the
test, not taken from the code under test)."""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from fitglute.history.review import review
from fitglute.model.capacity import CapacityTest
from fitglute.model.hints import LOG_SYMPTOM, LOG_TEST
from fitglute.model.history import History, Injury, RunSummary, Symptom
from fitglute.model.safety import RED_FLAGS
from fitglute.plugins import rules as registered
from fitglute.rules.capacity import CAPACITY_ASYMMETRY
from fitglute.rules.common import NO_HISTORY
from fitglute.rules.composite import OVERLOAD
from fitglute.rules.engine import STAGE_HISTORY, Finding, NotAssessed, Rule, RuleContext
from fitglute.rules.guardrail import LOAD_GUARDRAIL, band_of
from fitglute.rules.symptoms import SYMPTOM_TREND

T0 = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # a Monday
CHEST = "chest: garmin hrm_pro_plus"
NEW_RULES = (CAPACITY_ASYMMETRY, SYMPTOM_TREND, LOAD_GUARDRAIL)


def day(n: float) -> date:
    return (T0 + timedelta(days=n)).date()


def run(n: float, *, km: float | None = 8.0, minutes: float = 45.0, **kw: Any) -> RunSummary:
    """A run ``n`` days after T0 (07:00 UTC)."""
    return RunSummary(
        sha256=f"run{n:07.2f}",
        start=(T0 + timedelta(days=n)).timestamp(),
        distance_m=None if km is None else km * 1000.0,
        duration_s=minutes * 60.0,
        sensor=kw.pop("sensor", CHEST),
        clean_running_s=minutes * 60.0,
        quality=0.9,
        **kw,
    )


def cap_test(n: float, kind: str, left: float, right: float, i: int = 1) -> CapacityTest:
    return CapacityTest(i, day(n), kind, left, right)


def pain(n: float, site: str = "achilles", side: str = "left", i: int = 1, **scores: float) -> Symptom:
    return Symptom(i, day(n), site, side, scores.get("during"), scores.get("after"), scores.get("morning"))


def judge(
    rule: Rule,
    cur: RunSummary,
    earlier: Iterable[RunSummary] = (),
    *,
    tests: Iterable[CapacityTest] = (),
    symptoms: Iterable[Symptom] = (),
    injuries: Iterable[Injury] = (),
) -> list[Finding] | NotAssessed:
    history = History(list(earlier), list(injuries), list(tests), list(symptoms))
    ctx = RuleContext(run=None, metrics=None, history=history, summary=cur)
    return rule.check(ctx, {k: t.value for k, t in rule.thresholds.items()})


def defaults(rule: Rule) -> dict[str, float]:
    return {k: t.value for k, t in rule.thresholds.items()}


# --------------------------------------------------------------------------- contract


def test_new_rules_are_registered_history_rules_with_grades_and_sources() -> None:
    rules = registered()
    for rule in NEW_RULES:
        assert rules[rule.id] is rule and rule.stage == STAGE_HISTORY
        assert rule.evidence.grade in "ABC" and rule.evidence.source
        assert all(t.source for t in rule.thresholds.values())
        out = rule.check(RuleContext(run=None, metrics=None), defaults(rule))
        assert isinstance(out, NotAssessed) and out.reason == NO_HISTORY
    assert CAPACITY_ASYMMETRY.signal_group == "capacity asymmetry"
    # a measured strength difference is not a second copy of the sensor's contact asymmetry
    groups = {r.signal_group for r in rules.values() if r.id != CAPACITY_ASYMMETRY.id}
    assert "capacity asymmetry" not in groups
    assert SYMPTOM_TREND.signal_group is None and LOAD_GUARDRAIL.signal_group is None


def test_history_snapshot_carries_tests_and_symptoms_across_processes() -> None:
    h = History([run(1)], [], [cap_test(3, "bridge", 20, 22, 2), cap_test(2, "hop", 150, 160, 1)], [pain(4, after=2)])
    again = pickle.loads(pickle.dumps(h))
    assert [t.kind for t in again.tests] == ["hop", "bridge"]  # sorted by date
    assert again.symptoms == h.symptoms and not again.empty
    assert History([]).empty


# --------------------------------------------------------------------------- limb symmetry


@pytest.mark.parametrize(
    ("kind", "left", "right", "lsi", "weaker", "flagged"),
    [
        ("heel-raise", 25, 18, 72.0, "right", True),  # 18 / 25
        ("heel-raise", 30, 27, 90.0, "right", False),  # exactly 90 % is not below the flag
        ("bridge", 26, 30, 86.7, "left", True),  # 26 / 30 = 0.8667
        ("hop", 152.5, 152.5, 100.0, None, False),
        ("heel-raise-bent", 0, 0, None, None, False),  # nothing to compare
        ("heel-raise", 0, 12, 0.0, "left", True),
    ],
)
def test_limb_symmetry_index(kind: str, left: float, right: float, lsi: Any, weaker: Any, flagged: bool) -> None:
    t = cap_test(0, kind, left, right)
    assert t.lsi_pct == lsi and t.weaker_side == weaker and t.flagged() is flagged


def test_pogo_is_scored_in_pain_without_a_ratio() -> None:
    t = cap_test(0, "pogo", 1, 4)
    assert t.lsi_pct is None and t.pain_difference == 3 and t.weaker_side == "right" and t.flagged()
    assert not cap_test(0, "pogo", 3, 2).flagged()  # a 1-point difference is below the 2-point flag
    assert cap_test(0, "pogo", 0, 0).weaker_side is None


# --------------------------------------------------------------------------- capacity-asymmetry


def test_capacity_gives_the_weaker_side() -> None:
    out = judge(CAPACITY_ASYMMETRY, run(20), [run(10)], tests=[cap_test(15, "heel-raise", 25, 18)])
    assert isinstance(out, list) and len(out) == 1
    f = out[0]
    assert f.side == "right" and f.values["heel-raise_lsi_pct"] == 72.0 and f.values["weaker_side"] == "right"
    assert "18 vs 25 reps" in f.message and "LSI 72 %" in f.message and "Malisoux" in f.message
    assert "right" in f.action and RED_FLAGS in f.action
    # size 0.5 + 0.5 × (90 − 72) / (90 − 70) = 0.95, a fresh test, grade B 0.85 → 0.8075
    assert f.confidence == pytest.approx(0.85 * 0.95)


def test_capacity_quiet_at_or_above_90_percent_and_before_the_test() -> None:
    assert judge(CAPACITY_ASYMMETRY, run(20), tests=[cap_test(15, "heel-raise", 30, 27)]) == []
    before = judge(CAPACITY_ASYMMETRY, run(10), tests=[cap_test(15, "heel-raise", 25, 18)])
    assert isinstance(before, NotAssessed) and before.hint == LOG_TEST


def test_a_newer_test_replaces_the_older_one() -> None:
    tests = [cap_test(10, "heel-raise", 25, 18, 1), cap_test(30, "heel-raise", 25, 24, 2)]
    assert judge(CAPACITY_ASYMMETRY, run(40), tests=tests) == []
    assert judge(CAPACITY_ASYMMETRY, run(20), tests=tests)[0].side == "right"  # runs between keep the old one


def test_stale_tests_give_no_side_and_ageing_lowers_confidence() -> None:
    t = cap_test(0, "heel-raise", 25, 18)
    fresh = judge(CAPACITY_ASYMMETRY, run(30), tests=[t])[0]
    older = judge(CAPACITY_ASYMMETRY, run(118), tests=[t])[0]  # 118 days: (118−56)/(180−56) = 0.5 → × 0.75
    assert older.confidence == pytest.approx(fresh.confidence * 0.75)
    stale = judge(CAPACITY_ASYMMETRY, run(181), tests=[t])
    assert isinstance(stale, NotAssessed) and "181 days old" in stale.reason


def test_tests_pointing_to_both_sides_give_two_findings() -> None:
    tests = [cap_test(5, "heel-raise", 25, 18, 1), cap_test(5, "bridge", 15, 24, 2), cap_test(5, "pogo", 0, 3, 3)]
    out = judge(CAPACITY_ASYMMETRY, run(10), tests=tests)
    sides = {f.side: f for f in out}
    assert set(sides) == {"left", "right"}
    assert sides["left"].values["tests"] == ["bridge"] and "Freckleton" in sides["left"].message
    assert set(sides["right"].values["tests"]) == {"heel-raise", "pogo"}
    assert "Pogo hops hurt more on the right" in sides["right"].message
    assert sides["right"].values["pogo_pain_difference"] == 3


def test_capacity_asymmetry_counts_for_the_composite() -> None:
    from fitglute.rules.recurrence import SAME_SIDE

    cap = judge(CAPACITY_ASYMMETRY, run(20), tests=[cap_test(15, "heel-raise", 25, 18)])
    groups = {r.id: r.signal_group for r in registered().values()}
    same = Finding(SAME_SIDE.id, "recurrence", "right", 0.45, "B", "", "", "", {})
    sources = {r.id: r.measured_by for r in registered().values()}
    ctx = RuleContext(run=None, metrics=None, findings=[*cap, same], groups=groups, sources=sources)
    out = OVERLOAD.check(ctx, defaults(OVERLOAD))
    assert out and out[0].side == "right" and "capacity-asymmetry" in out[0].values["signals"]
    assert set(out[0].values["sources"]) == {"strength test", "injury log"}  # two logs, two sources
    alone = RuleContext(run=None, metrics=None, findings=list(cap), groups=groups, sources=sources)
    assert OVERLOAD.check(alone, defaults(OVERLOAD)) == []  # one kind of evidence is not a pattern


# --------------------------------------------------------------------------- symptom-trend


def test_next_morning_stiffness_of_three_asks_for_less_load() -> None:
    out = judge(SYMPTOM_TREND, run(10), symptoms=[pain(9, during=1, after=2, morning=3)])
    assert [f.side for f in out] == ["left"]
    f = out[0]
    assert f.values["signals"] == ["morning"] and f.values["morning"] == 3
    assert "next-morning stiffness 3/10" in f.message and "Silbernagel" in f.message
    assert "Reduce load" in f.action and RED_FLAGS in f.action
    assert judge(SYMPTOM_TREND, run(10), symptoms=[pain(9, during=1, after=2, morning=2)]) == []


@pytest.mark.parametrize(
    ("afters", "fires"),
    [
        ((2, 3, 4), True),  # +2 over the last three
        ((1, 1, 2, 4), True),  # the last three: 1 → 4
        ((2, 5, 4), False),  # came back down
        ((4, 2, 4), False),  # no rise from the first of the three
        ((2, 3), False),  # +1 only
        ((3, 2, 1, 4, 5), True),  # last three 1 → 5
    ],
)
def test_rising_scores_over_the_last_entries(afters: tuple[int, ...], fires: bool) -> None:
    entries = [pain(i * 2, after=a, i=i) for i, a in enumerate(afters)]
    out = judge(SYMPTOM_TREND, run(len(afters) * 2), symptoms=entries)
    assert isinstance(out, list) and bool(out) is fires
    if fires:
        assert out[0].values["signals"] == ["rise-after"] and "pain after runs rose" in out[0].message


def test_symptoms_keep_sites_and_sides_apart_and_old_entries_out() -> None:
    rising_left = [pain(d, side="left", after=a, i=i) for i, (d, a) in enumerate([(1, 1), (3, 2), (5, 4)])]
    calm_right = [pain(5, side="right", after=1, i=9)]
    out = judge(SYMPTOM_TREND, run(6), symptoms=[*rising_left, *calm_right])
    assert [(f.side, f.values["site"]) for f in out] == [("left", "achilles")]
    stale = judge(SYMPTOM_TREND, run(14), symptoms=rising_left)  # latest entry 9 days before: not this run's
    assert stale == []
    future = judge(SYMPTOM_TREND, run(4), symptoms=[pain(5, morning=6)])
    assert isinstance(future, NotAssessed) and future.hint == LOG_SYMPTOM
    both = judge(SYMPTOM_TREND, run(3), symptoms=[pain(2, site="calf", side="both", morning=5)])
    assert both[0].side == "both" and "Both sides, calf" in both[0].message


def test_no_symptoms_is_not_assessed() -> None:
    out = judge(SYMPTOM_TREND, run(3), [run(1)])
    assert isinstance(out, NotAssessed) and out.hint == LOG_SYMPTOM


# --------------------------------------------------------------------------- load-guardrail


@pytest.mark.parametrize(
    ("pct", "hr"),
    [(None, None), (10.0, None), (10.5, 1.64), (30.0, 1.64), (30.1, 1.52), (100.0, 1.52), (150.0, 2.28)],
)
def test_frandsen_bands(pct: float | None, hr: float | None) -> None:
    band = band_of(pct)
    assert (band.hazard_ratio if band else None) == hr


def steady_weeks(weeks: int, long_km: float = 12.0) -> list[RunSummary]:
    return [run(7 * w + d, km=long_km if d == 6 else 8.0) for w in range(weeks) for d in (1, 3, 6)]


def test_guardrail_is_10_percent_over_the_longest_that_still_counts() -> None:
    earlier = steady_weeks(6)  # long runs of 12 km every Sunday
    out = judge(LOAD_GUARDRAIL, run(43, km=8.0), earlier)
    f = out[0]
    assert f.side == "none" and f.values["next_long_run_km"] == 13.2 and f.values["longest_km"] == 12.0
    assert f.values["longest_date"] == day(41).isoformat() and f.values["unit"] == "distance_m"
    assert "13.2 km" in f.message and "13.2 km" in f.action
    # absolute risk: 0.3 % baseline; × 1.64 ≈ 0.49 % and × 2.28 ≈ 0.68 % per run
    for words in ("3 in 1,000", "5 in 1,000", "7 in 1,000", "1.64", "2.28", "Frandsen"):
        assert words in f.message
    # full 30 days of history: grade B 0.85 × info 0.5 × 1.0
    assert f.confidence == pytest.approx(0.425)


def test_guardrail_ignores_a_long_run_that_leaves_the_window_within_a_week() -> None:
    earlier = [run(d, km=8.0) for d in range(0, 30, 2)] + [run(5, km=14.0)]
    f = judge(LOAD_GUARDRAIL, run(30, km=8.0), earlier)[0]  # the 14 km is 25 days old: gone in 5
    assert f.values["next_long_run_km"] == 8.8


def test_after_a_spike_the_cap_is_that_run() -> None:
    f = judge(LOAD_GUARDRAIL, run(43, km=18.0), steady_weeks(6))[0]  # 18 / 12 = +50 %
    assert f.values["next_long_run_km"] == 18.0 and f.values["this_run_spike_pct"] == 50.0
    assert "already 50 % longer" in f.message


def test_guardrail_by_duration_and_with_a_short_history() -> None:
    earlier = [run(d, km=None, minutes=40.0) for d in (1, 3)] + [run(5, km=None, minutes=60.0)]
    f = judge(LOAD_GUARDRAIL, run(8, km=None, minutes=40.0), earlier)[0]
    assert f.values["unit"] == "duration_s" and f.values["next_long_run_min"] == 66.0
    assert "1:06 h" in f.message and "covers only 7 of those 30 days" in f.message
    assert f.confidence == pytest.approx(0.85 * 0.5 * (0.5 + 0.5 * 7 / 30))


def test_after_an_injury_only_the_runs_since_it_count() -> None:
    earlier = [*steady_weeks(5), run(34, km=18.0)]  # an 18 km spike, then an injury two days later
    hurt = Injury(1, day(36), "achilles", "right", "")
    back = [run(44, km=5.0), run(46, km=6.0)]
    f = judge(LOAD_GUARDRAIL, run(48, km=5.0), [*earlier, *back], injuries=[hurt])[0]
    assert f.values["next_long_run_km"] == 6.6 and f.values["longest_date"] == day(46).isoformat()
    assert "since your right achilles injury on" in f.message and RED_FLAGS in f.message
    without = judge(LOAD_GUARDRAIL, run(48, km=5.0), [*earlier, *back])[0]
    assert without.values["next_long_run_km"] == 19.8  # the spike would otherwise set the cap
    old = Injury(2, day(2), "calf", "left", "")  # outside the 30 days: no effect
    assert judge(LOAD_GUARDRAIL, run(48, km=5.0), [*earlier, *back], injuries=[old])[0].values == without.values


def test_guardrail_rounds_down_so_it_never_exceeds_ten_percent() -> None:
    f = judge(LOAD_GUARDRAIL, run(10, km=5.0), [run(1, km=10.49), *[run(d, km=5.0) for d in range(2, 10)]])[0]
    assert f.values["next_long_run_km"] == 11.5  # 10.49 × 1.1 = 11.539 → 11.5, never 11.6


# --------------------------------------------------------------------------- injury review


INJURY_DAY = 99  # a Tuesday, 14 weeks and a day after T0


def review_history(*, spike_km: float = 18.0, window_gct: float = 262.0) -> History:
    """Runs Tue/Thu/Sun: 8, 8 (faster) and 12 km; in the 6 weeks before the injury the long run jumps
    once to ``spike_km`` and easy-run GCT is ``window_gct`` (baseline 250)."""
    runs = []
    for w in range(15):
        for d in (1, 3, 6):
            n = 7 * w + d
            if n > INJURY_DAY:
                continue
            in_window = n >= INJURY_DAY - 41
            km = 12.0 if d == 6 else 8.0
            if n == 90:  # Sunday, 8 days before the injury
                km = spike_km
            easy = d != 3
            gct = (window_gct if in_window else 250.0 + (n % 3 - 1)) if easy else 240.0
            runs.append(run(n, km=km, speed_mps=3.0 if easy else 3.5, gct_ms=gct, balance=50.0 + 0.1 * (n % 2)))
    injury = Injury(1, day(INJURY_DAY), "calf", "left", "strain")
    tests = [cap_test(60, "heel-raise", 18, 25), cap_test(10, "bridge", 20, 20, 2)]
    symptoms = [pain(85, site="calf", side="left", after=2), pain(92, site="calf", side="left", after=4, i=2)]
    return History(runs, [injury], tests, symptoms)


def test_review_window_spike_and_weeks() -> None:
    history = review_history()
    data = review(history, history.injuries[0])
    assert data["window"] == {"from": day(INJURY_DAY - 41).isoformat(), "to": day(INJURY_DAY).isoformat(),
                              "days": 42, "runs": 18}  # fmt: skip
    assert data["spike_pct"] == 50.0  # 18 km against the 12 km Sundays of the 30 days before
    spike = data["spike"]
    assert spike["date"] == day(90).isoformat() and spike["previous_longest"] == 12000.0
    assert spike["hazard_ratio"] == 1.52 and spike["band"] == "30–100 % longer" and spike["per_1000"] == 4.6
    assert data["baseline_spike_pct"] == 0.0  # every Sunday equals the one before it
    # 7-day blocks ending with the injury day (a Tuesday): Wed..Tue holds Thu 8 + Sun 12 + Tue 8 = 28 km;
    # the fifth block has the 18 km Sunday instead of 12
    assert [w["km"] for w in data["weekly_km"]] == [28.0, 28.0, 28.0, 28.0, 34.0, 28.0]
    assert data["weekly_km_baseline"] == 28.0


def test_review_dynamics_on_easy_runs_of_the_same_sensor() -> None:
    history = review_history()
    dyn = review(history, history.injuries[0])["dynamics"]
    assert dyn["sensor"] == CHEST and dyn["easy_speed_mps"] == 3.0  # the 3.5 m/s runs are not easy
    gct = dyn["gct_ms"]
    assert gct["window"] == 262.0 and gct["baseline"] == 250.0 and gct["change"] == 12.0
    assert gct["outside"] and gct["runs"] == 12
    assert not dyn["balance_left_pct"]["outside"]  # 50.0–50.1 throughout
    calm = review(review_history(window_gct=251.0), history.injuries[0])["dynamics"]["gct_ms"]
    assert not calm["outside"]  # 1 ms is inside the 2 % floor (5 ms)


def test_review_lists_tests_and_symptoms_of_the_window_only() -> None:
    history = review_history()
    data = review(history, history.injuries[0])
    assert [t["kind"] for t in data["tests"]] == ["heel-raise"]  # the bridge (day 10) is before the window
    assert data["tests"][0]["lsi_pct"] == 72.0 and data["tests"][0]["weaker_side"] == "left"
    assert [s["after"] for s in data["symptoms"]] == [2.0, 4.0]


def test_review_without_a_spike_or_baseline() -> None:
    runs = [run(d, km=8.0) for d in range(90, 98, 2)]
    history = History(runs, [Injury(3, day(98), "hamstring", "right")])
    data = review(history, history.injuries[0])
    assert data["spike_pct"] == 0.0 and data["baseline_spike_pct"] is None
    assert data["weekly_km_baseline"] is None
    assert [w["recorded"] for w in data["weekly_km"]] == [False] * 4 + [True, True]  # history starts on day 90
    assert data["dynamics"]["sensor"] is None  # no speed recorded → nothing comparable

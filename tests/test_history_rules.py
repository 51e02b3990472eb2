"""History-aware rules: exact thresholds on summaries, then multi-week generated FIT sequences."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fitglute.history.store import Store
from fitglute.model.history import History, Injury, RunSummary
from fitglute.plugins import rules as registered
from fitglute.rules.asymmetry import PERSISTENT_BIAS
from fitglute.rules.common import NO_HISTORY
from fitglute.rules.engine import STAGE_HISTORY, Finding, NotAssessed, Rule, RuleContext
from fitglute.rules.load import ACUTE_CHRONIC, LOAD_SPIKE
from fitglute.rules.recurrence import SAME_SIDE
from fitglute.sync.importer import import_paths

RULES = (LOAD_SPIKE, PERSISTENT_BIAS, SAME_SIDE, ACUTE_CHRONIC)

T0 = datetime(2026, 1, 5, 7, 0, tzinfo=UTC).timestamp()
CHEST, POD = "chest: garmin hrm_pro_plus", "pod: garmin running_dynamics_pod"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FITGLUTE_HOME", str(tmp_path / "home"))


def run(
    day: float,
    *,
    km: float | None = 5.0,
    minutes: float = 30.0,
    balance: float | None = 50.0,
    half_ci: float = 0.2,
    sensor: str = CHEST,
    flags: Iterable[str] = (),
    drift_bal: float | None = None,
    drift_gct: float | None = None,
) -> RunSummary:
    """A run summary ``day`` days after T0 (fractions allowed)."""
    return RunSummary(
        sha256=f"{day:08.3f}{sensor}",
        start=T0 + day * 86400,
        distance_m=None if km is None else km * 1000,
        duration_s=minutes * 60,
        sensor=sensor,
        flags=frozenset(flags),
        clean_running_s=minutes * 60,
        balance=balance,
        balance_low=None if balance is None else balance - half_ci,
        balance_high=None if balance is None else balance + half_ci,
        drift_gct=drift_gct,
        drift_gct_low=None if drift_gct is None else drift_gct - 1.0,
        drift_gct_high=None if drift_gct is None else drift_gct + 1.0,
        drift_bal=drift_bal,
        drift_bal_low=None if drift_bal is None else drift_bal - 0.3,
        drift_bal_high=None if drift_bal is None else drift_bal + 0.3,
        quality=0.9,
    )


def judge(
    rule: Rule, cur: RunSummary, earlier: list[RunSummary] | None, injuries: list[Injury] = ()
) -> list[Finding] | NotAssessed:
    history = None if earlier is None else History(list(earlier), list(injuries))
    ctx = RuleContext(run=cur, metrics=None, history=history, summary=cur)
    return rule.check(ctx, {k: t.value for k, t in rule.thresholds.items()})


def signal_groups() -> dict[str, str | None]:
    """Every registered rule's signal group, as the engine hands them to the composite."""
    return {r.id: r.signal_group for r in registered().values()}


def steady(days: Iterable[float], **kw: Any) -> list[RunSummary]:
    return [run(d, **kw) for d in days]


# --------------------------------------------------------------------------- contract


def test_ids_stage_and_no_history() -> None:
    assert [r.id for r in RULES] == ["load-spike", "persistent-side-bias", "same-side-recurrence", "acute-chronic-load"]
    assert {r.stage for r in RULES} == {STAGE_HISTORY}
    assert ACUTE_CHRONIC.evidence.grade == "C" and LOAD_SPIKE.evidence.grade == "B"
    for rule in RULES:
        out = judge(rule, run(40), None)
        assert isinstance(out, NotAssessed) and out.reason == NO_HISTORY


def test_history_rules_are_registered() -> None:
    assert {r.id for r in RULES} <= set(registered())


# --------------------------------------------------------------------------- load-spike


@pytest.mark.parametrize(("km", "fires"), [(11.2, True), (10.8, False), (11.0, False), (9.0, False)])
def test_load_spike_threshold(km: float, fires: bool) -> None:
    earlier = steady(range(0, 28, 2), km=8.0) + [run(20, km=10.0)]
    out = judge(LOAD_SPIKE, run(30, km=km), earlier)
    assert isinstance(out, list) and bool(out) is fires
    if fires:
        f = out[0]
        assert f.side == "none" and f.values["spike_pct"] == pytest.approx(12.0, abs=0.1)
        assert "10.0 km" in f.message and "12 %" in f.message and "Frandsen" in f.message
        assert f.values["previous_longest_date"] == "2026-01-25"


def test_load_spike_needs_a_run_in_the_previous_30_days() -> None:
    out = judge(LOAD_SPIKE, run(60, km=20.0), steady(range(0, 25), km=5.0))
    assert isinstance(out, NotAssessed) and "30 days" in out.reason


def test_load_spike_uses_duration_without_distance() -> None:
    earlier = steady(range(0, 30, 3), km=None, minutes=40.0)
    out = judge(LOAD_SPIKE, run(31, km=None, minutes=50.0), earlier)
    assert isinstance(out, list) and out and out[0].values["unit"] == "duration_s"
    assert "40 min" in out[0].message


def test_load_spike_confidence_reflects_partial_history() -> None:
    full = judge(LOAD_SPIKE, run(45, km=12.0), steady(range(0, 45, 3), km=10.0))
    short = judge(LOAD_SPIKE, run(45, km=12.0), steady(range(40, 45), km=10.0))
    assert full[0].confidence > short[0].confidence
    assert "covers only" in short[0].message


def test_load_spike_size_is_flat_above_10_with_a_step_above_100_percent() -> None:
    """Frandsen 2025: +10–30 % HR 1.64, +30–100 % 1.52, > +100 % 2.28 — not a rising line."""
    earlier = steady(range(0, 45, 3), km=10.0)
    by_km = {km: judge(LOAD_SPIKE, run(45, km=km), earlier)[0] for km in (11.5, 15.0, 19.5, 21.0)}
    assert by_km[11.5].clarity == by_km[15.0].clarity == by_km[19.5].clarity == pytest.approx(0.5)
    assert by_km[21.0].clarity == pytest.approx(1.0)
    # absolute risk, in the study's own bands (0.3 % baseline × the band's hazard ratio)
    assert "about 5 injuries in 1,000 runs against about 3 in 1,000" in by_km[11.5].message
    assert "hazard ratio 1.52" in by_km[15.0].message and "about 7 injuries in 1,000" in by_km[21.0].message
    assert by_km[11.5].evidence == "B" and "exploratory" in by_km[11.5].message


# --------------------------------------------------------------------------- persistent-side-bias


def bias_sequence(recent: list[float], sensor_recent: str = CHEST) -> tuple[RunSummary, list[RunSummary]]:
    """10 baseline runs at 50.0 on the chest strap, then ``recent`` balances (the last is judged)."""
    earlier = [run(d, balance=50.0 + 0.05 * (d % 3)) for d in range(0, 20, 2)]
    earlier += [run(20 + 2 * i, balance=b, sensor=sensor_recent) for i, b in enumerate(recent[:-1])]
    return run(20 + 2 * (len(recent) - 1), balance=recent[-1], sensor=sensor_recent), earlier


def test_persistent_bias_three_of_five() -> None:
    cur, earlier = bias_sequence([50.0, 51.5, 50.1, 51.6, 51.5])
    out = judge(PERSISTENT_BIAS, cur, earlier)
    assert isinstance(out, list) and len(out) == 1
    f = out[0]
    assert f.side == "left" and f.values["biased_runs"] == 3 and f.values["window_runs"] == 5
    assert f.values["baseline_left_pct"] == pytest.approx(50.05, abs=0.05)
    assert "Malisoux" in f.message and f.confidence < 0.7


def test_persistent_bias_two_of_five_or_current_unbiased_is_quiet() -> None:
    assert judge(PERSISTENT_BIAS, *bias_sequence([50.0, 50.1, 50.0, 51.6, 51.5])) == []
    assert judge(PERSISTENT_BIAS, *bias_sequence([51.6, 51.5, 51.6, 51.5, 50.1])) == []


def test_persistent_bias_right_side() -> None:
    out = judge(PERSISTENT_BIAS, *bias_sequence([48.4, 48.5, 48.3, 48.4, 48.5]))
    assert out[0].side == "right" and out[0].values["biased_runs"] == 5


def test_sensor_change_starts_a_new_baseline_instead_of_alarming() -> None:
    # the pod reads 1.6 points more left than the strap did: that is the sensor, not the runner
    for n in range(1, 9):
        out = judge(PERSISTENT_BIAS, *bias_sequence([51.6] * n, sensor_recent=POD))
        assert isinstance(out, NotAssessed) and "building a baseline" in out.reason
    pod_only = [run(40 + d, balance=51.6, sensor=POD) for d in range(10)]
    cur, earlier = bias_sequence([51.6] * 5, sensor_recent=POD)
    assert judge(PERSISTENT_BIAS, run(60, balance=51.6, sensor=POD), [*earlier, cur, *pod_only]) == []


def test_persistent_bias_ignores_treadmill_and_hills() -> None:
    cur, earlier = bias_sequence([51.6] * 5)
    for flag in ("treadmill", "indoor", "hilly", "track"):
        out = judge(PERSISTENT_BIAS, run(cur.start / 86400 - T0 / 86400, balance=51.6, flags=[flag]), earlier)
        assert isinstance(out, NotAssessed)
    treadmill_runs = [run(d + 0.5, balance=53.0, flags=["treadmill"]) for d in range(20, 28, 2)]
    out = judge(PERSISTENT_BIAS, run(29, balance=50.0), earlier[:10] + treadmill_runs)
    assert out == []


# --------------------------------------------------------------------------- same-side-recurrence


LEFT_HAMSTRING = Injury(1, date(2026, 1, 10), "hamstring", "left", "strain")
RIGHT_CALF = Injury(2, date(2026, 1, 10), "calf", "right")


@pytest.mark.parametrize(
    ("injury", "balance", "drift", "expected"),
    [
        (LEFT_HAMSTRING, 51.5, None, ["left"]),  # bias toward the injured side
        (LEFT_HAMSTRING, 50.0, 1.2, ["left"]),  # side-specific fatigue drift
        (LEFT_HAMSTRING, 48.5, None, []),  # signals on the other side: quiet
        (RIGHT_CALF, 51.5, 1.2, []),  # injured right, signals left: quiet
        (RIGHT_CALF, 48.5, None, ["right"]),
        (Injury(3, date(2026, 1, 10), "achilles", "both"), 48.5, None, ["right"]),
    ],
)
def test_same_side_fires_only_on_the_injured_side(
    injury: Injury, balance: float, drift: float | None, expected: list[str]
) -> None:
    earlier = steady(range(0, 20, 2))
    out = judge(SAME_SIDE, run(21, balance=balance, drift_bal=drift), earlier, [injury])
    assert isinstance(out, list) and [f.side for f in out] == expected
    for f in out:
        assert injury.site in f.message and injury.date.isoformat() in f.message


def test_same_side_needs_a_posterior_chain_injury_before_the_run() -> None:
    knee = Injury(4, date(2026, 1, 10), "knee", "left")
    later = Injury(5, date(2026, 3, 1), "hamstring", "left")
    for injuries in ([], [knee], [later]):
        out = judge(SAME_SIDE, run(21, balance=51.5), steady(range(0, 20, 2)), injuries)
        assert isinstance(out, NotAssessed)


def test_same_side_names_an_injury_older_than_its_window() -> None:
    """A logged but old injury is not "no injury in your log": it says which and why not."""
    old = Injury(6, date(2015, 6, 1), "hamstring", "left")
    out = judge(SAME_SIDE, run(21, balance=51.5), steady(range(0, 20, 2)), [old])
    assert isinstance(out, NotAssessed)
    assert "no " not in out.reason and "hamstring" in out.reason and "2015-06-01" in out.reason
    assert "2-year window" in out.reason  # lookback_days 730
    none = judge(SAME_SIDE, run(21, balance=51.5), steady(range(0, 20, 2)), [])
    assert isinstance(none, NotAssessed) and none.reason.startswith("no hamstring")


def test_growing_fatigue_drift_strengthens_same_side() -> None:
    flat = [run(d, drift_gct=1.0) for d in range(0, 42, 3)]
    growing = [run(d, drift_gct=1.0 + 0.3 * d) for d in range(0, 42, 3)]
    cur = run(42, balance=51.5, drift_gct=14.0)
    plain = judge(SAME_SIDE, run(42, balance=51.5, drift_gct=1.0), flat, [LEFT_HAMSTRING])[0]
    strong = judge(SAME_SIDE, cur, growing, [LEFT_HAMSTRING])[0]
    assert strong.confidence > plain.confidence
    assert any("per week" in s for s in strong.values["signals"])


def test_same_side_feeds_the_composite() -> None:
    from fitglute.rules.composite import OVERLOAD

    same = judge(SAME_SIDE, run(21, balance=51.5, drift_bal=1.2), steady(range(0, 20, 2)), [LEFT_HAMSTRING])
    bias = Finding("gct-balance-bias", "bias", "left", 0.5, "B", "", "", "", {})
    sources = {r.id: r.measured_by for r in registered().values()}
    ctx = RuleContext(run=None, metrics=None, findings=[*same, bias], groups=signal_groups(), sources=sources)
    out = OVERLOAD.check(ctx, {k: t.value for k, t in OVERLOAD.thresholds.items()})
    assert out and out[0].side == "left" and "same-side-recurrence" in out[0].values["signals"]


# --------------------------------------------------------------------------- acute-chronic-load


def test_acute_chronic_is_information_only() -> None:
    earlier = steady(range(0, 35, 2), km=5.0)
    big_week = [run(d, km=9.0) for d in (35.0, 36.0, 37.0, 38.0)]
    out = judge(ACUTE_CHRONIC, run(39, km=9.0), earlier + big_week)
    assert out and out[0].side == "none" and out[0].evidence == "C" and out[0].confidence < 0.4
    assert "contested" in out[0].message and out[0].values["ratio"] > 1.3
    assert judge(ACUTE_CHRONIC, run(36, km=5.0), earlier) == []
    short = judge(ACUTE_CHRONIC, run(10, km=9.0), steady(range(0, 10), km=5.0))
    assert isinstance(short, NotAssessed) and "28 days" in short.reason


def test_acute_chronic_is_silent_after_a_gap() -> None:
    """A run after weeks without running was "4.00×" (the run against itself): now not assessed."""
    years_ago = steady(range(0, 60, 2), km=5.0)
    lone = judge(ACUTE_CHRONIC, run(400, km=5.0), years_ago)
    assert isinstance(lone, NotAssessed) and "separate weeks" in lone.reason and "no runs" in lone.reason
    # two weeks of running in the last four is still not a chronic load
    two_weeks = years_ago + [run(d, km=5.0) for d in (380.0, 382.0, 388.0)]
    got = judge(ACUTE_CHRONIC, run(390, km=5.0), two_weeks)
    assert isinstance(got, NotAssessed) and "have runs in 2 weeks" in got.reason
    # three weeks of steady running: the ratio speaks again, and for the same load is unremarkable
    steady_again = years_ago + steady(range(364, 390, 2), km=5.0)
    assert judge(ACUTE_CHRONIC, run(390, km=5.0), steady_again) == []
    assert judge(ACUTE_CHRONIC, run(390, km=20.0), steady_again)[0].values["ratio"] > 1.3


# --------------------------------------------------------------------------- generated sequences


def write_sequence(folder: Path, runs: list[tuple[float, dict[str, Any]]]) -> list[Path]:
    """Short FIT runs (12 min by default) ``day`` days after 2026-01-05 07:00 UTC."""
    from fitglute_devkit.synth import Scenario, write_run

    folder.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    paths = []
    for i, (day, kw) in enumerate(runs):
        sc = Scenario(**{"duration_s": 720, "seed": 500 + i, "start": start + timedelta(days=day), **kw})
        path = folder / f"day{day:05.1f}.fit"
        write_run(path, sc)
        paths.append(path)
    return paths


def stored(db: Path) -> dict[str, dict[str, Any]]:
    """Stored results by file name."""
    with Store(db) as store:
        out = {}
        for row in store.recent_runs(None):
            got = store.get_run(row["sha256"])
            out[Path(got.source_path).name] = got.result.to_json()
        return out


def rules_of(result: dict[str, Any]) -> dict[str, str]:
    return {f["rule"]: f["side"] for f in result["findings"]}


TWELVE_MIN = 720
WEEKS = [d + 7 * w for w in range(4) for d in (0, 2, 4)]  # three runs a week for four weeks


@pytest.fixture(scope="module")
def spike_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spike")
    runs: list[tuple[float, dict[str, Any]]] = [(d, {}) for d in WEEKS]
    runs.append((29.0, {"duration_s": round(TWELVE_MIN * 1.08)}))  # +8 %: no spike
    runs.append((31.0, {"duration_s": round(TWELVE_MIN * 1.08 * 1.12)}))  # +12 % over the new longest
    write_sequence(folder, runs)
    db = folder / "h.sqlite"
    report = import_paths([str(folder)], db=db, workers=2)
    assert len(report.imported) == len(runs)
    return db


def test_sequence_spike_fires_above_10_not_at_8_percent(spike_db: Path) -> None:
    results = stored(spike_db)
    eight, twelve = results["day029.0.fit"], results["day031.0.fit"]
    assert "load-spike" not in rules_of(eight)
    spike = next(f for f in twelve["findings"] if f["rule"] == "load-spike")
    assert 10.0 < spike["values"]["spike_pct"] < 14.0
    assert spike["values"]["previous_longest_date"] == "2026-02-03"
    steady_runs = [r for name, r in results.items() if name not in ("day029.0.fit", "day031.0.fit")]
    assert not any("load-spike" in rules_of(r) for r in steady_runs[:-3])


@pytest.fixture(scope="module")
def recurrence_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four steady weeks, then three runs with the left foot longer and a late left shift."""
    folder = tmp_path_factory.mktemp("recurrence")
    runs: list[tuple[float, dict[str, Any]]] = [(d, {}) for d in WEEKS]
    # 30 min, 52.2 % (was 12 min, 51.6 %): with intervals that allow for minute-scale wander, a
    # 12-min run's signals stay below the composite's 0.3 (issue 13)
    knobs = {"balance_left_pct": 52.2, "balance_drift_pts": 1.5, "duration_s": 1800}
    runs += [(d, knobs) for d in (28.0, 30.0, 32.0)]
    write_sequence(folder, runs)
    return folder


def test_sequence_same_side_recurrence_only_on_the_injured_side(recurrence_files: Path, tmp_path: Path) -> None:
    for side, expect in (("left", True), ("right", False)):
        db = tmp_path / f"{side}.sqlite"
        with Store(db) as store:
            store.add_injury(date(2026, 1, 12), "hamstring", side, "strain")
        import_paths([str(recurrence_files)], db=db, workers=2)
        results = stored(db)
        biased = [results[f"day{d:05.1f}.fit"] for d in (28.0, 30.0, 32.0)]
        for r in biased:
            sides = [f["side"] for f in r["findings"] if f["rule"] == "same-side-recurrence"]
            assert sides == (["left"] if expect else []), (side, rules_of(r))
        if expect:
            last = rules_of(biased[-1])
            assert last.get("posterior-chain-overload") == "left"  # history evidence feeds the composite
            assert last.get("persistent-side-bias") == "left"
        quiet = [r for name, r in results.items() if name < "day028"]
        assert not any("same-side-recurrence" in rules_of(r) for r in quiet)


def test_injury_added_after_import_rejudges_runs(recurrence_files: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from fitglute.cli import app

    db = tmp_path / "h.sqlite"
    import_paths([str(recurrence_files)], db=db, workers=1)
    assert "same-side-recurrence" not in rules_of(stored(db)["day032.0.fit"])
    out = CliRunner().invoke(
        app, ["injury", "add", "--side", "left", "--site", "calf", "--date", "2026-01-20", "--db", str(db)]
    )
    assert out.exit_code == 0 and "updated for" in out.stdout
    assert rules_of(stored(db)["day032.0.fit"])["same-side-recurrence"] == "left"
    CliRunner().invoke(app, ["injury", "remove", "1", "--db", str(db)])
    assert "same-side-recurrence" not in rules_of(stored(db)["day032.0.fit"])


def test_sequence_sensor_change_does_not_alarm(tmp_path: Path) -> None:
    # ten steady chest-strap runs, then six on a pod that reads 1.6 points more "left"
    chest = [(float(d), {}) for d in range(0, 20, 2)]
    pod = [(20.0 + 2 * i, {"sensor": "pod", "balance_left_pct": 51.6}) for i in range(6)]
    write_sequence(tmp_path / "change", chest + pod)
    db = tmp_path / "change.sqlite"
    import_paths([str(tmp_path / "change")], db=db, workers=2)
    for name, r in stored(db).items():
        assert "persistent-side-bias" not in rules_of(r), name
    last = stored(db)["day030.0.fit"]
    assert "building a baseline" in last["not_assessed"]["persistent-side-bias"]


def test_analyze_uses_the_default_history_read_only(recurrence_files: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from fitglute.cli import app
    from fitglute.config import db_path as default_db_path

    db = default_db_path()
    files = sorted(recurrence_files.glob("*.fit"))
    import_paths([str(p) for p in files[:-1]], db=db, workers=1)  # everything but the newest run
    with Store(db) as store:
        store.add_injury(date(2026, 1, 12), "hamstring", "left")
    from fitglute.history.rejudge import rejudge

    with Store(db) as store:
        rejudge(store)
        before = (store.run_count(), store.pending_rejudge())
    size = db.stat().st_size
    out = CliRunner().invoke(app, ["analyze", "--json", str(files[-1])])
    assert out.exit_code == 0, out.stderr
    result = json.loads(out.stdout)
    live = rules_of(result)
    assert live.get("same-side-recurrence") == "left" and live.get("persistent-side-bias") == "left"
    with Store(db) as store:
        assert (store.run_count(), store.pending_rejudge()) == before  # analyze wrote nothing
    assert db.stat().st_size == size
    # importing that file afterwards stores the same history judgement as analyze showed
    import_paths([str(files[-1])], db=db, workers=1)
    stored_rules = rules_of(stored(db)[files[-1].name])
    assert stored_rules == live

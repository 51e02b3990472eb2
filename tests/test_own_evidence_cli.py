"""The runner's own evidence through the command line, on a generated history whose truth is set:
``test``, ``pain``, ``injury review``, the re-judging they trigger, the guardrail on stored runs,
and the trends and history views.

The history: eight weeks of runs on Tue/Thu/Sun at 3.0 m/s — 12 min on weekdays, 16 min on
Sundays — except one Sunday (2026-02-22) of 24 min, a +50 % spike over the 16-min Sundays.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from screen import legend_of  # noqa: E402  (tests/screen.py)
from typer.testing import CliRunner

from fitglute.cli import app
from fitglute.history.store import Store
from fitglute.sync.importer import import_paths

runner = CliRunner()
START = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # a Monday
SPEED = 3.0
WEEKDAY_S, SUNDAY_S, SPIKE_S = 720, 960, 1440
SPIKE_DAY = date(2026, 2, 22)
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def invoke(*args: str):  # noqa: ANN201 - typer's Result
    return runner.invoke(app, list(args))


def one_line_error(out, text: str) -> None:  # noqa: ANN001
    assert out.exit_code == 2, out.stdout
    assert text in out.stderr, out.stderr
    assert out.stderr.startswith("fitglute: ") and out.stderr.count("\n") == 1


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from fitglute_devkit.synth import Scenario, write_run

    folder = tmp_path_factory.mktemp("own-evidence")
    for i, n in enumerate(7 * w + d for w in range(8) for d in (1, 3, 6)):
        when = START + timedelta(days=n)
        seconds = SUNDAY_S if n % 7 == 6 else WEEKDAY_S
        if when.date() == SPIKE_DAY:
            seconds = SPIKE_S
        sc = Scenario(start=when, duration_s=seconds, seed=1600 + i, speed_mps=SPEED)
        write_run(folder / f"{when.date().isoformat()}.fit", sc)
    return folder


@pytest.fixture(scope="module")
def base_db(files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("own-evidence-db") / "h.sqlite"
    report = import_paths([str(files)], db=path, workers=2)
    assert len(report.imported) == 24
    return path


@pytest.fixture
def db(base_db: Path, tmp_path: Path) -> str:
    """A private copy for tests that write."""
    copy = tmp_path / "h.sqlite"
    shutil.copy(base_db, copy)
    return str(copy)


def stored(db: str) -> dict[str, dict]:
    """Stored results by the run's day."""
    with Store(db) as store:
        return {r["start_time"][:10]: store.get_run(r["sha256"]).result.to_json() for r in store.recent_runs(None)}


def rules_of(result: dict) -> dict[str, dict]:
    return {f["rule"]: f for f in result["findings"]}


# --------------------------------------------------------------------------- test add / list / remove


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["heel-raises", "--left", "25", "--right", "18"], "unknown test 'heel-raises'"),
        (["--left", "25", "--right", "18"], "test is required"),
        (["heel-raise", "--right", "18"], "--left is required"),
        (["heel-raise", "--left", "-3", "--right", "18"], "--left -3 is negative"),
        (["heel-raise", "--left", "25", "--right", "500"], "--right 500 is outside 0–150 reps"),
        (["heel-raise", "--left", "25.5", "--right", "18"], "--left 25.5 is not a whole number of reps"),
        (["heel-raise", "--left", "many", "--right", "18"], "--left 'many' is not a number"),
        (["hop", "--left", "nan", "--right", "150"], "--left 'nan' is not a number"),
        (["pogo", "--left", "11", "--right", "2"], "--left 11 is outside 0–10 points of pain"),
        (["bridge", "--left", "20", "--right", "20", "--date", TOMORROW], "is in the future"),
        (["bridge", "--left", "20", "--right", "20", "--date", "1/5/2026"], "not an ISO date"),
        (["bridge", "--left", "20", "--right", "20", "--note", "x" * 501], "--note is too long"),
    ],
)
def test_test_add_rejects_bad_input_in_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    out = invoke("test", "add", *args, "--db", str(tmp_path / "h.sqlite"))
    one_line_error(out, message)
    assert not (tmp_path / "h.sqlite").exists()  # nothing written on bad input


def test_test_add_list_remove(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite")
    added = invoke("test", "add", "Heel-Raise", "--left", "25", "--right", "18", "--date", "2026-05-01",
                   "--note", "metronome 60 bpm", "--db", db)  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert "added test #1: heel-raise 2026-05-01, left 25 / right 18 reps: LSI 72 % · right weaker · flagged" in (
        added.stdout
    )
    assert invoke("test", "add", "pogo", "--left", "1", "--right", "4", "--db", db).exit_code == 0
    assert invoke("test", "add", "hop", "--left", "152.5", "--right", "160", "--db", db).exit_code == 0
    listed = json.loads(invoke("test", "list", "--json", "--db", db).stdout)
    assert [(t["id"], t["kind"], t["lsi_pct"], t["weaker_side"], t["flagged"]) for t in listed] == [
        (1, "heel-raise", 72.0, "right", True),
        (2, "pogo", None, "right", True),  # pain scale: no LSI, the more painful side is the weaker
        (3, "hop", 95.3, "left", False),  # 152.5 / 160 = 0.953
    ]
    assert listed[1]["pain_difference"] == 3 and listed[1]["date"] == date.today().isoformat()
    table = runner.invoke(app, ["test", "list", "--db", db], env={"COLUMNS": "200"})  # rich must not fold
    assert "LSI 72 %" in table.stdout and "3 points more pain right" in table.stdout
    assert invoke("test", "remove", "1", "--db", db).exit_code == 0
    one_line_error(invoke("test", "remove", "1", "--db", db), "no test with id 1")
    assert [t["id"] for t in json.loads(invoke("test", "list", "--json", "--db", db).stdout)] == [2, 3]


def test_test_list_and_remove_without_a_database(tmp_path: Path) -> None:
    assert json.loads(invoke("test", "list", "--json").stdout) == []
    assert "no tests logged" in invoke("test", "list").stdout
    one_line_error(invoke("test", "remove", "3"), "no test with id 3")
    assert not (tmp_path / "fitglute-home" / "data" / "history.sqlite").exists()


def test_protocols_in_plain_words_with_sources() -> None:
    out = invoke("test", "protocols")
    assert out.exit_code == 0
    for kind, unit in (("heel-raise", "reps"), ("heel-raise-bent", "reps"), ("bridge", "reps"), ("hop", "cm"),
                       ("pogo", "pain 0–10")):  # fmt: skip
        assert f"{kind} — " in out.stdout and f"[{unit} per leg]" in out.stdout
    assert out.stdout.count("Source: ") == 5
    assert "Freckleton" in out.stdout and "60 cm" in out.stdout and "metronome" in out.stdout
    assert "no symmetry index for pain" in out.stdout


# --------------------------------------------------------------------------- pain add / list


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--side", "left", "--during", "3"], "--site is required"),
        (["--site", "achilles-tendon", "--side", "left", "--during", "3"], "unknown --site 'achilles-tendon'"),
        (["--site", "achilles", "--side", "up", "--during", "3"], "unknown --side 'up'"),
        (["--site", "achilles", "--side", "left"], "no score given"),
        (["--site", "achilles", "--side", "left", "--during", "11"], "--during 11 is outside 0–10"),
        (["--site", "achilles", "--side", "left", "--after", "-1"], "--after -1 is negative"),
        (["--site", "achilles", "--side", "left", "--morning", "x"], "--morning 'x' is not a number"),
        (["--site", "achilles", "--side", "left", "--during", "2", "--date", TOMORROW], "is in the future"),
        (["--site", "calf", "--side", "left", "--during", "2", "--run", "latest"], "--run latest: there is no history"),
    ],
)
def test_pain_add_rejects_bad_input_in_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    out = invoke("pain", "add", *args, "--db", str(tmp_path / "h.sqlite"))
    one_line_error(out, message)
    assert not (tmp_path / "h.sqlite").exists()


def test_pain_add_rejects_runs_that_do_not_exist(db: str, tmp_path: Path, files: Path) -> None:
    base = ["pain", "add", "--site", "calf", "--side", "left", "--after", "2", "--db", db]
    one_line_error(invoke(*base, "--run", str(tmp_path / "nope.fit")), "nope.fit: no such file")
    (tmp_path / "notes.txt").write_text("not a fit file")
    one_line_error(invoke(*base, "--run", str(tmp_path / "notes.txt")), "not a FIT file")
    from fitglute_devkit.synth import Scenario, write_run

    stranger = tmp_path / "stranger.fit"
    write_run(stranger, Scenario(duration_s=720, seed=4242, start=START + timedelta(days=70)))
    one_line_error(invoke(*base, "--run", str(stranger)), "this run is not in your history")
    tied = files / "2026-02-24.fit"
    one_line_error(invoke(*base, "--run", str(tied), "--date", "2026-02-20"), "before the run it is tied to")
    assert json.loads(invoke("pain", "list", "--json", "--db", db).stdout) == []


def test_pain_add_ties_an_entry_to_a_run_by_its_content(db: str, files: Path, tmp_path: Path) -> None:
    import gzip

    original = files / "2026-02-19.fit"
    copy = tmp_path / "renamed.fit.gz"  # the same recording, renamed and compressed
    copy.write_bytes(gzip.compress(original.read_bytes()))
    out = invoke("pain", "add", "--site", "Achilles", "--side", "left", "--during", "3", "--after", "4",
                 "--morning", "2", "--run", str(copy), "--db", db)  # fmt: skip
    assert out.exit_code == 0, out.stderr
    assert "added symptom #1: left achilles, 2026-02-19: during 3, after 4, next morning 2 (of 10)" in out.stdout
    latest = invoke("pain", "add", "--site", "calf", "--side", "both", "--morning", "1", "--run", "latest",
                    "--db", db)  # fmt: skip
    assert latest.exit_code == 0
    entries = json.loads(invoke("pain", "list", "--json", "--db", db).stdout)
    assert entries[0]["run_sha256"] == hashlib.sha256(original.read_bytes()).hexdigest()
    assert entries[0]["date"] == "2026-02-19" and entries[0]["during"] == 3
    newest = files / "2026-03-01.fit"  # the last Sunday of the eight weeks
    assert entries[1]["run_sha256"] == hashlib.sha256(newest.read_bytes()).hexdigest()
    assert entries[1]["date"] == newest.stem and entries[1]["during"] is None
    assert "achilles" in invoke("pain", "list", "--db", db).stdout


# --------------------------------------------------------------------------- re-judging stored runs


def test_test_add_and_remove_rejudge_the_runs_after_it(db: str) -> None:
    out = invoke("test", "add", "heel-raise", "--left", "25", "--right", "18", "--date", "2026-02-01", "--db", db)
    assert "history findings updated for" in out.stdout
    results = stored(db)
    for day, result in results.items():
        found = rules_of(result).get("capacity-asymmetry")
        if day >= "2026-02-01":
            assert found is not None and found["side"] == "right", day
            assert found["values"]["heel-raise_lsi_pct"] == 72.0
        else:
            assert found is None and "no side-to-side capacity test" in result["not_assessed"]["capacity-asymmetry"]
    assert invoke("test", "remove", "1", "--db", db).exit_code == 0
    assert not any("capacity-asymmetry" in rules_of(r) for r in stored(db).values())


def test_pain_add_and_remove_rejudge_the_tied_run(db: str) -> None:
    newest = max(stored(db))
    assert "symptom-trend" not in rules_of(stored(db)[newest])
    out = invoke("pain", "add", "--site", "achilles", "--side", "left", "--after", "3", "--morning", "4",
                 "--run", "latest", "--db", db)  # fmt: skip
    assert out.exit_code == 0 and "history findings updated for 1 run since" in out.stdout
    found = rules_of(stored(db)[newest])["symptom-trend"]
    assert found["side"] == "left" and found["values"]["morning"] == 4
    assert "Stop and get assessed" in found["action"]
    assert invoke("pain", "remove", "1", "--db", db).exit_code == 0
    assert "symptom-trend" not in rules_of(stored(db)[newest])


def test_guardrail_on_every_stored_run(base_db: Path) -> None:
    results = stored(str(base_db))
    sunday_km = SPEED * SUNDAY_S / 1000.0  # 2.88 km
    after_spike = results["2026-02-24"]["findings"]
    before_spike = rules_of(results["2026-02-19"])["load-guardrail"]
    assert before_spike["values"]["next_long_run_km"] == pytest.approx(1.1 * sunday_km, abs=0.1)
    spike_run = rules_of(results[SPIKE_DAY.isoformat()])
    assert spike_run["load-spike"]["values"]["spike_pct"] == pytest.approx(50.0, abs=3.0)
    spike_km = SPEED * SPIKE_S / 1000.0  # 4.32 km: after a spike the cap is the spike, not 10 % more
    assert spike_run["load-guardrail"]["values"]["next_long_run_km"] == pytest.approx(spike_km, abs=0.1)
    assert rules_of({"findings": after_spike})["load-guardrail"]["values"]["next_long_run_km"] == pytest.approx(
        1.1 * spike_km, abs=0.1
    )
    assert all("load-guardrail" in rules_of(r) for day, r in results.items() if day > "2026-01-06")


# --------------------------------------------------------------------------- injury review


def test_injury_review_finds_the_spike(db: str) -> None:
    assert "no injuries logged" in invoke("injury", "review", "--db", db).stdout
    assert json.loads(invoke("injury", "review", "--json", "--db", db).stdout) == []
    invoke("test", "add", "heel-raise", "--left", "18", "--right", "25", "--date", "2026-02-10", "--db", db)
    invoke("pain", "add", "--site", "calf", "--side", "left", "--after", "3", "--date", "2026-02-20", "--db", db)
    invoke("injury", "add", "--side", "left", "--site", "calf", "--date", "2026-02-24", "--db", db)
    data = json.loads(invoke("injury", "review", "1", "--json", "--db", db).stdout)
    assert len(data) == 1
    r = data[0]
    assert {"injury", "window", "spike_pct", "weekly_km", "dynamics", "tests", "symptoms"} <= set(r)
    assert r["window"]["from"] == "2026-01-14" and r["window"]["to"] == "2026-02-24"
    assert r["spike_pct"] == pytest.approx(50.0, abs=3.0) and r["spike"]["date"] == SPIKE_DAY.isoformat()
    assert r["spike"]["hazard_ratio"] == 1.52
    assert len(r["weekly_km"]) == 6 and all(w["runs"] == 3 for w in r["weekly_km"])
    assert [t["lsi_pct"] for t in r["tests"]] == [72.0] and [s["after"] for s in r["symptoms"]] == [3.0]
    assert r["dynamics"]["sensor"] == "chest: garmin hrm_pro_plus"
    text = invoke("injury", "review", "--db", db)
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    words_at = next(i for i, line in enumerate(lines) if "Longest-run jump" in line)
    numbers_at = next(i for i, line in enumerate(lines) if line.startswith("week from"))
    assert words_at < numbers_at  # plain words first, numbers after
    assert "hazard ratio 1.52" in " ".join(lines) and "not proof of what caused it" in text.stdout
    one_line_error(invoke("injury", "review", "7", "--db", db), "no injury with id 7")


# --------------------------------------------------------------------------- trends and history


def test_trends_of_tests_and_symptoms(db: str) -> None:
    for d, right in (("2026-01-20", 18), ("2026-02-10", 22)):
        invoke("test", "add", "heel-raise", "--left", "25", "--right", str(right), "--date", d, "--db", db)
    for d, after in (("2026-02-01", 2), ("2026-02-08", 4)):
        invoke("pain", "add", "--site", "achilles", "--side", "left", "--after", str(after), "--date", d, "--db", db)
    invoke("pain", "add", "--site", "achilles", "--side", "both", "--morning", "3", "--date", "2026-02-09", "--db", db)
    invoke("injury", "add", "--side", "left", "--site", "achilles", "--date", "2026-02-12", "--db", db)
    lsi = json.loads(invoke("trends", "--metric", "lsi-heel-raise", "--json", "--db", db).stdout)
    assert lsi["aggregation"] == "test" and lsi["flag_line"] == 90.0
    assert [(p["date"][:10], p["value"]) for p in lsi["points"]] == [("2026-01-20", 72.0), ("2026-02-10", 88.0)]
    assert [i["site"] for i in lsi["injuries"]] == ["achilles"]
    pain = json.loads(invoke("trends", "--metric", "pain-achilles-left", "--json", "--db", db).stdout)
    assert [(p["after"], p["morning"], p["side"]) for p in pain["points"]] == [
        (2.0, None, "left"), (4.0, None, "left"), (None, 3.0, "both")
    ]  # fmt: skip
    plot = invoke("trends", "--metric", "pain-achilles-left", "--db", db)
    assert plot.exit_code == 0 and "next-morning flag" in legend_of(plot.stdout)
    assert "L achilles" in plot.stdout
    run_trend = json.loads(invoke("trends", "--metric", "gct", "--json", "--db", db).stdout)
    assert [(t["date"], t["lsi_pct"]) for t in run_trend["tests"]] == [("2026-01-20", 72.0), ("2026-02-10", 88.0)]
    drawn = invoke("trends", "--metric", "gct", "--db", db).stdout
    assert "heel-raise 72%R" in drawn and "capacity test" in legend_of(drawn)
    empty = invoke("trends", "--metric", "lsi-bridge", "--db", db)
    assert empty.exit_code == 0 and "no bridge tests yet" in empty.stdout
    bad = invoke("trends", "--metric", "lsi-pogo")
    one_line_error(bad, "unknown --metric 'lsi-pogo'")
    assert "lsi-heel-raise" in bad.stderr and "pain-<site>-<side>" in bad.stderr


def test_history_shows_tests_and_symptoms(db: str) -> None:
    invoke("test", "add", "bridge", "--left", "20", "--right", "24", "--date", "2026-02-10", "--db", db)
    invoke("pain", "add", "--site", "hamstring", "--side", "left", "--during", "2", "--run", "latest", "--db", db)
    out = invoke("history", "--db", db)
    assert out.exit_code == 0
    assert "bridge 2026-02-10 LSI 83.3 % · left weaker · flagged" in out.stdout  # 20 / 24
    assert "Symptoms: 1 entry, latest left hamstring" in out.stdout


def test_next_run_is_judged_with_tests_and_guardrail(base_db: Path, tmp_path: Path) -> None:
    from fitglute_devkit.synth import Scenario, write_run

    from fitglute.config import db_path

    db_path().parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(base_db, db_path())
    invoke("test", "add", "heel-raise", "--left", "25", "--right", "18", "--date", "2026-02-27")
    new = tmp_path / "next.fit"
    write_run(new, Scenario(duration_s=900, seed=99, start=START + timedelta(days=57), speed_mps=SPEED))
    out = invoke("analyze", "--json", str(new))
    assert out.exit_code == 0, out.stderr
    found = rules_of(json.loads(out.stdout))
    assert found["capacity-asymmetry"]["side"] == "right"
    # the longest run still in the window next week is the 4.32 km spike of 2026-02-22
    assert found["load-guardrail"]["values"]["next_long_run_km"] == pytest.approx(1.1 * 4.32, abs=0.1)


def test_history_shows_tests_before_any_run(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite")
    invoke("test", "add", "hop", "--left", "150", "--right", "160", "--date", "2026-03-01", "--db", db)
    out = invoke("history", "--db", db)
    assert "no runs yet" in out.stdout and "hop 2026-03-01 LSI 93.8 % · left weaker" in out.stdout  # 150 / 160
    assert json.loads(invoke("history", "--json", "--db", db).stdout) == []  # --json stays a list of runs

"""``fitglute report``: the HTML pages, checked by structure (html.parser) against second sources.

* what the page says equals ``analyze --json`` for the same file (the same result object);
* the lap table has as many rows as python-fitparse finds lap messages (a second decoder);
* one ``<svg>`` per chart with a title and a description, one ``path.series`` per series;
* nothing on the page can reach the network, and hostile strings from files and logs are escaped;
* the history and physiotherapist pages from a store built of real files (skips without them).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import fitparse
import pytest
from typer.testing import CliRunner

from fitglute.cli import app
from fitglute.data import DEMO_RUN
from fitglute.model.channels import CORE_CHANNELS, DYNAMICS_KEYS
from fitglute.model.exitcodes import ExitCode
from fitglute.model.safety import RED_FLAGS

runner = CliRunner()
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
#: what could make a page load something: tags, attributes, and in its stylesheet
LOADING_TAGS = {"script", "link", "img", "iframe", "object", "embed", "audio", "video", "source", "image", "use"}
LOADING_ATTRS = {"src", "href", "xlink:href", "srcset", "action", "poster", "data", "background"}


class Page(HTMLParser):
    """The parts of a page the tests look at: headings, charts, tables (cell text), all text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.headings: list[tuple[str, str]] = []
        self.svgs: list[dict[str, Any]] = []
        self.tables: list[dict[str, Any]] = []
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.attr_names: set[str] = set()
        self.styles: list[str] = []
        self._stack: list[str] = []
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self._stack.append(tag)
        self.tags.add(tag)
        self.attr_names |= set(a) | ({"style-url"} if "url(" in (a.get("style") or "") else set())
        if tag in ("h1", "h2", "h3"):
            self._heading = []
        elif tag == "svg":
            self.svgs.append({"attrs": a, "series": 0, "title": None, "desc": None, "labels": []})
        elif tag == "path" and "series" in (a.get("class") or "").split() and self.svgs:
            self.svgs[-1]["series"] += 1
            self.svgs[-1]["labels"].append(a.get("data-label"))
        elif tag == "table":
            self.tables.append({"attrs": a, "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append((tag, "".join(self._heading).strip()))
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1] == "style":
            self.styles.append(data)
            return
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._stack[-2:] in (["svg", "title"], ["svg", "desc"]) and self.svgs:
            self.svgs[-1][self._stack[-1]] = data

    def table(self, cls: str) -> list[list[str]]:
        """Body rows of the table with that class (header row left out)."""
        found = [t for t in self.tables if t["attrs"].get("class") == cls]
        assert len(found) == 1, f"one table.{cls} expected"
        return found[0]["rows"][1:]

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def write_page(args: list[str]) -> tuple[Any, str]:
    result = runner.invoke(app, args)
    out = Path(args[args.index("-o") + 1])
    return result, out.read_text(encoding="utf-8") if out.is_file() else ""


def assert_self_contained(html: str) -> None:
    """No attribute or CSS that loads anything: the page is one file and asks nothing of the network."""
    page = Page(html)
    assert not page.tags & LOADING_TAGS, page.tags & LOADING_TAGS
    assert not page.attr_names & (LOADING_ATTRS | {"style-url"}), page.attr_names & LOADING_ATTRS
    css = " ".join(page.styles)
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "").replace("http-equiv", "")
    assert "default-src 'none'" in html  # and the browser is told to refuse any request anyway


def assert_charts(page: Page) -> None:
    for svg in page.svgs:
        assert svg["title"] and svg["desc"], svg["attrs"]
        assert svg["attrs"].get("role") == "img"
        assert int(svg["attrs"]["data-series"]) == svg["series"] >= 1


# --------------------------------------------------------------------------- one run


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("report-demo")
    res, html = write_page(["report", "--demo", "-o", str(folder / "demo.html")])
    assert res.exit_code == 0, res.output
    js = runner.invoke(app, ["analyze", "--demo", "--json"])
    assert js.exit_code == 0
    return html, json.loads(js.stdout.splitlines()[0])


def test_run_page_structure(demo: tuple[str, dict[str, Any]]) -> None:
    html, data = demo
    page = Page(html)
    h2 = [t for level, t in page.headings if level == "h2"]
    assert h2[:3] == ["Clean running", "Over the run", "Laps"] and "Findings" in h2 and "Early → late" in h2
    # one chart per channel the run has: six dynamics ones minus step length (not charted), + speed, altitude
    titles = [s["title"] for s in page.svgs]
    charted = ("gct_ms", "gct_balance_left_pct", "vertical_oscillation_mm", "vertical_ratio_pct", "cadence_spm",
               "speed_mps", "altitude_m")  # fmt: skip
    expected = [CORE_CHANNELS[k].label for k in charted]
    assert titles == expected
    assert_charts(page)
    assert all(s["series"] == 1 for s in page.svgs)
    assert_self_contained(html)
    assert RED_FLAGS in page.all_text


def test_run_page_laps_match_a_second_decoder(demo: tuple[str, dict[str, Any]]) -> None:
    html, _ = demo
    laps = [m.get_values() for m in fitparse.FitFile(str(DEMO_RUN)).get_messages("lap")]
    rows = Page(html).table("laps")
    assert len(rows) == len(laps) == 8
    for row, lap in zip(rows, laps, strict=True):
        assert row[3] == f"{lap['total_distance'] / 1000:.2f}"
        assert row[5] == f"{lap['avg_stance_time']:.0f}"  # the device's lap GCT, as fitparse reads it
        assert row[7] == f"{lap['avg_stance_time_balance']:.1f}"


def test_run_page_values_equal_the_json_result(demo: tuple[str, dict[str, Any]]) -> None:
    html, data = demo
    page = Page(html)
    metrics = {row[0]: row for row in page.tables[0]["rows"][1:]}
    for key in DYNAMICS_KEYS:
        spec = CORE_CHANNELS[key]
        value = data["metrics"][key]
        assert metrics[spec.label][1] == f"{value:.{spec.digits}f} {spec.unit}"
        assert metrics[spec.label][2] == f"{data['session'][key]:.{spec.digits}f}"
    drift = {row[0]: row for row in page.table("drift")}
    for key, d in data["drift"].items():
        label = CORE_CHANNELS[key].label if key in CORE_CHANNELS else key
        assert drift[label][1].startswith(f"{d['change']:+.1f}")
    text = page.all_text
    bal, (lo, hi) = data["metrics"]["gct_balance_left_pct"], data["balance_ci"]
    assert f"Balance {bal:.1f} % left (95 % interval {lo:.1f}–{hi:.1f})" in text
    rules = re.findall(r'<section class="finding" data-rule="([^"]+)"', html)
    assert rules == [f["rule"] for f in data["findings"]] and rules
    for f in data["findings"]:
        assert " ".join(f["message"].split()) in text and " ".join(f["action"].split()) in text
        assert f"Signal clarity: {f['clarity_word']} ({f['clarity']:.2f})" in text  # the JSON's own two axes
        assert f"Evidence strength: {f['evidence']} {f['evidence_word']}" in text


def test_run_page_escapes_hostile_strings() -> None:
    from fitglute.pipeline import analyse_with_series
    from fitglute.report.html.run_page import run_page

    result, series = analyse_with_series(str(DEMO_RUN))
    evil = replace(result, file=f"/tmp/{HOSTILE}.fit", device=HOSTILE, sensors=[HOSTILE], warnings=[HOSTILE])
    evil.findings = [replace(evil.findings[0], message=HOSTILE, values={"note": HOSTILE})]
    html = run_page(evil, series)
    assert "<script" not in html and "<img" not in html
    assert html.count("&lt;script&gt;") >= 4
    assert HOSTILE in Page(html).all_text  # shown as text, not dropped


def test_run_page_lists_sensor_plugin_channels() -> None:
    """A plugin's channel (here a made-up one on the demo result) gets the terminal's sensor table row."""
    from fitglute.model.stats import ChannelStats
    from fitglute.pipeline import analyse_with_series
    from fitglute.report.html.run_page import run_page

    result, series = analyse_with_series(str(DEMO_RUN))
    extra = ChannelStats(mean=251.25, median=250.5, sd=9.0, p10=240.0, p90=262.75, coverage=0.97)
    result.channels = {**(result.channels or {}), "stryd:power_w": extra}
    rows = Page(run_page(result, series)).table("sensors")
    assert rows == [["stryd:power_w", "251.2", "250.5", "240.0–262.8", "97%"]]


def test_report_rejects_bad_input_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.fit"
    bad.write_bytes(b"\x0e\x10garbage, not a FIT file at all")
    for args, words in (
        ([str(bad)], "broken.fit"),
        ([str(tmp_path / "missing.fit")], "no such file"),
        ([], "give one of"),
        (["--demo", "--history"], "give one of"),
    ):
        res = runner.invoke(app, ["report", *args, "-o", str(tmp_path / "x.html")])
        assert res.exit_code in (ExitCode.SOME_FAILED, ExitCode.USAGE), res.output
        assert words in res.output and len(res.output.strip().splitlines()) == 1 and "Traceback" not in res.output
        assert not (tmp_path / "x.html").exists()
    assert runner.invoke(app, ["report", str(bad)]).exit_code == ExitCode.SOME_FAILED


def test_report_default_path_is_next_to_the_run(tmp_path: Path) -> None:
    run = tmp_path / "morning.fit"
    run.write_bytes(DEMO_RUN.read_bytes())
    res = runner.invoke(app, ["report", str(run)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "morning.html").is_file() and "morning.html" in res.output


def test_open_hands_the_written_file_to_the_browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    out = tmp_path / "d.html"
    assert runner.invoke(app, ["report", "--demo", "-o", str(out), "--open"]).exit_code == 0
    assert opened == [out.resolve().as_uri()]


def test_real_long_run_page(shared_fit: Path, tmp_path: Path) -> None:
    """with-new-dynamics.fit: 2.3 h with full dynamics — small page, every lap, every chart."""
    src = shared_fit / "with-new-dynamics.fit"
    res, html = write_page(["report", str(src), "-o", str(tmp_path / "long.html")])
    assert res.exit_code == 0, res.output
    assert len(html.encode()) <= 1.5e6
    page = Page(html)
    laps = list(fitparse.FitFile(str(src)).get_messages("lap"))
    assert len(page.table("laps")) == len(laps)
    assert_charts(page)
    assert len(page.svgs) >= 6
    assert_self_contained(html)


def test_not_a_run_writes_no_page(shared_fit: Path, tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["report", str(shared_fit / "garmin-edge-500-activity.fit"), "-o", str(tmp_path / "c.html")]
    )
    assert res.exit_code == ExitCode.SOME_FAILED
    assert "not a running activity" in res.output and "no page written" in res.output
    assert not (tmp_path / "c.html").exists()


# --------------------------------------------------------------------------- history and physiotherapist


REAL_RUNS = ("with-new-dynamics.fit", "garmin-runPower.fit", "FR630-with-lth.fit", "Fenix-3-with-empty-runscribe.fit",
             "Fenix-3-with-inactive-Moxy.fit", "Fenix-2.fit", "activity-small-fenix2-run.fit")  # fmt: skip


@pytest.fixture(scope="module")
def real_store(shared_fit: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A store of real runs with an injury, a test and a symptom entry whose notes are hostile."""
    from fitglute.history.store import Store
    from fitglute.sync.importer import import_paths

    folder = tmp_path_factory.mktemp("report-real")
    db = folder / "h.sqlite"
    files = [str(shared_fit / n) for n in REAL_RUNS]
    import_paths(files, db=db, workers=1)
    js = runner.invoke(app, ["analyze", "--json", *files])
    results = [json.loads(line) for line in js.stdout.splitlines()]
    latest = max(r["start_time"] for r in results)
    day = date.fromisoformat(latest[:10])
    with Store(db) as store:
        store.add_injury(day - timedelta(days=3), "hamstring", "left", HOSTILE)
        store.add_test(day - timedelta(days=10), "heel-raise", 18, 25, HOSTILE)
        store.add_symptom(
            day - timedelta(days=2), "hamstring", "left", {"during": 2, "after": 4, "morning": 5}, note=HOSTILE
        )
    return db, results


def test_history_page_from_real_runs(real_store: tuple[Path, list[dict[str, Any]]], tmp_path: Path) -> None:
    db, results = real_store
    weeks = 520
    res, html = write_page(
        ["report", "--history", "--weeks", str(weeks), "--db", str(db), "-o", str(tmp_path / "h.html")]
    )
    assert res.exit_code == 0, res.output
    page = Page(html)
    assert_charts(page)
    titles = [s["title"] for s in page.svgs]
    assert titles == [
        "Ground contact time",
        "GCT balance",
        "Cadence",
        "Weekly distance",
        "Symptoms, tests and injuries",
    ]
    latest = max(datetime.fromisoformat(r["start_time"].replace("Z", "+00:00")) for r in results)
    window = [r for r in results if datetime.fromisoformat(r["start_time"].replace("Z", "+00:00"))
              >= latest - timedelta(weeks=weeks)]  # fmt: skip
    # every stored run with a GCT is one marker on the GCT chart (comparable or not)
    gct_runs = sum(r["metrics"]["gct_ms"] is not None for r in window)
    gct_svg = re.search(r'<svg[^>]*id="trend-0-gct".*?</svg>', html, re.S).group(0)
    markers = sum(d.count("M") for d in re.findall(r'class="series points" d="([^"]*)"', gct_svg))
    assert markers == gct_runs > 0
    assert "<script" not in html and "<img" not in html and HOSTILE in page.all_text
    assert_self_contained(html)


def test_physio_page_from_real_runs(real_store: tuple[Path, list[dict[str, Any]]], tmp_path: Path) -> None:
    db, _ = real_store
    res, html = write_page(["report", "--for-physio", "--db", str(db), "-o", str(tmp_path / "p.html")])
    assert res.exit_code == 0, res.output
    page = Page(html)
    h2 = [t for level, t in page.headings if level == "h2"]
    assert "Injuries and the 6 weeks before each" in h2 and "What these data cannot say" in h2
    assert "Capacity tests" in h2 and "Symptoms (0–10)" in h2
    tests = page.table("tests")
    assert len(tests) == 1 and tests[0][2:4] == ["18", "25"] and "LSI 72 %" in tests[0][5]  # 18 / 25 = 72 %
    assert len(page.table("symptoms")) == 1
    assert "@page" in html and "@media print" in html
    assert RED_FLAGS in page.all_text and "not proof of what caused it" in page.all_text
    assert "<script" not in html and "<img" not in html
    assert_self_contained(html)


def test_history_pages_without_a_store(tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["report", "--history", "--db", str(tmp_path / "none.sqlite"), "-o", str(tmp_path / "h.html")]
    )
    assert res.exit_code == ExitCode.USAGE and "no history yet" in res.output
    assert not (tmp_path / "none.sqlite").exists()


def test_physio_page_with_synthetic_history(tmp_path: Path) -> None:
    """Twelve generated runs, an injury in the middle: the review's words land on the page."""
    from fitglute_devkit.synth import Scenario, write_run

    from fitglute.history.store import Store
    from fitglute.sync.importer import import_paths

    start = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    for i, day in enumerate(d + 7 * w for w in range(6) for d in (1, 4)):
        write_run(tmp_path / f"r{i:02d}.fit", Scenario(start=start + timedelta(days=day), duration_s=720, seed=900 + i))
    db = tmp_path / "h.sqlite"
    with Store(db) as store:
        store.add_injury(date(2026, 2, 10), "calf", "right", "")
    import_paths([str(tmp_path)], db=db, workers=1)
    res, html = write_page(["report", "--for-physio", "--db", str(db), "-o", str(tmp_path / "p.html")])
    assert res.exit_code == 0, res.output
    page = Page(html)
    assert ("h3", "Right calf, 2026-02-10") in page.headings
    assert "Weekly distance:" in page.all_text and "Longest-run jump" in page.all_text
    assert len(page.svgs) == 1 and page.svgs[0]["title"] == "Weekly distance"

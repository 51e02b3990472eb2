"""The HTML pages in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

Each page opens with no console message of error or warning level (a Content-Security-Policy
violation, i.e. an attempt to load anything, is one), asks for nothing but itself, draws every
chart with its series, and the physiotherapist's page prints to exactly one A4 and one Letter
sheet. Skips with the reason when Playwright or a Chromium executable is not on the machine
(``.ci/run`` installs Debian's ``chromium``; Playwright's own browser download is never used).
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fitglute.cli import app

runner = CliRunner()
CHROMIUM = os.environ.get("FITGLUTE_CHROMIUM") or next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None
)


@pytest.fixture(scope="module")
def browser() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium, or set FITGLUTE_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        except Exception as exc:  # noqa: BLE001 - a browser that cannot start is a skip, with its reason
            pytest.skip(f"{CHROMIUM} does not start headless: {str(exc).splitlines()[0]}")
        yield b
        b.close()


def open_page(browser: Any, path: Path, width: int = 1000) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 1200})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return page, problems, requests


def charts_drawn(page: Any) -> list[dict[str, Any]]:
    """Per chart: its id, declared series, drawn series, and the size the browser laid it out at."""
    return page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].map(s => {
            const r = s.getBoundingClientRect();
            const drawn = [...s.querySelectorAll('path.series')].filter(p => {
                const b = p.getBBox();  // a marker-only series ("M x,y h0") has a position, not a length
                return (p.getAttribute('d') || '').length > 0 && (b.x > 0 || b.y > 0);
            }).length;
            return {id: s.id, declared: +s.dataset.series, drawn: drawn, width: r.width, height: r.height};
        })"""
    )


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", data))


def test_run_page_in_chromium(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "demo.html"
    assert runner.invoke(app, ["report", "--demo", "-o", str(out)]).exit_code == 0
    page, problems, requests = open_page(browser, out)
    assert problems == [] and requests == [out.resolve().as_uri()]
    charts = charts_drawn(page)
    assert [c["id"].split("-", 2)[2] for c in charts] == [
        "gct-ms", "gct-balance-left-pct", "vertical-oscillation-mm", "vertical-ratio-pct", "cadence-spm",
        "speed-mps", "altitude-m",
    ]  # fmt: skip
    for c in charts:
        assert c["drawn"] == c["declared"] == 1 and c["width"] > 600 and c["height"] > 50, c
    assert page.locator("table.laps tbody tr").count() == 8
    shot = tmp_path / "demo.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten weeks of generated runs with two injuries, tests and symptoms: a full one-pager."""
    from fitglute_devkit.synth import Scenario, write_run

    from fitglute.history.store import Store
    from fitglute.sync.importer import import_paths

    folder = tmp_path_factory.mktemp("browser-history")
    start = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
    for i, day in enumerate(d + 7 * w for w in range(8) for d in (1, 4)):
        sc = Scenario(
            start=start + timedelta(days=day), duration_s=720, seed=500 + i, balance_left_pct=51.5 if i > 9 else 50
        )
        write_run(folder / f"r{i:02d}.fit", sc)
    db = folder / "h.sqlite"
    with Store(db) as s:
        s.add_injury(date(2026, 1, 30), "calf", "right", "two weeks easy")
        s.add_injury(date(2026, 2, 20), "hamstring", "left", "strain, 3 weeks off")
        for n, (left, right) in enumerate(((18, 25), (20, 25), (23, 25))):
            s.add_test(date(2026, 1, 20) + timedelta(days=14 * n), "heel-raise", left, right)
        for n in range(6):
            s.add_symptom(
                date(2026, 2, 1) + timedelta(days=4 * n), "hamstring", "left", {"after": 2 + n % 3, "morning": 3}
            )
    import_paths([str(folder)], db=db, workers=2)
    return db


def test_history_page_in_chromium(browser: Any, store: Path, tmp_path: Path) -> None:
    out = tmp_path / "history.html"
    assert runner.invoke(app, ["report", "--history", "--db", str(store), "-o", str(out)]).exit_code == 0
    page, problems, requests = open_page(browser, out)
    assert problems == [] and requests == [out.resolve().as_uri()]
    charts = charts_drawn(page)
    assert [c["declared"] for c in charts] == [2, 2, 2, 2, 2]  # runs + greyed runs; weeks + spikes; symptoms + tests
    assert all(c["width"] > 600 for c in charts)
    assert all(c["drawn"] >= 1 for c in charts)


def test_physio_page_prints_on_one_sheet(browser: Any, store: Path, tmp_path: Path) -> None:
    out = tmp_path / "physio.html"
    assert runner.invoke(app, ["report", "--for-physio", "--db", str(store), "-o", str(out)]).exit_code == 0
    page, problems, requests = open_page(browser, out, width=794)
    assert problems == [] and requests == [out.resolve().as_uri()]
    assert page.locator("h3").count() == 2  # both injuries reviewed
    page.emulate_media(media="print")
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper)
        assert pdf_pages(pdf) == 1, f"{paper}: {pdf_pages(pdf)} pages"
    page.screenshot(path=str(tmp_path / "physio.png"), full_page=True)

"""The terminal output as a runner sees it: at 60, 80, 100 and 120 columns (rich ``Console(width=…)``)
the one-run report fits a screen, tables keep one line per file, and no id, file name or date is
broken; the real CLI under a pseudo-terminal (python ``pty``) shows the same.

What is checked comes from outside the renderer: the rule ids the plugin registry lists, the
file names on disk, the dates the FIT files carry (read by the analysis), the terminal width.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from screen import broken, widest

from fitglute.data import DEMO_RUN
from fitglute.model.result import RunResult
from fitglute.pipeline import analyse_file
from fitglute.report.format import compact_start, short_name
from fitglute.report.run import render_run, render_table

WIDTHS = (60, 80, 100, 120)
#: raw keys that must not reach the default report (the JSON carries them)
RAW_KEYS = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def capture(width: int, draw) -> str:  # noqa: ANN001 - a callable drawing on the console
    console = Console(width=width, force_terminal=False, color_system=None, legacy_windows=False)
    with console.capture() as cap:
        draw(console)
    return cap.get()


@pytest.fixture(scope="module")
def demo() -> RunResult:
    return analyse_file(DEMO_RUN, name=str(DEMO_RUN))


# --------------------------------------------------------------------------- the one-run report


@pytest.mark.parametrize("width", WIDTHS)
def test_demo_report_fits_one_screen(demo: RunResult, width: int) -> None:
    text = capture(width, lambda c: render_run(demo, c))
    lines = text.splitlines()
    assert widest(text) <= width
    # a 50-row terminal shows it whole at 80 columns and up (the issue: ≤ 40 at 100)
    limit = {60: 52, 80: 42, 100: 40, 120: 40}[width]
    assert len(lines) <= limit, f"{len(lines)} lines at {width} columns:\n{text}"
    # the headline, the metrics with zones, the findings' next step and the red-flag line
    assert "7.14 km" in lines[1] and "5:36 /km" in lines[1]
    assert "Ground contact time" in text and "orange" in text
    assert "Left/right ground-contact imbalance" in text and "Next step" in text
    assert "Stop and get assessed" in text
    words = "\n".join(lines[3:])  # below the title, the headline and the device's own product names
    assert not RAW_KEYS.findall(words), RAW_KEYS.findall(words)


def test_detail_keeps_the_full_form_with_numbers_in_words(demo: RunResult) -> None:
    short = capture(100, lambda c: render_run(demo, c))
    full = capture(100, lambda c: render_run(demo, c, detail=True))
    assert len(full.splitlines()) > len(short.splitlines()) + 20
    # the balance finding's numbers in words with units, not balance_left_pct / ci / flat_running_min
    balance = next(f for f in demo.findings if f.rule == "gct-balance-bias").values
    assert f"GCT balance {balance['balance_left_pct']:.1f} % left" in full
    assert f"95 % interval {balance['ci'][0]:.1f}–{balance['ci'][1]:.1f}" in full
    assert "balance_left_pct" not in full and "flat_running_min" not in full
    assert "at matched speed" not in full.split("Findings")[0].split("Early → late")[-1].splitlines()[1]


@pytest.mark.parametrize("width", WIDTHS)
def test_detail_cuts_no_cell(demo: RunResult, width: int) -> None:
    full = capture(width, lambda c: render_run(demo, c, detail=True))
    assert widest(full) <= width
    assert not re.findall(r"\S…", full), re.findall(r".{12}\S…", full)  # no label or number cut short


def test_faint_findings_are_not_shown_and_never_top_the_table(demo: RunResult) -> None:
    from dataclasses import replace

    faint = replace(
        demo.findings[0], clarity=0.001, rule="example-negative-split", title="Negative split", confidence=0.001
    )
    result = replace(demo, findings=[faint])
    text = capture(100, lambda c: render_run(result, c))
    assert "Negative split" not in text and "1 finding too faint to show" in text
    table = capture(100, lambda c: render_table([result, result], c))
    assert "Negative split" not in table and "negative-split" not in table


# --------------------------------------------------------------------------- the batch table


@pytest.fixture(scope="module")
def corpus_results(shared_fit: Path) -> list[RunResult]:
    files = sorted(shared_fit.glob("*.fit"))
    return [analyse_file(f, name=str(f)) for f in files]


@pytest.mark.parametrize("width", WIDTHS)
def test_batch_table_is_one_line_per_file_over_the_shared_corpus(corpus_results: list[RunResult], width: int) -> None:
    text = capture(width, lambda c: render_table(corpus_results, c))
    lines = text.splitlines()
    assert widest(text) <= width
    # title, header, rule, one row per file, the summary, then the red-flag line (wrapped)
    n = len(corpus_results)
    assert lines[n + 3].startswith(f"{n} files: ") and lines[n + 4].startswith("Stop and get assessed"), text
    assert len(lines) <= n + 4 + 3
    names = [Path(r.file).name for r in corpus_results]
    rows = lines[3 : n + 3]
    for name, row in zip(names, rows, strict=True):
        shown = row.split()[0]
        if "…" in shown:  # shortened: the start and, above all, the end (date + extension) kept
            head, tail = shown.split("…")
            assert name.startswith(head) and name.endswith(tail) and len(tail) >= len(head), (name, shown)
        else:
            assert shown == name
    # dates compact and whole: what the FIT file says, as YYYY-MM-DD
    for r, row in zip(corpus_results, rows, strict=True):
        if r.ok and r.start_time:
            assert compact_start(r.start_time)[:10] in row


def test_batch_table_at_100_columns_has_the_numbers(corpus_results: list[RunResult]) -> None:
    header = capture(100, lambda c: render_table(corpus_results, c)).splitlines()[1].split()
    assert header[:2] == ["file", "date"] and {"bal", "km", "GCT"} <= set(header)
    narrow = capture(60, lambda c: render_table(corpus_results, c)).splitlines()[1].split()
    assert narrow == ["file", "date", "top", "finding"]


def test_one_skipped_file_is_one_line() -> None:
    skipped = RunResult.failed("/data/ride.fit", "skipped", "not a running activity (sport: cycling)")
    text = capture(80, lambda c: render_table([skipped], c))
    assert text.splitlines() == ["/data/ride.fit: skipped — not a running activity (sport: cycling)"]
    two = capture(80, lambda c: render_table([skipped, skipped], c)).splitlines()[-1]  # no findings: no red flag
    assert two == "2 files: 0 analysed, 2 skipped (not running)"


def test_short_name_keeps_the_end() -> None:
    name = "Edge810-Vector-2013-08-16-15-35-10.fit"
    got = short_name(name, 20)
    assert len(got) == 20 and got.endswith("15-35-10.fit") and got.startswith("Edge81")
    assert short_name("run.fit", 20) == "run.fit"


# --------------------------------------------------------------------------- rules and plugins


def cli_at(width: int, *args: str, plugins: str = "") -> str:
    env = {**os.environ, "COLUMNS": str(width), "FITGLUTE_PLUGINS": plugins, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "fitglute", *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("width", (60, 80, 100))
def test_rules_and_plugins_never_break_an_id(width: int) -> None:
    import json

    ids = [r["id"] for r in json.loads(cli_at(200, "rules", "--json"))]
    assert len(ids) >= 11
    for listing in (cli_at(width, "rules"), cli_at(width, "plugins")):
        assert widest(listing) <= width
    assert broken(ids, cli_at(width, "rules")) == []
    plugins = json.loads(cli_at(200, "plugins", "--json"))["plugins"]
    keys = [k for p in plugins for k in p["channels"] + p["rules"]]
    assert broken(keys, cli_at(width, "plugins")) == []


# --------------------------------------------------------------------------- small things


def test_help_has_no_python_types_and_every_option_has_help() -> None:
    import click
    import typer

    from fitglute.cli import app

    def walk(cmd, path):  # noqa: ANN001, ANN202
        yield path, cmd
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            yield from walk(sub, [*path, name])

    for path, cmd in walk(typer.main.get_command(app), []):
        text = cmd.get_help(click.Context(cmd, info_name=" ".join(["fitglute", *path])))
        assert not re.findall(r"<(?:list\[)?(?:str|int|float|bool|int range)\]?>|\{[a-z_]+\}", text), (path, text)
        for p in cmd.params:
            if p.param_type_name == "option" and p.opts[0] != "--help":
                assert p.help, (path, p.opts)


def test_closed_pipe_exits_0(tmp_path: Path) -> None:
    """``fitglute analyze folder | head -c 100``: the reader leaves; not an error, no traceback."""
    for i in range(12):  # the report outgrows the pipe buffer, so the write meets the closed end
        (tmp_path / f"run{i:02d}.fit").write_bytes(DEMO_RUN.read_bytes())
    for args in (["analyze", "--json", str(tmp_path)], ["analyze", str(tmp_path)]):
        env = {**os.environ, "FITGLUTE_PLUGINS": "0", "FITGLUTE_HOME": str(tmp_path / "home")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "fitglute", *args, "--workers", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(100)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0, err
        assert "Traceback" not in err


def test_plugin_typo_is_a_config_error(tmp_path: Path) -> None:
    env = {**os.environ, "FITGLUTE_PLUGINS": "-stryden", "FITGLUTE_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "fitglute", "rules"], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]  # one line
    assert "unknown plugin 'stryden'" in proc.stderr and "stryd" in proc.stderr.split("installed:")[1]


def test_unreadable_sub_folder_is_one_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fitglute.sources.files import expand_paths

    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.fit").write_bytes(b"x")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.fit").write_bytes(b"x")
    if os.geteuid() == 0:  # root reads everything: make the folder unreadable the way the OS would say it
        real = os.scandir

        def scandir(path):  # noqa: ANN001, ANN202
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr(os, "scandir", scandir)
    else:
        locked.chmod(0)
    try:
        warnings: list[str] = []
        files, missing = expand_paths([str(tmp_path)], warnings)
    finally:
        locked.chmod(0o755)
    assert files == [str(tmp_path / "ok" / "a.fit")] and missing == []
    assert warnings == [f"{locked}: cannot read this folder (Permission denied); skipped"]


# --------------------------------------------------------------------------- a real terminal


def test_demo_under_a_pseudo_terminal(tmp_path: Path) -> None:
    """The real CLI in a 100×50 pty: what a person sees in a terminal, colour and all."""
    import fcntl
    import pty
    import struct
    import termios

    env = {**os.environ, "FITGLUTE_PLUGINS": "0", "FITGLUTE_HOME": str(tmp_path), "TERM": "xterm-256color"}
    env.pop("COLUMNS", None)
    env.pop("NO_COLOR", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of 100 columns and 50 rows
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 100, 0, 0))
        os.execve(sys.executable, [sys.executable, "-m", "fitglute", "analyze", "--demo"], env)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    raw = b"".join(chunks).decode()
    assert "\x1b[" in raw  # a terminal: rich colours it
    plain = re.sub(r"\x1b\[[0-9;]*m", "", raw).replace("\r\n", "\n")
    lines = plain.rstrip("\n").splitlines()
    assert len(lines) <= 40 and widest(plain) <= 100, plain
    assert lines[0].startswith("╭─ fitglute · demo_run.fit")
    assert "Left/right ground-contact imbalance" in plain

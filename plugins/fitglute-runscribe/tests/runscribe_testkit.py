"""Helpers shared by the fitglute-runscribe tests (a plain module: no conftest, so nothing clashes
with the core's ``tests/conftest.py`` when pytest runs both from the repository root)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest

SHARED_FIT = Path(__file__).resolve().parents[4] / "shared" / "fit"
RUNS_MIN = 40  # a 40-minute run: the rules' data quality is near its ceiling at 30 min
EMPTY_HOME = tempfile.mkdtemp(prefix="fitglute-runscribe-tests-")


@contextmanager
def empty_home():
    """No user config (rule overrides) while analysing: the defaults are what is tested."""
    old = os.environ.get("FITGLUTE_HOME")
    os.environ["FITGLUTE_HOME"] = EMPTY_HOME
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("FITGLUTE_HOME", None)
        else:
            os.environ["FITGLUTE_HOME"] = old


def shared(name: str) -> Path:
    path = SHARED_FIT / name
    if not path.is_file():
        pytest.skip(f"{path} not present (real-file tests need ../shared/fit)")
    return path


@cache
def synth(**kw: Any) -> bytes:
    """A generated run with RunScribe developer fields (cached per process: same scenario, same bytes)."""
    pytest.importorskip("fit_tool")
    from fitglute.synth import Scenario, write_run

    kw.setdefault("duration_s", RUNS_MIN * 60)
    data, _truth = write_run(None, Scenario(runscribe=True, **kw))
    return data


@cache
def synth_truth(**kw: Any) -> Any:
    from fitglute.synth import Scenario, write_run

    kw.setdefault("duration_s", RUNS_MIN * 60)
    return write_run(None, Scenario(runscribe=True, **kw))[1]


@cache
def analysed(**kw: Any) -> dict[str, Any]:
    return analyse(synth(**kw), "synth.fit")


def analyse(source: bytes | str | Path, name: str | None = None) -> dict[str, Any]:
    from fitglute.analysis import analyse_file

    with empty_home():
        return analyse_file(source if isinstance(source, bytes) else str(source), name=name)


def rules_of(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["rule"]: f for f in result["findings"]}


def fitglute_cli(*args: str, env: dict[str, str] | None = None, home: Path) -> subprocess.CompletedProcess:
    """Run the installed ``fitglute`` command in a fresh interpreter (entry points load there)."""
    full = {**os.environ, "FITGLUTE_HOME": str(home), "COLUMNS": "160", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "fitglute", *args], capture_output=True, text=True, env=full, timeout=120
    )

"""A test kit for plugin authors: generated runs with your sensor's fields, analysed as the CLI would.

Used by the first-party plugins' tests and offered to third-party plugins (docs/plugins.md).
Needs the ``dev`` extra (pytest, fit-tool); nothing in fitglute itself imports this module.

    kit = SensorTestKit("stryd", stryd=True)
    result = kit.analysed(fatigue_gct_pct=8.0)       # the JSON dict `fitglute analyze --json` writes
    assert "lss-drop" in kit.rules_of(result)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import fitglute

#: the real-device corpus beside the repository the (editable) fitglute comes from; absent in a
#: user's clone, where the tests that need it skip
SHARED_FIT = Path(fitglute.__file__).resolve().parents[2] / "shared" / "fit"
RUN_MINUTES = 40  # data quality is near its ceiling at 30 min of clean running


class SensorTestKit:
    """Generated runs carrying one sensor's developer fields (``Scenario`` flags in ``sensor``)."""

    def __init__(self, name: str, **sensor: Any) -> None:
        self.sensor = sensor
        self.empty_home_dir = tempfile.mkdtemp(prefix=f"fitglute-{name}-tests-")
        self.synth = cache(self._synth)
        self.synth_truth = cache(self._synth_truth)
        self.analysed = cache(self._analysed)

    @contextmanager
    def empty_home(self) -> Iterator[None]:
        """No user config (rule overrides) while analysing: the defaults are what is tested."""
        old = os.environ.get("FITGLUTE_HOME")
        os.environ["FITGLUTE_HOME"] = self.empty_home_dir
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("FITGLUTE_HOME", None)
            else:
                os.environ["FITGLUTE_HOME"] = old

    @staticmethod
    def shared(name: str) -> Path:
        """A real file of the shared corpus, or a clean skip when the corpus is not there."""
        import pytest

        path = SHARED_FIT / name
        if not path.is_file():
            pytest.skip(f"{path} not present (real-file tests need ../shared/fit)")
        return path

    def _scenario(self, kw: dict[str, Any]) -> Any:
        import pytest

        pytest.importorskip("fit_tool")
        from fitglute_devkit.synth import Scenario

        kw.setdefault("duration_s", RUN_MINUTES * 60)
        return Scenario(**self.sensor, **kw)

    def _synth(self, **kw: Any) -> bytes:
        """A generated run's bytes (cached per process: same scenario, same bytes)."""
        from fitglute_devkit.synth import write_run

        return write_run(None, self._scenario(kw))[0]

    def _synth_truth(self, **kw: Any) -> Any:
        from fitglute_devkit.synth import write_run

        return write_run(None, self._scenario(kw))[1]

    def _analysed(self, **kw: Any) -> dict[str, Any]:
        return self.analyse(self.synth(**kw), "synth.fit")

    def analyse(self, source: bytes | str | Path, name: str | None = None) -> dict[str, Any]:
        """The JSON object ``fitglute analyze --json`` writes for ``source``."""
        from fitglute.pipeline import analyse_file

        with self.empty_home():
            return analyse_file(source if isinstance(source, bytes) else str(source), name=name).to_json()

    @staticmethod
    def rules_of(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {f["rule"]: f for f in result["findings"]}

    @staticmethod
    def cli(*args: str, env: dict[str, str] | None = None, home: Path) -> subprocess.CompletedProcess:
        """Run ``fitglute`` in a fresh interpreter (entry points load there, as for a user)."""
        full = {**os.environ, "FITGLUTE_HOME": str(home), "COLUMNS": "160", **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "fitglute", *args], capture_output=True, text=True, env=full, timeout=120
        )

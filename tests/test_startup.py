"""Start-up stays lean: which modules a command imports, asserted without timing anything.

``fitglute --help`` and ``fitglute analyze FILE --json`` run in a subprocess that reports its
``sys.modules``; heavy packages they do not need must not be there (benchmarks/bench_cli.py
times the same commands). Also: the lazy commands' help lines equal the commands' own, and batch
workers run numpy's BLAS on one thread even when the caller loaded numpy with more.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from fitglute.data import DEMO_RUN

REPORT = textwrap.dedent(
    """
    import json, sys
    sys.argv = ["fitglute", *json.loads(sys.argv[1])]
    from fitglute.cli import main
    try:
        main()
    except SystemExit:
        pass
    sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
    """
)
NEVER = ("pydantic", "fitparse", "numpy.ma", "stravalib", "rich", "plotext", "sqlite3", "fitglute.report", "requests")


def modules_after(args: list[str], tmp_path) -> tuple[set[str], str]:
    env = {**os.environ, "FITGLUTE_HOME": str(tmp_path), "FITGLUTE_PLUGINS": ""}  # plugins too, as installed
    proc = subprocess.run(
        [sys.executable, "-c", REPORT, json.dumps(args)], capture_output=True, text=True, env=env, timeout=120
    )
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line[len("MODULES ") :])), proc.stdout


def heavy(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_help_imports_no_command_and_no_heavy_package(tmp_path):
    modules, out = modules_after(["--help"], tmp_path)
    assert "analyze" in out and "Commands" in out
    lazy = ("numpy", "fitfast", "importlib.metadata", "fitglute.commands.analyze", "fitglute.commands.auth")
    assert heavy(modules, (*NEVER, *lazy)) == []


def test_analyze_json_imports_only_what_it_uses(tmp_path):
    modules, out = modules_after(["analyze", str(DEMO_RUN), "--json"], tmp_path)
    result = json.loads(out)
    assert result["status"] == "ok" and result["decoder"] == "fitfast"  # the fast path was taken
    assert heavy(modules, (*NEVER, "importlib.metadata")) == []
    assert "numpy" in modules and "fitglute.commands.analyze" in modules  # the test sees real imports
    assert heavy(modules, ("fitglute.commands.auth", "fitglute.commands.sync", "fitglute.history.store")) == []


def test_plugin_discovery_reads_what_importlib_metadata_reads():
    from importlib.metadata import entry_points as reference

    from fitglute.plugins import entry_points

    for group in ("fitglute", "console_scripts", "pytest11"):
        assert sorted(entry_points(group)) == sorted((e.name, e.value) for e in reference(group=group)), group
    assert ("stryd", "fitglute_stryd") in entry_points("fitglute") or not reference(group="fitglute")


def test_lazy_help_lines_equal_the_commands_own():
    from fitglute.default_plugins.commands import BUILT_IN

    for spec in BUILT_IN:
        own = spec.load()
        import click

        assert click.Command(spec.name, help=spec.help).get_short_help_str(200) == own.get_short_help_str(200), spec


WORKER_THREADS = textwrap.dedent(
    """
    import ctypes, numpy
    from fitglute.batch import run_chunks

    def threads(chunk):
        libs = {l.split()[-1] for l in open("/proc/self/maps") if "openblas" in l.lower() and "/" in l}
        lib = ctypes.CDLL(sorted(libs)[0])
        get = getattr(lib, "scipy_openblas_get_num_threads64_", None) or lib.openblas_get_num_threads
        return [get() for _ in chunk]

    def parent():
        libs = {l.split()[-1] for l in open("/proc/self/maps") if "openblas" in l.lower() and "/" in l}
        lib = ctypes.CDLL(sorted(libs)[0])
        get = getattr(lib, "scipy_openblas_get_num_threads64_", None) or lib.openblas_get_num_threads
        return get()

    if __name__ == "__main__":
        got = [r for _, r in run_chunks(range(4), threads, workers=2, size=1, broken=lambda i, e: -1)]
        print(parent(), sorted(got))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_batch_workers_use_one_blas_thread_whoever_calls(tmp_path):
    script = tmp_path / "caller.py"
    script.write_text(WORKER_THREADS)
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    env["OPENBLAS_NUM_THREADS"] = "2"  # a library caller whose numpy runs BLAS on two threads
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    if "openblas" not in proc.stderr and proc.returncode and "IndexError" in proc.stderr:
        pytest.skip("this numpy is not built on OpenBLAS")
    parent, workers = proc.stdout.split(maxsplit=1)
    assert parent == "2"  # the caller's own setting is left alone
    assert workers.strip() == "[1, 1, 1, 1]"

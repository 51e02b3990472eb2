"""Validity of fitglute's statistics and trend rules on *real* runs (the real FIT files in ../shared/fit).

The synthetic sweep (benchmarks/validity.py) has noise that forgets itself within seconds; real
runs wander over minutes, warm up, change pace and climb. This benchmark keeps all of that:

* **coverage**: every 20-minute window (step 5 min) of a real run with GCT balance gets its 95 %
  balance interval; how often does it contain the whole run's mean? (target 90–97 %). The old
  1-minute block bootstrap is computed beside it as the yardstick;
* **nulls**: each real run is cut into 5-minute blocks that are shuffled (all channels, the time
  steps and the grade moved together, so speed, grade and dynamics stay paired), and its balance
  is recentred on 50 %: a real run with no trend and no bias. False alarms = any of the trend
  rules (``ALARM_RULES``) firing, counted at each confidence the user sees (≥ 0.3 and ≥ 0.5),
  with 95 % Wilson intervals (target ≤ 2 % at ≥ 0.3); the null drift intervals' coverage of 0
  is shown too;
* **detection**: known effects injected into those nulls — GCT +3/5/7/8/10 % in the last third
  of clean running, balance +1/1.5/2.5 points (whole run), and a side drift (balance +1 point in
  the last third, on top of a +8 % GCT rise: the side is only named with a fatigue finding) —
  found by the expected rule, by run length and terrain. Target: a +8 % GCT rise in a flat
  shuffled run of ≥ 35 minutes found (≥ 0.3) in ≥ 85 %.

    .venv/bin/python benchmarks/validity_real.py --seeds 20 --workers 2

Seeded and deterministic; prints markdown (paste it into the README). Exit code 1 when a target
is missed, 2 when ../shared/fit is absent.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ["FITGLUTE_PLUGINS"] = "0"  # the core's rules only: plugins are judged by their own tests

import numpy as np  # noqa: E402
from proportions import wilson  # noqa: E402  (benchmarks/proportions.py, beside this script)

FIT_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "fit"
ALARM_RULES = ("gct-balance-bias", "fatigue-drift", "posterior-chain-overload")
LEVELS = (0.3, 0.5)
SHUFFLE_BLOCK_S = 300.0
WINDOW_S = 1200.0
WINDOW_STEP_S = 300.0
WINDOW_MIN_DATA_S = 900.0  # a window needs ≥ 15 min of flat running with balance
MIN_RUN_S = 1200.0  # runs with ≥ 20 min of clean running are used
GCT_SIZES = (3.0, 5.0, 7.0, 8.0, 10.0)
BALANCE_SIZES = (1.0, 1.5, 2.5)
SIDE_DRIFT_PTS = 1.0
TARGET_COVERAGE = (0.90, 0.97)
TARGET_FALSE_ALARM = 0.02
TARGET_DETECTION = 0.85


# --------------------------------------------------------------------------- real runs


def load_runs(fit_dir: Path) -> dict[str, Any]:
    """Every real run in ``fit_dir`` with GCT and ≥ 20 min of clean running, grade frozen in."""
    from fitglute import decode, dynamics
    from fitglute.dynamics.cleaning import grade_pct

    runs = {}
    for path in sorted(fit_dir.glob("*.fit")):
        try:
            run = decode.read(path, name=path.name)
        except (decode.NotRunning, decode.FitError):
            continue
        m = dynamics.analyse(run)
        if m.clean_running_s < MIN_RUN_S or "gct_ms" not in m.channels:
            continue
        grade, _src = grade_pct(run)
        channels = dict(run.channels)
        channels["grade_pct"] = grade  # computed once in true order: a shuffle must not invent hills
        runs[path.name] = replace(run, channels=channels)
    return runs


def shuffled(run: Any, rng: np.random.Generator) -> Any:
    """The run with its 5-minute blocks in random order; balance recentred on 50 %."""
    from fitglute import dynamics

    t = run.t
    dt = np.append(np.diff(t), np.median(np.diff(t)))
    seg = np.floor((t - t[0]) / SHUFFLE_BLOCK_S).astype(np.int64)
    starts = np.flatnonzero(np.diff(seg, prepend=seg[0] - 1))
    pieces = np.split(np.arange(t.size), starts[1:])
    order = np.concatenate([pieces[i] for i in rng.permutation(len(pieces))])
    channels = {k: v[order].copy() for k, v in run.channels.items()}
    dt = dt[order]
    new_t = t[0] + np.concatenate([[0.0], np.cumsum(dt[:-1])])
    out = replace(run, t=new_t, channels=channels, developer={}, developer_fields=[])
    b = dynamics.analyse(out).balance
    if b is not None:
        channels["gct_balance_left_pct"] -= b.estimate - 50.0
    return out


def late_third(run: Any) -> np.ndarray:
    from fitglute.dynamics.cleaning import running_mask, sample_weights, thirds

    return thirds(sample_weights(run.t), running_mask(run)) == 2


def injected(run: Any, kind: str, size: float) -> Any:
    channels = dict(run.channels)
    if kind == "gct":
        gct = channels["gct_ms"].copy()
        gct[late_third(run)] *= 1 + size / 100
        channels["gct_ms"] = gct
    elif kind == "balance":
        channels["gct_balance_left_pct"] = channels["gct_balance_left_pct"] + size
    elif kind == "side-drift":
        bal = channels["gct_balance_left_pct"].copy()
        bal[late_third(run)] += size
        channels["gct_balance_left_pct"] = bal
    return replace(run, channels=channels)


def judged(run: Any) -> dict[str, Any]:
    """Confidences of the alarm rules (0 when silent) and the null-relevant drift intervals."""
    from fitglute import dynamics, plugins
    from fitglute.rules import RuleContext, evaluate

    m = dynamics.analyse(run)
    ctx = RuleContext(run=run, metrics=m, history=None)
    evaluate(plugins.rules(), ctx)
    conf = {r: 0.0 for r in ALARM_RULES}
    side = {}
    for f in ctx.findings:
        if f.rule in conf and f.confidence > conf[f.rule]:
            conf[f.rule], side[f.rule] = f.confidence, f.side
    drift = {k: (d.change, d.low, d.high) for k, d in m.drift.items() if k in ("gct_ms", "gct_balance_left_pct")}
    return {"conf": conf, "side": side, "drift": drift, "flags": list(m.flags), "clean_min": m.clean_running_s / 60}


def evaluate_job(job: tuple[str, int]) -> list[dict[str, Any]]:
    name, seed = job
    run = RUNS[name]
    rng = np.random.default_rng([seed, sum(name.encode())])
    null = shuffled(run, rng)
    has_balance = np.isfinite(null.channels["gct_balance_left_pct"]).mean() > 0.3
    out = [{"run": name, "seed": seed, "kind": "null", "size": 0.0, **judged(null)}]
    for size in GCT_SIZES:
        out.append({"run": name, "seed": seed, "kind": "gct", "size": size, **judged(injected(null, "gct", size))})
    if has_balance:
        for size in BALANCE_SIZES:
            got = judged(injected(null, "balance", size))
            out.append({"run": name, "seed": seed, "kind": "balance", "size": size, **got})
        got = judged(injected(injected(null, "gct", 8.0), "side-drift", SIDE_DRIFT_PTS))
        out.append({"run": name, "seed": seed, "kind": "side-drift", "size": SIDE_DRIFT_PTS, **got})
    return out


RUNS: dict[str, Any] = {}


def init_worker(fit_dir: str) -> None:
    RUNS.update(load_runs(Path(fit_dir)))


# --------------------------------------------------------------------------- coverage


def old_bootstrap(x: np.ndarray, w: np.ndarray, blocks: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """The 1-minute block bootstrap fitglute used before issue 13 (yardstick only)."""
    _ids, inv = np.unique(blocks, return_inverse=True)
    sw, sx = np.bincount(inv, weights=w), np.bincount(inv, weights=w * x)
    idx = rng.integers(0, sw.size, size=(600, sw.size))
    boot = sx[idx].sum(1) / sw[idx].sum(1)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return float(lo), float(hi)


def coverage(runs: dict[str, Any]) -> list[dict[str, Any]]:
    """Per 20-minute window of each real run with balance: does its interval hold the run mean?"""
    from fitglute import dynamics
    from fitglute.dynamics.cleaning import valid_mask
    from fitglute.dynamics.intervals import balance_interval

    rows = []
    rng = np.random.default_rng(13)
    for name, run in runs.items():
        m = dynamics.analyse(run)
        if m.balance is None:
            continue
        fr = m.frame
        x = run.channels["gct_balance_left_pct"]
        sel = fr.running & fr.flat & valid_mask(run, "gct_balance_left_pct")
        truth = m.balance.estimate
        rel = run.t - run.t[0]
        for start in np.arange(0.0, rel[-1] - WINDOW_S + 1, WINDOW_STEP_S):
            win = sel & (rel >= start) & (rel < start + WINDOW_S)
            if fr.w[win].sum() < WINDOW_MIN_DATA_S:
                continue
            iv = balance_interval(x[win], fr.w[win], fr.blocks[win])
            if iv is None:
                continue
            lo, hi = old_bootstrap(x[win], fr.w[win], fr.blocks[win], rng)
            rows.append(
                {
                    "run": name,
                    "new": iv.low <= truth <= iv.high,
                    "new_width": iv.high - iv.low,
                    "old": lo <= truth <= hi,
                    "old_width": hi - lo,
                }
            )
    return rows


# --------------------------------------------------------------------------- tables


def pct(k: int, n: int) -> str:
    if n == 0:
        return "–"
    lo, hi = wilson(k, n)
    return f"{100 * k / n:.0f} % ({100 * lo:.0f}–{100 * hi:.0f}) n={n}"


def length_bin(minutes: float) -> str:
    return "< 35 min" if minutes < 35 else "35–60 min" if minutes < 60 else "≥ 60 min"


def terrain(r: dict[str, Any]) -> str:
    for flag in ("treadmill", "intervals", "hilly"):
        if flag in r["flags"]:
            return flag
    return "flat"


def fired(r: dict[str, Any], rule: str | None, level: float, side: str | None = None) -> bool:
    rules = ALARM_RULES if rule is None else (rule,)
    return any(r["conf"][x] >= level and (side is None or r["side"].get(x) == side) for x in rules)


def render(cov: list[dict[str, Any]], recs: list[dict[str, Any]], runs: int, seeds: int) -> tuple[str, list[str]]:
    out, missed = [], []
    out.append(f"Real runs used: {runs} (≥ 20 min clean running with GCT), {seeds} shuffles each.\n")
    out.append("**Coverage of 95 % balance intervals, 20-minute windows of real runs (truth: the run's mean)**\n")
    out.append("| method | covers the run mean | median width (pts) |")
    out.append("|---|---|---|")
    n = len(cov)
    for key, label in (("new", "batch means / HAC (now)"), ("old", "1-minute block bootstrap (before)")):
        k = sum(r[key] for r in cov)
        width = statistics.median(r[f"{key}_width"] for r in cov) if cov else float("nan")
        out.append(f"| {label} | {pct(k, n)} | {width:.2f} |")
    per_run = defaultdict(list)
    for r in cov:
        per_run[r["run"]].append(r["new"])
    out.append("\nPer run (now): " + "; ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(per_run.items())) + "\n")
    if n:
        rate = sum(r["new"] for r in cov) / n
        if not TARGET_COVERAGE[0] <= rate <= TARGET_COVERAGE[1]:
            missed.append(f"coverage {100 * rate:.0f} % outside 90–97 %")

    nulls = [r for r in recs if r["kind"] == "null"]
    out.append("**False alarms on shuffled real runs (any trend rule)**\n")
    out.append("| runs | confidence ≥ 0.3 | confidence ≥ 0.5 |")
    out.append("|---|---|---|")
    groups = {"all": nulls}
    for r in nulls:
        groups.setdefault(terrain(r), []).append(r)
    for label, rs in groups.items():
        cells = [pct(sum(fired(r, None, lv) for r in rs), len(rs)) for lv in LEVELS]
        out.append(f"| {label} | {cells[0]} | {cells[1]} |")
    by_rule = [f"{rule} {sum(fired(r, rule, 0.3) for r in nulls)}" for rule in ALARM_RULES]
    out.append("\nAt ≥ 0.3 by rule: " + ", ".join(by_rule) + ".")
    fa = sum(fired(r, None, 0.3) for r in nulls) / max(len(nulls), 1)
    if fa > TARGET_FALSE_ALARM:
        missed.append(f"false alarms {100 * fa:.1f} % > 2 % at ≥ 0.3")
    for ch, label in (("gct_ms", "GCT drift"), ("gct_balance_left_pct", "balance drift")):
        ds = [r["drift"][ch] for r in nulls if ch in r["drift"]]
        k = sum(lo <= 0 <= hi for _c, lo, hi in ds)
        out.append(f"{label} 95 % interval contains 0 on the nulls: {pct(k, len(ds))}.")
    out.append("")

    out.append("**Detection of injected effects (expected rule, confidence ≥ 0.3 / ≥ 0.5)**\n")
    out.append("| effect | run | found ≥ 0.3 | found ≥ 0.5 | median estimate |")
    out.append("|---|---|---|---|---|")
    cases = [("gct", s, "fatigue-drift", None) for s in GCT_SIZES]
    cases += [("balance", s, "gct-balance-bias", "left") for s in BALANCE_SIZES]
    cases += [("side-drift", SIDE_DRIFT_PTS, "fatigue-drift", "left")]
    for kind, size, rule, side in cases:
        rs = [r for r in recs if r["kind"] == kind and r["size"] == size]
        if not rs:
            continue
        cells = defaultdict(list)
        for r in rs:
            cells["all"].append(r)
            cells[f"{terrain(r)}, {length_bin(r['clean_min'])}"].append(r)
        for label in sorted(cells, key=lambda s: (s != "all", s)):
            rr = cells[label]
            ch = "gct_ms" if kind == "gct" else "gct_balance_left_pct"
            est = [r["drift"][ch][0] for r in rr if ch in r["drift"]] if kind != "balance" else []
            med = f"{statistics.median(est):+.1f}" if est else "–"
            name = {"gct": f"GCT +{size:g} % last third", "balance": f"balance +{size:g} pts"}.get(
                kind, f"GCT +8 % and balance +{size:g} pt last third (side)"
            )
            hit = [pct(sum(fired(r, rule, lv, side) for r in rr), len(rr)) for lv in LEVELS]
            out.append(f"| {name} | {label} | {hit[0]} | {hit[1]} | {med} |")
    target = [
        r for r in recs if r["kind"] == "gct" and r["size"] == 8.0 and terrain(r) == "flat" and r["clean_min"] >= 35
    ]
    if target:
        rate = sum(fired(r, "fatigue-drift", 0.3) for r in target) / len(target)
        out.append(
            f"\nTarget case (GCT +8 %, flat, ≥ 35 min): found ≥ 0.3 in {pct(round(rate * len(target)), len(target))}."
        )
        if rate < TARGET_DETECTION:
            missed.append(f"+8 % GCT detection {100 * rate:.0f} % < 85 %")
    return "\n".join(out), missed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=20, help="shuffles per real run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--fit-dir", type=Path, default=FIT_DIR)
    args = ap.parse_args(argv)
    if not args.fit_dir.is_dir():
        print(f"{args.fit_dir}: no real FIT files here (../shared/fit)", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    init_worker(str(args.fit_dir))
    cov = coverage(RUNS)
    jobs = [(name, seed) for name in sorted(RUNS) for seed in range(args.seeds)]
    recs: list[dict[str, Any]] = []
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers, initializer=init_worker, initargs=(str(args.fit_dir),)) as pool:
            for got in pool.map(evaluate_job, jobs, chunksize=4):
                recs.extend(got)
    else:
        for job in jobs:
            recs.extend(evaluate_job(job))
    text, missed = render(cov, recs, len(RUNS), args.seeds)
    print(text)
    print(f"\n_{len(recs)} analyses of {len(RUNS)} real runs in {time.perf_counter() - t0:.0f} s._")
    for m in missed:
        print(f"TARGET MISSED: {m}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Intervals that hold when the noise remembers itself (issue 13), and the warm-up-free reference.

Known truth from generated series with minute-scale AR(1) noise (no FIT files: fast), and the
real runs in ../shared/fit (skipped cleanly without them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fitglute.dynamics.cleaning import BLOCK_S, WARMUP_S, periods
from fitglute.dynamics.drift import drift_design, regression_drift
from fitglute.dynamics.intervals import fixed_b_975, mean_interval, sum_interval, t975

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "fit"
SEEDS = 300
PHI = 0.5 ** (1 / 60)  # lag-1-minute correlation 0.5, mid of the 0.35–0.7 measured on real runs (issue 13)


def ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) with marginal SD ``sd``: 1-s samples with minutes of memory when phi ≈ 0.995."""
    e = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    x = np.empty(n)
    x[0] = rng.normal(0.0, sd)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


def test_critical_values_match_the_tables():
    assert t975(3) == pytest.approx(3.182) and t975(40) == pytest.approx(2.021, abs=2e-3)
    assert fixed_b_975(0.0) == pytest.approx(1.96) and fixed_b_975(0.5) > 3.3  # Kiefer–Vogelsang 2005
    assert sum_interval(np.ones(4)) is None  # under 5 minutes: no interval


@pytest.mark.parametrize("minutes", [12, 20, 40])
def test_mean_interval_covers_the_true_mean_with_minute_scale_noise(minutes: int):
    """95 % intervals on AR(1) noise with real runs' minute-scale memory cover the true mean 90–99 % of the time,
    where intervals treating minutes as independent cover far less."""
    rng = np.random.default_rng(minutes)
    n = minutes * 60
    t = np.arange(n, dtype=float)
    blocks = np.floor(t / BLOCK_S).astype(np.int64)
    w = np.ones(n)
    hit = naive_hit = 0
    for _ in range(SEEDS):
        x = 50.0 + ar1(rng, n, PHI, 0.5)
        iv = mean_interval(x, w, blocks)
        assert iv is not None
        hit += iv.low <= 50.0 <= iv.high
        m = x.reshape(minutes, 60).mean(1)
        naive_hit += abs(m.mean() - 50.0) <= 1.96 * m.std(ddof=1) / np.sqrt(minutes)
    # measured 85–91 % (lowest below 24 min, where the HAC branch is used): a little under 95 %
    # for this memory; on real windows the balance wander term closes the gap (validity_real.py)
    assert 0.82 <= hit / SEEDS <= 0.99, hit / SEEDS
    assert naive_hit < hit


def series_drift(rng: np.random.Generator, minutes: int, step_pct: float, warm_pct: float):
    """GCT (log) with AR(1) noise, speed wander, a warm-up excess over the first 10 min and a step
    of ``step_pct`` in the last third; returns (drift %, low, high) and the naive first-third change."""
    n = minutes * 60
    t = np.arange(n, dtype=float)
    w = np.ones(n)
    running = np.ones(n, dtype=bool)
    period = periods(w, running)
    log_v = np.log(3.0) + ar1(rng, n, 0.999, 0.05)
    y = np.log(250.0) - 0.8 * (log_v - np.log(3.0)) + ar1(rng, n, PHI, 0.02)
    y[period == 2] += np.log1p(step_pct / 100)
    y[t < WARMUP_S] += np.log1p(warm_pct / 100)
    sel = period >= 0  # as channel_drift does: the warm-up is in no period
    blocks = np.floor(t / BLOCK_S).astype(np.int64)
    design = drift_design(log_v[sel], None, period[sel], w[sel], blocks[sel])
    assert design is not None
    est, lo, hi = regression_drift(y[sel], design)
    third = np.minimum((t / n * 3).astype(int), 2)
    adj = y + 0.8 * (log_v - np.log(3.0))
    naive = adj[third == 2].mean() - adj[third == 0].mean()
    return [(np.exp(v) - 1) * 100 for v in (est, lo, hi)], (np.exp(naive) - 1) * 100


def test_drift_interval_covers_the_injected_step():
    rng = np.random.default_rng(13)
    got = [series_drift(rng, 45, 5.0, 0.0)[0] for _ in range(200)]
    cover = np.mean([lo <= 5.0 <= hi for _e, lo, hi in got])
    # measured 93 %; with df = k − 1 instead of the batches that carry the contrast it was 78 %
    assert 0.88 <= cover <= 0.99, cover
    assert abs(np.median([e for e, _lo, _hi in got]) - 5.0) < 0.3


def test_warm_up_is_left_out_of_the_early_reference():
    """A 2 % warm-up excess in the first 10 minutes of a 90-minute run (no fatigue): the naive
    first-third comparison reads about −0.7 %, the warm-up-free reference about 0."""
    rng = np.random.default_rng(7)
    runs = [series_drift(rng, 90, 0.0, 2.0) for _ in range(60)]
    est = np.median([d[0] for d, _n in runs])
    naive = np.median([n for _d, n in runs])
    assert abs(est) < 0.4, est
    assert naive < est - 0.3, (naive, est)  # 10 of the first 30 minutes are 2 % long: ≈ −0.66 %


def test_periods_keep_ten_minutes_of_reference_on_short_runs():
    w, run = np.ones(40 * 60), np.ones(40 * 60, dtype=bool)
    p = periods(w, run)
    assert (p == 0).sum() == 600  # 40-min run: first third 13.3 min, warm-up shortened to 3.3 min
    p = periods(np.ones(120 * 60), np.ones(120 * 60, dtype=bool))
    assert (p[:600] == -1).all() and (p == 0).sum() == 1800  # 2-h run: the whole 10-min warm-up out


needs_real = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/fit not present")


@needs_real
def test_real_windows_cover_their_run_mean_at_a_sane_rate():
    """20-minute windows of a real 2-h run: their 95 % balance interval holds the run's mean
    (the old 1-minute bootstrap held it in about half of the windows of garmin-runPower)."""
    from fitglute import decode, dynamics
    from fitglute.dynamics.cleaning import valid_mask
    from fitglute.dynamics.intervals import balance_interval

    hits = []
    for name in ("garmin-runPower.fit", "with-new-dynamics.fit"):
        run = decode.read(REAL / name)
        m = dynamics.analyse(run)
        fr, x = m.frame, run.channels["gct_balance_left_pct"]
        sel = fr.running & fr.flat & valid_mask(run, "gct_balance_left_pct")
        rel = run.t - run.t[0]
        for start in np.arange(0.0, rel[-1] - 1200, 1200.0):
            win = sel & (rel >= start) & (rel < start + 1200)
            if fr.w[win].sum() < 900:
                continue
            iv = balance_interval(x[win], fr.w[win], fr.blocks[win])
            hits.append(iv.low <= m.balance.estimate <= iv.high)
    assert len(hits) >= 10
    assert np.mean(hits) >= 0.8, hits


@needs_real
def test_treadmill_file_says_speed_not_matched():
    from fitglute.pipeline import analyse_file
    from fitglute.report.run import drift_table

    result = analyse_file(REAL / "FR920xt-with-runscribe-plus.fit")
    assert "treadmill" in result.flags
    assert result.drift and not any(d.speed_adjusted for d in result.drift.values())
    table = drift_table(result)
    assert table is not None and "speed not matched" in str(table.columns[1].header)
    for f in result.findings:
        if f.rule == "fatigue-drift":
            assert "could not be matched" in f.message and "matched speed." not in f.message

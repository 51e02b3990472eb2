"""Named scenarios for the rules' validation kit, on top of :mod:`fitglute_devkit.synth`.

Each builder returns a :class:`~fitglute_devkit.synth.Scenario` whose injected pattern is known, so a
rule can be checked against the truth: symmetric clean runs, a persistent left/right bias of a
chosen size, a fatigue drift of a chosen size at constant speed, and the confounders that must
*not* trigger a rule (slow-downs, cool-downs, hills, stops and walk breaks) or that must make it
step back (treadmill, wrist-only dynamics, intervals, short runs).

Used by ``tests/test_rules*.py`` and by ``benchmarks/validity.py`` (which puts this folder on
``sys.path``). Sizes follow the issue: balance bias in points off 50 % (positive = the left foot
stays on the ground longer), fatigue as the % rise of ground contact time in the last third over
the first third at the same speed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from fitglute_devkit.synth import Scenario, write_run

DEFAULT_MINUTES = 40.0


def _base(seed: int, minutes: float, **kw: Any) -> Scenario:
    return Scenario(duration_s=int(round(minutes * 60)), seed=seed, **kw)


# ---- the patterns a rule should find -------------------------------------------------------


def clean(seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any) -> Scenario:
    """Symmetric (50.0 % L), steady-pace, flat outdoor run on a chest strap: nothing to find."""
    return _base(seed, minutes, **kw)


def balance_bias(
    points: float, side: str = "left", seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any
) -> Scenario:
    """A persistent GCT-balance bias of ``points`` toward ``side`` (the foot with longer contact)."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', not {side!r}")
    sign = 1.0 if side == "left" else -1.0
    return _base(seed, minutes, balance_left_pct=50.0 + sign * points, **kw)


def fatigue(pct: float, seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any) -> Scenario:
    """GCT rises ``pct`` % over the last third at *constant speed* (VO rises half as much)."""
    return _base(seed, minutes, fatigue_gct_pct=pct, **kw)


def sided_fatigue(
    pct: float, drift_pts: float, side: str = "left", seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any
) -> Scenario:
    """Fatigue drift whose balance also shifts ``drift_pts`` toward ``side`` in the last third."""
    sign = 1.0 if side == "left" else -1.0
    return _base(seed, minutes, fatigue_gct_pct=pct, balance_drift_pts=sign * drift_pts, **kw)


def overload(
    bias_points: float = 2.5,
    side: str = "left",
    fatigue_pct: float = 7.0,
    drift_pts: float = 1.0,
    seed: int = 0,
    minutes: float = DEFAULT_MINUTES,
    **kw: Any,
) -> Scenario:
    """The composite pattern: a side bias plus a late fatigue drift that shifts toward that side."""
    sign = 1.0 if side == "left" else -1.0
    return _base(
        seed,
        minutes,
        balance_left_pct=50.0 + sign * bias_points,
        fatigue_gct_pct=fatigue_pct,
        balance_drift_pts=sign * drift_pts,
        **kw,
    )


# ---- confounders that must not trigger a rule -----------------------------------------------


def slowdown(seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any) -> Scenario:
    """Speed falls 15 % over the last third; GCT rises with it, but not at matched speed."""
    return _base(seed, minutes, profile="slowdown", **kw)


def cooldown(seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any) -> Scenario:
    """The last 5 minutes at 70 % of the pace (still running, ≥ 1.5 m/s)."""
    return _base(seed, minutes, profile="cooldown", **kw)


def hills(seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any) -> Scenario:
    """Repeated 2-min ±5 % grades: GCT +8 % and balance +1 pt uphill, −1 pt downhill."""
    return _base(seed, minutes, profile="hills", **kw)


def stops_and_walks(
    seed: int = 0, minutes: float = DEFAULT_MINUTES, stops: int = 3, walk_breaks: int = 3, **kw: Any
) -> Scenario:
    """Standing stops (60 s) and walk breaks (90 s) spread through the run, plus one pause."""
    return _base(seed, minutes, stops=stops, walk_breaks=walk_breaks, pauses=1, **kw)


# ---- conditions where a rule must step back (down-weight or not assess) ----------------------


def treadmill(seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any) -> Scenario:
    """Indoor treadmill run (no GPS, flat): its own baseline, so findings are down-weighted."""
    return _base(seed, minutes, sub_sport="treadmill", **kw)


def track(seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any) -> Scenario:
    """Track run: the bends bias balance, so findings are down-weighted."""
    return _base(seed, minutes, sub_sport="track", **kw)


def wrist(seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any) -> Scenario:
    """Wrist-only dynamics: GCT, VO, cadence, but no GCT balance."""
    return _base(seed, minutes, sensor="wrist", **kw)


def no_dynamics(seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any) -> Scenario:
    """A run with no running dynamics at all (watch without strap/pod)."""
    return _base(seed, minutes, sensor="none", **kw)


def intervals(seed: int = 0, minutes: float = DEFAULT_MINUTES, **kw: Any) -> Scenario:
    """3 min at 125 % / 2 min at 75 % of the pace, repeating."""
    return _base(seed, minutes, profile="intervals", **kw)


def with_(scenario: Scenario, **changes: Any) -> Scenario:
    """A copy of ``scenario`` with some knobs changed (e.g. ``seed``, ``noise``)."""
    return replace(scenario, **changes)


# ---- named catalogue and helpers -----------------------------------------------------------

#: name -> builder(seed, minutes) for the confounder scenarios (benchmarks iterate over these)
CONFOUNDERS: dict[str, Callable[..., Scenario]] = {
    "symmetric clean run": clean,
    "slow-down (−15 % over the last third)": slowdown,
    "cool-down (last 5 min at 70 %)": cooldown,
    "hilly (±5 % grades)": hills,
    "3 stops + 3 walk breaks + 1 pause": stops_and_walks,
}


def fit_bytes(scenario: Scenario) -> bytes:
    """The FIT file of ``scenario`` (bytes)."""
    return write_run(None, scenario)[0]


def analyse(scenario: Scenario, name: str = "synthetic.fit") -> dict[str, Any]:
    """Generate ``scenario`` and run the full pipeline (decode, clean, measure, rules)."""
    from fitglute.pipeline import analyse_file

    return analyse_file(fit_bytes(scenario), name=name).to_json()


def finding(result: dict[str, Any], rule: str) -> dict[str, Any] | None:
    """The finding of ``rule`` in an analysis result, or None."""
    for f in result.get("findings") or []:
        if f["rule"] == rule:
            return f
    return None


def confidence(result: dict[str, Any], rule: str) -> float:
    """Confidence of ``rule``'s finding (0.0 when it did not fire)."""
    f = finding(result, rule)
    return 0.0 if f is None else float(f["confidence"])


def seeds(n: int, start: int = 0) -> Iterable[int]:
    return range(start, start + n)

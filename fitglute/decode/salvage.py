"""The sport of a file that has no session summary: a watch that died, a copy cut short.

A FIT activity writes its ``session`` message last, so a file cut anywhere before the end has
none. The sport is then taken from what is there, in this order: a ``sport`` message or a lap
(both written by the device itself), the records' ``activity_type``, and finally the samples:
running dynamics or a running cadence at a speed people run at. The last is a judgement, so
the run carries a warning that says how its sport was found (README "Bad input").
"""

from __future__ import annotations

import numpy as np

#: FIT running cadence is strides/min of one foot (build.py doubles it): runners step at
#: ~150–200 steps/min (fit-running-fields.md §7); below 140 is walking
RUN_CADENCE_SPM = (140.0, 230.0)
#: the median moving speed of a run: above a brisk walk, below elite marathon pace
#: (5.7 m/s); a cyclist at 80–100 rpm (160–200 "steps") is told apart by going faster
RUN_SPEED_MPS = (1.5, 6.0)
MOVING_MPS = 0.5
#: running dynamics (ground contact time) in at least this share of the moving samples
DYNAMICS_SHARE = 0.5


def sport_from_records(rec: dict[str, np.ndarray]) -> str | None:
    """ "running" when the samples look like running on foot, else None (not a guess at others)."""
    t = rec.get("timestamp")
    if t is None or t.size < 2:
        return None
    n = t.size
    speed = _col(rec, "enhanced_speed", n)
    speed = np.where(np.isfinite(speed), speed, _col(rec, "speed", n))
    cad = 2.0 * (_col(rec, "cadence", n) + np.nan_to_num(_col(rec, "fractional_cadence", n)))
    gct = _col(rec, "stance_time", n)
    has_speed = np.isfinite(speed)
    moving = ~has_speed | (speed > MOVING_MPS) if has_speed.any() else np.ones(n, dtype=bool)
    cad_m = cad[moving & np.isfinite(cad)]
    if cad_m.size < 10:
        return None
    cadence_runs = RUN_CADENCE_SPM[0] <= float(np.median(cad_m)) <= RUN_CADENCE_SPM[1]
    spd_m = speed[moving & has_speed]
    speed_runs = spd_m.size >= 10 and RUN_SPEED_MPS[0] <= float(np.median(spd_m)) <= RUN_SPEED_MPS[1]
    dynamics = float(np.mean(np.isfinite(gct[moving]) & (gct[moving] > 0))) >= DYNAMICS_SHARE
    if cadence_runs and (speed_runs or (dynamics and spd_m.size < 10)):
        return "running"
    return None


def _col(rec: dict[str, np.ndarray], name: str, n: int) -> np.ndarray:
    arr = rec.get(name)
    return np.full(n, np.nan) if arr is None else arr


def salvage_warning(source: str, *, cut: bool = False) -> str:
    """The warning of a run analysed without its session summary (``cut``: the decoder has
    already said where the file ends, so this only adds what was done about it)."""
    why = "" if cut else " (the recording ends early or was cut short)"
    return (
        f"no session summary for the run{why}: the sport was taken from {source}, "
        "and the device's own totals and averages are missing"
    )


#: samples after the last session that make a leg worth analysing (a minute at 1 s recording)
MIN_TAIL_SAMPLES = 60


def cut_leg(dec_records: dict[str, np.ndarray], sessions: list[dict], sports: list[dict]) -> dict | None:
    """A running leg cut short: the session of a multisport file's last leg that was never written.

    When no session is running but samples go on after the last session ends, and either the
    device's last ``sport`` message says running or the samples look like running, those samples
    are a running leg; returns a stand-in session (start and length from the samples only).
    """
    t = dec_records.get("timestamp")
    ends = [
        s["start_time"] + (s.get("total_elapsed_time") or s.get("total_timer_time") or 0.0)
        for s in sessions
        if s.get("start_time") is not None
    ]
    if t is None or not ends:
        return None
    tail = np.isfinite(t) & (t > max(ends) + 1.0)
    if tail.sum() < MIN_TAIL_SAMPLES:
        return None
    last_sport = next((s.get("sport") for s in reversed(sports) if s.get("sport")), None)
    if last_sport != "running" and not sport_from_records({k: v[tail] for k, v in dec_records.items()}):
        return None
    start, end = float(t[tail].min()), float(t[tail].max())
    return {"sport": "running", "sub_sport": None, "start_time": start, "total_elapsed_time": end - start}

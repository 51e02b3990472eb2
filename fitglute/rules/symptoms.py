"""Symptom trend: rising pain at one site and side, or stiffness that lasts into the next morning.

Why: pain monitoring — during the run, after it, and the next morning — is how load is steered in
tendon problems (Silbernagel et al. 2007, grade B), and a symptom log is the earliest warning of
a recurrence (evidence.md, "symptoms"). The rule reads only the runner's own scores on 0–10
scales; it never looks at the sensor.

Signal group ``None`` on purpose: a symptom is the warning itself, not evidence of *how* the load
is shared between glutes, hamstrings and calves, and a painful leg changes the gait (it often gets
the *shorter* stance, evidence.md), so counting it beside contact-time signals in
``posterior-chain-overload`` would mix cause and effect. It carries its own advice instead.
"""

from __future__ import annotations

from datetime import date

from fitglute.model.hints import LOG_SYMPTOM
from fitglute.model.history import SYMPTOM_SCALES, Symptom
from fitglute.model.safety import RED_FLAGS
from fitglute.rules.common import history_context
from fitglute.rules.confidence import GRADE_WEIGHT
from fitglute.rules.engine import STAGE_HISTORY, Evidence, Finding, NotAssessed, Rule, RuleContext, Threshold

SCALE_WORDS = {"during": "pain during runs", "after": "pain after runs", "morning": "next-morning stiffness"}
SIDE_WORDS = {"left": "Left", "right": "Right", "both": "Both sides,"}


def by_site_and_side(symptoms: list[Symptom]) -> dict[tuple[str, str], list[Symptom]]:
    """Entries grouped by (site, side), each list in date order."""
    out: dict[tuple[str, str], list[Symptom]] = {}
    for s in sorted(symptoms, key=lambda s: (s.date, s.id)):
        out.setdefault((s.site, s.side), []).append(s)
    return out


def rise_of(entries: list[Symptom], scale: str, last: int) -> tuple[Symptom, Symptom] | None:
    """(first, latest) of the last ``last`` entries scoring ``scale`` when the latest is the highest."""
    scored = [e for e in entries if e.score(scale) is not None][-last:]
    if len(scored) < 2:
        return None
    latest = scored[-1].score(scale) or 0.0
    if latest < max(e.score(scale) or 0.0 for e in scored):
        return None  # it came back down: not rising
    return scored[0], scored[-1]


def check_symptoms(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    got = history_context(ctx)
    if isinstance(got, NotAssessed):
        return got
    history, cur = got
    today = cur.day
    if not history.symptoms:
        return NotAssessed("no symptoms logged", LOG_SYMPTOM)
    window = [s for s in history.symptoms if s.date <= today and (today - s.date).days <= th["window_days"]]
    if not window:
        return NotAssessed(f"no symptoms logged in the {th['window_days']:.0f} days up to this run", LOG_SYMPTOM)
    out = []
    for entries in by_site_and_side(window).values():
        if (today - entries[-1].date).days > th["recent_days"]:
            continue  # nothing recent at this site: the old entries say nothing about this run
        found = _signals(entries, th)
        if found:
            out.append(_finding(ctx, th, entries[-1], found))
    return out


def _signals(entries: list[Symptom], th: dict[str, float]) -> list[tuple[str, float, str]]:
    """(kind, strength, words) for each reason to act: morning stiffness, then rising scales."""
    found = []
    latest = entries[-1]
    if latest.morning is not None and latest.morning >= th["morning_flag"]:
        size = 0.5 + 0.5 * (latest.morning - th["morning_flag"]) / max(th["morning_strong"] - th["morning_flag"], 1e-9)
        found.append(
            ("morning", min(1.0, size), f"next-morning stiffness {latest.morning:g}/10 on {_day(latest.date)}")
        )
    for scale in SYMPTOM_SCALES:
        pair = rise_of(entries, scale, int(th["last_entries"]))
        if pair is None:
            continue
        first, last = pair
        rise = (last.score(scale) or 0.0) - (first.score(scale) or 0.0)
        if rise < th["rise_pts"]:
            continue
        size = 0.5 + 0.5 * (rise - th["rise_pts"]) / max(th["rise_strong_pts"] - th["rise_pts"], 1e-9)
        words = (
            f"{SCALE_WORDS[scale]} rose from {first.score(scale):g} to {last.score(scale):g} "
            f"({_day(first.date)} → {_day(last.date)})"
        )
        found.append(("rise-" + scale, min(1.0, size), words))
    return found


def _day(d: date) -> str:
    return d.isoformat()


def _finding(ctx: RuleContext, th: dict[str, float], latest: Symptom, found: list[tuple[str, float, str]]) -> Finding:
    site, side = latest.site, latest.side
    strength = min(1.0, max(s for _, s, _ in found) + th["agreement_bonus"] * (len(found) - 1))
    conf = GRADE_WEIGHT[SYMPTOM_TREND.evidence.grade] * strength
    where = f"{SIDE_WORDS[side]} {site}"
    msg = (
        f"{where}: {'; '.join(w for _, _, w in found)}. In pain monitoring for tendon problems "
        "(Silbernagel et al. 2007), pain that lasts into the next morning or climbs from run to run is read as "
        "load beyond what the tissue tolerates for now; your own log is the earliest warning of a recurrence. "
        "This is your report, not a diagnosis."
    )
    action = (
        f"Reduce load for now: shorter, easier and flatter runs, no speed work, until the next-morning score "
        f"is back below {th['morning_flag']:g} and steady (the model allows pain up to about 5/10 during "
        "exercise if it has settled by the next morning). Get it assessed by a physiotherapist if it does not "
        f"settle within a week or two. {RED_FLAGS}"
    )
    values = {"site": site, "signals": [k for k, _, _ in found], "latest_entry": latest.date.isoformat()}
    values.update({scale: latest.score(scale) for scale in SYMPTOM_SCALES if latest.score(scale) is not None})
    return SYMPTOM_TREND.finding(ctx, side=side, confidence=conf, message=msg, action=action, values=values)


SYMPTOM_TREND = Rule(
    id="symptom-trend",
    title="Symptoms rising at one site",
    evidence=Evidence("B", "Silbernagel et al. 2007: pain monitoring (during, after, next morning) guides tendon load"),
    needs=("symptom log",),
    thresholds={
        "morning_flag": Threshold(
            3.0,
            "next-morning stiffness (0–10) that asks for less load",
            "Silbernagel et al. 2007 (pain-monitoring model)",
            1.0,
            10.0,
        ),
        "morning_strong": Threshold(
            6.0, "next-morning stiffness counted as strong", "fitglute design choice", 2.0, 10.0
        ),
        "rise_pts": Threshold(
            2.0,
            "rise (points of 0–10) over the last entries that counts",
            "Farrar et al. 2001: ~2 points is the smallest meaningful change on a 0–10 pain scale",
            1.0,
            10.0,
        ),
        "rise_strong_pts": Threshold(4.0, "rise counted as strong", "fitglute design choice", 1.0, 10.0),
        "last_entries": Threshold(3.0, "entries of one site and side compared", "fitglute design choice", 2.0, 10.0),
        "window_days": Threshold(
            28.0, "entries older than this are not compared", "fitglute design choice", 7.0, 120.0
        ),
        "recent_days": Threshold(
            7.0, "the latest entry must be this recent to speak for this run", "fitglute design choice", 1.0, 60.0
        ),
        "agreement_bonus": Threshold(
            0.1, "strength added per further sign at the same site", "fitglute design choice", 0.0, 0.5
        ),
    },
    check=check_symptoms,
    summary="Rising 0–10 scores at one site and side over the last entries, or next-morning stiffness ≥ 3.",
    stage=STAGE_HISTORY,
    signal_group=None,
    measured_by="symptom log",
    sizing="0.5 at a rise of 2 points (Farrar 2001) or morning stiffness 3/10, 1.0 at 4 points / 6/10",
)

RULES = (SYMPTOM_TREND,)

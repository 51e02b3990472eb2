"""Capacity asymmetry: a side-to-side strength test below 90 % symmetry gives exercise advice a side.

Why a test and not contact time: left/right gait asymmetry did not predict injury in 836 runners
(Malisoux 2024, grade A against), and the contact-time balance is a sensor estimate. A test done on
each leg measures the side difference directly (evidence.md, "capacity tests", B–C): the side for
extra strength work should come from it.

Signal group ``"capacity asymmetry"``: a measured deficit of one calf (heel raises), of one side's
hamstrings and glutes (bridge) or of one leg's power (hop) is evidence *for* the posterior-chain
load pattern on that side, and it is independent of every sensor signal (another measurement,
made off the run), so ``posterior-chain-overload`` counts it as its own kind of evidence — never
as a second copy of a contact asymmetry. The pogo test is a pain check: its "weaker" side is the
one that hurts more (:mod:`fitglute.model.capacity` explains why it has no LSI).

A test speaks for the runs after it until a newer test of the same kind replaces it, for at most
``max_age_days``; a stale test gives no side.
"""

from __future__ import annotations

from datetime import date

from fitglute.model.capacity import LSI_FLAG_PCT, PAIN_FLAG_PTS, CapacityTest
from fitglute.model.hints import LOG_TEST
from fitglute.model.safety import RED_FLAGS
from fitglute.rules.common import history_context
from fitglute.rules.confidence import GRADE_WEIGHT
from fitglute.rules.engine import STAGE_HISTORY, Evidence, Finding, NotAssessed, Rule, RuleContext, Threshold

#: what to train when a test of this kind shows the side weaker
WORK = {
    "heel-raise": "single-leg heel raises with a straight knee",
    "heel-raise-bent": "bent-knee heel raises (soleus)",
    "bridge": "single-leg bridges with the heel on a box, and hip thrusts",
    "hop": "single-leg strength first (step-ups, split squats), then hops and landings",
    "pogo": "no hopping or fast running on that leg until pogo hops are pain-free",
}


def latest_tests(tests: list[CapacityTest], day: date) -> dict[str, CapacityTest]:
    """The newest test of each kind on or before ``day`` (``tests`` sorted by date, as History keeps them)."""
    out: dict[str, CapacityTest] = {}
    for t in tests:
        if t.date <= day:
            out[t.kind] = t
    return out


def _size(test: CapacityTest, th: dict[str, float]) -> float:
    """0.5 just past the flag, 1.0 at the strong threshold."""
    if test.protocol.pain:
        excess, span = (test.pain_difference or 0.0) - th["pain_flag_pts"], th["pain_strong_pts"] - th["pain_flag_pts"]
    else:
        excess, span = th["lsi_flag_pct"] - (test.lsi_pct or 0.0), th["lsi_flag_pct"] - th["lsi_strong_pct"]
    return min(1.0, 0.5 + 0.5 * max(0.0, excess) / max(span, 1e-9))


def _recency(age_days: int, th: dict[str, float]) -> float:
    """Full weight while the test is fresh, falling to 0.5 at ``max_age_days``."""
    fresh, oldest = th["fresh_days"], th["max_age_days"]
    if age_days <= fresh:
        return 1.0
    return max(0.5, 1.0 - 0.5 * (age_days - fresh) / max(oldest - fresh, 1.0))


def describe_test(test: CapacityTest) -> str:
    """``single-leg heel raise … 18 vs 25 reps (LSI 72 %, 2026-05-01)``, weaker side first."""
    p = test.protocol
    weak, strong = (test.left, test.right) if test.weaker_side == "left" else (test.right, test.left)
    name = p.name.split(",")[0].split(" (")[0].lower()
    if p.pain:
        return f"{name}: pain {weak:g} vs {strong:g} out of 10 ({test.date.isoformat()})"
    return f"{name} {weak:g} vs {strong:g} {p.unit} (LSI {test.lsi_pct:g} %, {test.date.isoformat()})"


def check_capacity(ctx: RuleContext, th: dict[str, float]) -> list[Finding] | NotAssessed:
    got = history_context(ctx)
    if isinstance(got, NotAssessed):
        return got
    history, cur = got
    today = cur.day
    latest = latest_tests(history.tests, today)
    if not latest:
        return NotAssessed("no side-to-side capacity test logged before this run", LOG_TEST)
    fresh = {k: t for k, t in latest.items() if (today - t.date).days <= th["max_age_days"]}
    if not fresh:
        newest = max(t.date for t in latest.values())
        return NotAssessed(
            f"your latest capacity test is {(today - newest).days} days old; tests older than "
            f"{th['max_age_days']:.0f} days give no side",
            LOG_TEST,
        )
    by_side: dict[str, list[CapacityTest]] = {"left": [], "right": []}
    for t in fresh.values():
        if t.weaker_side is not None and t.flagged(th["lsi_flag_pct"], th["pain_flag_pts"]):
            by_side[t.weaker_side].append(t)
    return [_finding(ctx, th, today, side, tests) for side, tests in by_side.items() if tests]


def _finding(ctx: RuleContext, th: dict[str, float], today: date, side: str, tests: list[CapacityTest]) -> Finding:
    tests = sorted(tests, key=lambda t: _size(t, th), reverse=True)
    best = max(_size(t, th) * _recency((today - t.date).days, th) for t in tests)
    strength = min(1.0, best + th["agreement_bonus"] * (len(tests) - 1))
    conf = GRADE_WEIGHT[CAPACITY_ASYMMETRY.evidence.grade] * strength
    pain = [t for t in tests if t.protocol.pain]
    measured = [t for t in tests if not t.protocol.pain]
    parts = []
    if measured:
        parts.append(
            f"Your latest side-to-side tests show the {side} leg weaker: "
            + "; ".join(describe_test(t) for t in measured)
            + ". A limb symmetry index (weaker ÷ stronger) below 90 % is the usual flag."
        )
    if pain:
        parts.append(f"Pogo hops hurt more on the {side}: " + "; ".join(describe_test(t) for t in pain) + ".")
    parts.append(
        "A strength difference measured on each leg is a better guide to which side needs extra work than "
        "ground-contact balance, which is a sensor estimate that did not predict injury on its own (Malisoux 2024)."
    )
    if any(t.kind == "bridge" for t in tests):
        parts.append(
            "Lower single-leg bridge scores came before hamstring strains in footballers (Freckleton 2014); for "
            "runners that link is less certain."
        )
    work = [WORK[t.kind] for t in tests]
    action = (
        f"Give the {side} leg extra strength work two or three times a week — {'; '.join(work)} — an extra "
        f"set on the {side} is enough to start. Retest in 6–8 weeks with the same protocol. {RED_FLAGS}"
    )
    values: dict[str, object] = {"weaker_side": side, "tests": [t.kind for t in tests]}
    for t in tests:
        values[f"{t.kind}_date"] = t.date.isoformat()
        if t.protocol.pain:
            values[f"{t.kind}_pain_difference"] = t.pain_difference
        else:
            values[f"{t.kind}_lsi_pct"] = t.lsi_pct
    return CAPACITY_ASYMMETRY.finding(
        ctx, side=side, confidence=conf, message=" ".join(parts), action=action, values=values
    )


CAPACITY_ASYMMETRY = Rule(
    id="capacity-asymmetry",
    title="Side-to-side strength difference (your own test)",
    evidence=Evidence(
        "B",
        "capacity tests B–C: heel raise (Hébert-Losier et al.), single-leg bridge (Freckleton et al. 2014, "
        "BJSM), hop for distance; LSI < 90 % is the usual flag; pogo pain: Silbernagel et al. 2007",
    ),
    needs=("capacity tests",),
    thresholds={
        "lsi_flag_pct": Threshold(
            LSI_FLAG_PCT,
            "limb symmetry index (%) below which a test is flagged",
            "the usual clinical flag: limb symmetry below 90 % (Noyes et al. 1991)",
            50.0,
            100.0,
        ),
        "lsi_strong_pct": Threshold(
            70.0, "LSI (%) counted as a strong difference", "fitglute design choice", 10.0, 99.0
        ),
        "pain_flag_pts": Threshold(
            PAIN_FLAG_PTS,
            "pogo pain difference (points of 0–10) that is flagged",
            "Farrar et al. 2001: ~2 points is the smallest meaningful change on a 0–10 pain scale",
            1.0,
            10.0,
        ),
        "pain_strong_pts": Threshold(
            5.0, "pogo pain difference counted as strong", "fitglute design choice", 1.0, 10.0
        ),
        "fresh_days": Threshold(
            56.0, "a test keeps full weight this long", "fitglute design choice (retest every 6–8 weeks)", 7.0, 365.0
        ),
        "max_age_days": Threshold(180.0, "older tests give no side", "fitglute design choice", 14.0, 730.0),
        "agreement_bonus": Threshold(
            0.1, "strength added per further test flagging the same side", "fitglute design choice", 0.0, 0.5
        ),
    },
    check=check_capacity,
    summary="The latest test of a kind (heel raise, bridge, hop, pogo) below 90 % LSI → side = the weaker side.",
    stage=STAGE_HISTORY,
    signal_group="capacity asymmetry",
    measured_by="strength test",
    sizing="0.5 just below LSI 90 %, 1.0 at LSI 70 % (pogo: pain difference 2 → 5 points); + 0.1 per further test",
)

RULES = (CAPACITY_ASYMMETRY,)

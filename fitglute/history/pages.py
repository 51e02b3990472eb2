"""What the history and physiotherapist pages show, read from the store as plain data.

The HTML report renders without I/O (``fitglute.report`` knows no store), so this module does the
reading: the same trend data ``fitglute trends --json`` prints, the same injury reviews
``fitglute injury review`` words, and which findings kept coming back over the weeks.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fitglute.history.review import review_all
from fitglute.history.trends import trend_data
from fitglute.model.times import DAY_S, iso_utc, parse_iso

#: the history page's trends, top to bottom (history.trends metric names)
TREND_METRICS = ("gct", "gct_balance", "cadence", "distance")
#: a finding is "persistent" when it fired on at least this many runs and this share of the window's runs
PERSISTENT_MIN_RUNS = 3
PERSISTENT_MIN_SHARE = 0.3


def history_data(store: Any, weeks: int) -> dict[str, Any]:
    """Trends over ``weeks`` plus the whole injury, test and symptom logs."""
    return {
        "weeks": weeks,
        "runs": store.run_count(),
        "trends": {m: trend_data(store, m, weeks) for m in TREND_METRICS},
        "injuries": store.injuries(),
        "tests": store.tests(),
        "symptoms": store.symptoms(),
    }


def recurring_findings(store: Any, weeks: int) -> dict[str, Any]:
    """Per rule, on how many of the last ``weeks`` weeks' runs it fired, and its latest wording."""
    latest = store.latest_start()
    if latest is None:
        return {"from": None, "to": None, "runs": 0, "rules": []}
    start = iso_utc(parse_iso(latest) - weeks * 7 * DAY_S)
    rows = store.runs_between(start, latest)
    found = store.findings_for([r["sha256"] for r in rows])
    counts: Counter[str] = Counter()
    sides: dict[str, Counter[str]] = {}
    last_sha: dict[str, str] = {}
    for r in rows:  # oldest first: the last one seen is the latest
        for f in {f["rule"]: f for f in found[r["sha256"]]}.values():
            counts[f["rule"]] += 1
            sides.setdefault(f["rule"], Counter())[f["side"]] += 1
            last_sha[f["rule"]] = r["sha256"]
    rules = []
    for rule, n in counts.most_common():
        stored = store.get_run(last_sha[rule])
        latest_finding = None
        if stored is not None:
            latest_finding = next((f.to_json() for f in stored.result.findings if f.rule == rule), None)
        rules.append(
            {
                "rule": rule,
                "runs": n,
                "share": round(n / len(rows), 3),
                "persistent": n >= PERSISTENT_MIN_RUNS and n / len(rows) >= PERSISTENT_MIN_SHARE,
                "sides": dict(sides[rule]),
                "latest": latest_finding,
            }
        )
    return {"from": start, "to": latest, "runs": len(rows), "rules": rules}


def physio_data(store: Any, weeks: int) -> dict[str, Any]:
    """Everything the one-pager shows: logs, the review of each injury, recurring findings."""
    return {
        "weeks": weeks,
        "runs": store.run_count(),
        "first_run": store.earliest_start(),
        "last_run": store.latest_start(),
        "injuries": store.injuries(),
        "reviews": review_all(store.history()),
        "tests": store.tests(),
        "symptoms": store.symptoms(),
        "findings": recurring_findings(store, weeks),
        "distance": trend_data(store, "distance", weeks),
    }

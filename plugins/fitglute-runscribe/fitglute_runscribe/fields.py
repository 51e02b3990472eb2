"""RunScribe developer fields → per-foot channels (pure numpy; no global state, safe in workers).

Two layouts exist (fit-running-fields.md §4, verified on the real files in ``../shared/fit``):

* **unnamed** (RunScribe Light CIQ, v2.x): float32 fields with an empty name; numbers 0–5 are
  the LEFT pod, 6–11 the RIGHT pod, 12 power; within a side the order is impact (G), braking (G),
  footstrike (1–16), pronation (°), flight ratio (%), contact time (ms). An early version writes
  only 0–3 / 6–9 and no units (``Fenix-3-with-empty-runscribe.fit``, where every value is 0: the
  pods recorded nothing).
* **named** (older / "Plus" variant): ``RS_ContactTime_L``, ``RS_Impact_GS_R``, ``RS_Braking_GS_L``,
  ``RS_Pronation_R``, ``RS_FootStrike_L``, ``RS_Power_AVG`` (``FR920xt-with-runscribe-plus.fit``,
  numbered in the same 0–12 layout), and ``_L``/``_R``-suffixed names without the prefix
  (``ContactTime_L``, ``BrakingGs_R``, ``FS_L``, ``FlightRatio_R``). Unsuffixed names other than
  power are the single-pod L/R *average* and are not mapped to a foot.
* **single-pod** (one pod, CamelCase names without a side: ``Impact``, ``Braking``, ``Pronation``,
  ``ContactTime``, ``FlightRatio``, ``FootstrikeType``, ``Power``): the average of both feet. Names are
  matched by meaning, case-insensitively; no foot is mapped, but :attr:`RunScribeSource.averages`
  records them, so the rules can say "single pod" instead of "no RunScribe data".

Which developer app is RunScribe (never the field number alone):

1. its app id is one of :data:`RUNSCRIBE_APP_IDS` (the two ids seen in the real files above); or
2. named fields: at least two recognised ``_L``/``_R`` metric names; or
3. unnamed fields: their units match the layout (G, G, "", °, %, ms; W) on at least four fields,
   with no field contradicting it. A unit-less unnamed app is accepted only by a known app id.

A foot's sample counts only when the pod wrote something (impact, braking or contact > 0);
otherwise all that foot's values at that sample are missing. Zero contact time or footstrike is
"not measured".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

RUNSCRIBE_APP_IDS: dict[str, str] = {
    "c1f5c80a5a054e8a97b3fda34e957035": "RunScribe (named RS_* fields; FR920xt-with-runscribe-plus.fit)",
    "502092b3b0dd45ad89b3472ab2060ab6": "RunScribe Light, early (unnamed, no units; Fenix-3-with-empty-runscribe.fit)",
}
SIDES = ("left", "right")
ORDER = ("impact", "braking", "footstrike", "pronation", "flight_ratio", "contact")
CHANNEL = {
    "impact": "rs_impact_g",
    "braking": "rs_braking_g",
    "footstrike": "rs_footstrike",
    "pronation": "rs_pronation_deg",
    "flight_ratio": "rs_flight_ratio_pct",
    "contact": "rs_contact_ms",
}
POWER_CHANNEL = "rs_power_w"
UNITS: dict[str, set[str]] = {  # accepted (case-folded) unit strings per metric
    "impact": {"g", "gs", ""},
    "braking": {"g", "gs", ""},
    "footstrike": {""},
    "pronation": {"°", "deg", "degrees", ""},
    "flight_ratio": {"%", ""},
    "contact": {"ms", "milliseconds", ""},
    "power": {"w", "watts", ""},
}
LAYOUT_UNITS = {"impact": "g", "braking": "g", "pronation": "°", "flight_ratio": "%", "contact": "ms", "power": "w"}
NAME_BASES = {
    "impactgs": "impact",
    "impact": "impact",
    "brakinggs": "braking",
    "braking": "braking",
    "footstrike": "footstrike",
    "footstriketype": "footstrike",
    "fs": "footstrike",
    "pronation": "pronation",
    "pronationexcursion": "pronation",
    "flightratio": "flight_ratio",
    "contacttime": "contact",
    "power": "power",
    "poweravg": "power",
    "runscribepower": "power",
}
#: unsuffixed RunScribe metric names an app must carry to count as a single-pod recording
MIN_AVERAGES = 3
_SIDED = re.compile(r"^(?P<base>.*?)[ _](?P<side>l|r|left|right)$", re.IGNORECASE)


def channel(metric: str, side: str | None) -> str:
    return POWER_CHANNEL if metric == "power" else f"{CHANNEL[metric]}_{side}"


def parse_name(name: str) -> tuple[str, str | None] | None:
    """A named RunScribe field → (metric, "left"/"right"/None), or None if not one."""
    text = name.strip()
    if text[:3].casefold() in ("rs_", "rs "):
        text = text[3:]
    side = None
    m = _SIDED.match(text)
    if m:
        text, side = m["base"], "left" if m["side"].casefold().startswith("l") else "right"
    metric = NAME_BASES.get(re.sub(r"[^a-z]", "", text.casefold()))
    if metric is None:
        return None
    return metric, side


def by_number(number: int) -> tuple[str, str | None] | None:
    """An unnamed field number → (metric, side) in the 0–5 left / 6–11 right / 12 power layout."""
    if 0 <= number < 12:
        return ORDER[number % 6], SIDES[number // 6]
    if number == 12:
        return "power", None
    return None


@dataclass
class RunScribeSource:
    app_id: str | None = None
    how: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # channel -> developer key
    skipped: list[str] = field(default_factory=list)
    #: metrics this file holds only as the single-pod average of both feet (metric -> developer key)
    averages: dict[str, str] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.fields)


def _candidates(group: list[Any]) -> list[tuple[Any, str, str | None]]:
    out = []
    for f in group:
        parsed = parse_name(f.name) if f.name else by_number(f.number)
        if parsed is not None:
            out.append((f, *parsed))
    return out


def _accept(group: list[Any], cands: list[tuple[Any, str, str | None]]) -> str | None:
    app_id = group[0].app_id
    if app_id in RUNSCRIBE_APP_IDS:
        return f"app id {app_id} ({RUNSCRIBE_APP_IDS[app_id]})"
    named = [(f, m, s) for f, m, s in cands if f.name]
    if named:
        sided = {(m, s) for _f, m, s in named if s is not None and m != "power"}
        return f"named per-foot RunScribe fields ({len(sided)})" if len(sided) >= 2 else None
    matched = conflicts = 0
    for f, metric, _side in cands:
        unit = (f.units or "").strip().casefold()
        want = LAYOUT_UNITS.get(metric)
        if want is not None and unit == want:
            matched += 1
        elif unit and unit not in UNITS[metric]:
            conflicts += 1
    if matched >= 4 and not conflicts:
        return f"unnamed fields in the RunScribe 0–12 layout with matching units ({matched})"
    return None


def identify(run: Any) -> RunScribeSource:
    """Find the RunScribe developer fields of ``run`` (the first matching app wins per channel)."""
    src = RunScribeSource()
    groups: dict[int, list[Any]] = {}
    for f in run.developer_fields:
        groups.setdefault(f.index, []).append(f)
    ordered = sorted(groups.values(), key=lambda g: g[0].app_id not in RUNSCRIBE_APP_IDS)
    for group in ordered:
        cands = _candidates(group)
        how = _accept(group, cands) if cands else None
        unsided = {m: f.key for f, m, side in cands if f.name and side is None and m != "power"}
        if how is not None or len(unsided) >= MIN_AVERAGES:
            for metric, key in unsided.items():
                src.averages.setdefault(metric, key)
        if how is None:
            continue
        taken = False
        for f, metric, side in cands:
            if side is None and metric != "power":
                continue  # single-pod average: not a foot
            unit = (f.units or "").strip().casefold()
            if unit not in UNITS[metric]:
                src.skipped.append(f"{f.key} (units {f.units!r})")
                continue
            ch = channel(metric, side)
            if ch not in src.fields:
                src.fields[ch] = f.key
                taken = True
        if taken and not src.how:
            src.app_id, src.how = group[0].app_id, how
    return src


def map_runscribe(run: Any) -> dict[str, np.ndarray]:
    """Per-foot RunScribe channels of ``run``; ``{}`` when absent or when the pods wrote nothing."""
    src = identify(run)
    if not src.found:
        return {}
    raw = {ch: np.asarray(run.developer[key], dtype=float).copy() for ch, key in src.fields.items()}
    for side in SIDES:
        keys = [channel(m, side) for m in ("impact", "braking", "contact") if channel(m, side) in raw]
        if not keys:
            continue
        with np.errstate(invalid="ignore"):
            recorded = np.any([raw[k] > 0 for k in keys], axis=0)
        for metric in ORDER:
            ch = channel(metric, side)
            if ch in raw:
                raw[ch][~recorded] = np.nan
                if metric in ("contact", "footstrike"):
                    with np.errstate(invalid="ignore"):
                        raw[ch][raw[ch] <= 0] = np.nan
    out = {ch: x for ch, x in raw.items() if np.isfinite(x).any()}
    if not any(ch != POWER_CHANNEL for ch in out):
        return {}
    return out

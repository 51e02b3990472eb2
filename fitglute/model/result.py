"""The analysis result: the one type that crosses part lines, and the one ``--json`` schema.

One file in, one :class:`RunResult` out (``status`` ok / skipped / error, never an exception).
The store saves ``to_json()``, history re-reads it with ``from_json()``, and the report, the
Strava note and the trends read its attributes — so what the terminal shows, what ``--json``
writes and what the note says cannot disagree. Numbers are rounded once, when the result is made,
so a live result and a stored one carry the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fitglute.model.finding import Finding, NotAssessed
from fitglute.model.stats import ChannelStats, Drift, as_dict

STATUSES = ("ok", "skipped", "error")
#: keys present in every JSON line, in order
BASE_KEYS = (
    "file", "status", "error", "sha256", "sport", "sub_sport", "start_time", "duration_s", "distance_m",
    "device", "sensors", "dynamics_source", "decoder", "session", "metrics", "clean_running_s",
    "balance_ci", "drift", "flags", "warnings", "findings", "not_assessed",
)  # fmt: skip
#: keys only an analysed run (status "ok") has values for; ``null`` in a skipped or failed line, so
#: every line has the same keys (a reader of JSON Lines never meets a missing one)
ANALYSED_KEYS = ("speed_mps", "speed_change_pct", "steep_fraction", "channels", "developer_fields")


@dataclass
class RunResult:
    """Everything fitglute found out about one file (README, "JSON output")."""

    file: str | None
    status: str
    error: str | None = None
    sha256: str | None = None
    sport: str | None = None
    sub_sport: str | None = None
    start_time: str | None = None  # ISO 8601 UTC (model.times)
    duration_s: float | None = None
    distance_m: float | None = None
    device: str | None = None
    sensors: list[str] = field(default_factory=list)
    dynamics_source: str | None = None
    decoder: str | None = None
    session: dict[str, float | None] | None = None  # the device's own averages
    metrics: dict[str, float | None] | None = None  # clean-running means of the dynamics channels
    clean_running_s: float | None = None
    balance_ci: list[float | None] | None = None
    drift: dict[str, Drift] | None = None
    flags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    not_assessed: dict[str, str] = field(default_factory=dict)
    #: rule id → a :mod:`fitglute.model.hints` code for the runner's next step (not in the JSON:
    #: the command layer words it, ``to_json(hint=…)``)
    hints: dict[str, str] = field(default_factory=dict, compare=False)
    speed_mps: float | None = None
    speed_change_pct: float | None = None
    steep_fraction: float | None = None
    channels: dict[str, ChannelStats] | None = None
    developer_fields: list[str] | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def failed(cls, file: str | None, status: str, error: str | None) -> RunResult:
        """A file that was skipped (not a run) or could not be analysed."""
        return cls(file=file, status=status, error=error)

    def metric(self, key: str) -> float | None:
        return (self.metrics or {}).get(key)

    def judged(self, not_assessed: dict[str, NotAssessed], findings: list[Finding]) -> None:
        """Set what the rules said."""
        self.findings = findings
        self.not_assessed = {k: v.reason for k, v in not_assessed.items()}
        self.hints = {k: v.hint for k, v in not_assessed.items() if v.hint}

    def to_json(self, hint: Callable[[str, str], str] | None = None) -> dict[str, Any]:
        """The JSON object; ``hint(reason, code)`` words the not-assessed reasons that carry one."""
        out: dict[str, Any] = {}
        for key in BASE_KEYS + ANALYSED_KEYS:
            value = getattr(self, key)
            if key == "drift" and value is not None:
                value = {k: as_dict(d) for k, d in value.items()}
            elif key == "channels" and value is not None:
                value = {k: as_dict(s) for k, s in value.items()}
            elif key == "findings":
                value = [f.to_json() for f in value]
            elif key == "not_assessed" and hint is not None:
                value = {k: hint(r, self.hints[k]) if k in self.hints else r for k, r in value.items()}
            out[key] = value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResult:
        """The inverse of :meth:`to_json` (unknown keys are ignored)."""
        kw = {k: data[k] for k in BASE_KEYS + ANALYSED_KEYS if k in data}
        if kw.get("drift") is not None:
            kw["drift"] = {k: Drift(**d) for k, d in kw["drift"].items()}
        if kw.get("channels") is not None:
            kw["channels"] = {k: ChannelStats(**s) for k, s in kw["channels"].items()}
        kw["findings"] = [Finding.from_json(f) for f in kw.get("findings") or []]
        for key in ("sensors", "flags", "warnings"):
            kw[key] = list(kw.get(key) or [])
        kw["not_assessed"] = dict(kw.get("not_assessed") or {})
        return cls(**kw)

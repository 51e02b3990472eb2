"""Exporters: where analysed runs go besides the terminal (the Strava note is one).

An :class:`Exporter` is registered through the ``register_exporters`` hook; ``fitglute sync``
runs every enabled one after importing new files, each with its own state in the store
(``exporter_state`` rows under its name). ``[exporters.<name>] enabled = false`` in the config
turns one off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fitglute.model.exitcodes import ExitCode


@dataclass
class Outcome:
    """What happened to one target of an exporter (a Strava activity)."""

    activity_id: int
    name: str
    start: str
    status: str  # posted | unchanged | would-post | not-posted | no-fit | ambiguous | failed | removed
    detail: str = ""
    sha256: str | None = None
    retry: bool = False  # the write failed in a way the next sync should retry (kept pending)

    @property
    def problem(self) -> bool:
        return self.status in ("failed", "ambiguous")


@dataclass
class ExportReport:
    """What the exporters did; ``exit_code`` is what cron sees."""

    outcomes: list[Outcome] = field(default_factory=list)
    deferred_until: datetime | None = None
    deferred_reason: str = ""
    auth_error: str | None = None
    auth_hint: str | None = None  # the runner's next step (a fitglute.model.hints code)
    previews: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # worth telling the runner, not problems

    def failed(self) -> bool:
        return any(o.problem for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        if self.auth_error:
            return ExitCode.AUTH
        if self.deferred_until is not None:
            return ExitCode.DEFERRED
        if self.failed():
            return ExitCode.SOME_FAILED
        return ExitCode.OK

    def problems(self, hint: Callable[[str, str | None], str] | None = None) -> list[str]:
        """One line per problem (what ``--quiet`` prints); ``hint`` words the runner's next step."""
        lines = [f"activity {o.activity_id} ({o.start}): {o.status}: {o.detail}" for o in self.outcomes if o.problem]
        if self.auth_error:
            lines.append(hint(self.auth_error, self.auth_hint) if hint else self.auth_error)
        if self.deferred_until is not None:
            lines.append(f"{self.deferred_reason}; resumes after {self.deferred_until:%Y-%m-%d %H:%M} UTC")
        return lines


@dataclass
class ExportJob:
    """One exporter run: the store, the window of runs to look at, and what not to do."""

    store: Any
    since: datetime
    now: datetime
    report: ExportReport
    dry_run: bool = False
    no_post: bool = False
    force: bool = False
    recheck: bool = False  # look at every target again, even those whose output is current


@dataclass(frozen=True)
class Exporter:
    """Sends analysed runs somewhere; ``run(job)`` records what it did in ``job.report``."""

    name: str
    run: Callable[[ExportJob], None]
    description: str = ""


def enabled(exporters: dict[str, Exporter], cfg: dict[str, Any]) -> list[Exporter]:
    """The exporters the config does not turn off (``[exporters.<name>] enabled = false``)."""
    from fitglute.config import ConfigError

    tables = cfg.get("exporters", {})
    if not isinstance(tables, dict):
        raise ConfigError("[exporters] in the config file must be a table")
    for name, table in tables.items():
        if name not in exporters:
            raise ConfigError(f"[exporters.{name}]: unknown exporter (known: {', '.join(sorted(exporters))})")
        if not isinstance(table, dict) or not isinstance(table.get("enabled", True), bool):
            raise ConfigError(f"[exporters.{name}]: enabled must be true or false")
    return [e for name, e in exporters.items() if (tables.get(name) or {}).get("enabled", True)]

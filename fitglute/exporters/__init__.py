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

Hint = Callable[..., str]  # (reason, hint code, **fields) -> the reason with the next step worded


#: statuses that are problems: reported on every sync, and the sync exits 1
PROBLEMS = ("failed", "ambiguous")


@dataclass
class Outcome:
    """What happened to one target of an exporter (a Strava activity).

    ``status``: posted | removed | unchanged | would-post | not-posted | no-fit | manual | ambiguous
    | failed | gone | left-alone | opted-out | too-long | refused. A ``notice`` is told once (the
    sync that found it) without failing the sync; ``hint`` is the runner's next step as a
    :mod:`fitglute.model.hints` code (the command line words it, with the activity id).
    """

    activity_id: int
    name: str
    start: str
    status: str
    detail: str = ""
    sha256: str | None = None
    retry: bool = False  # the write failed in a way the next sync should retry (kept pending)
    notice: bool = False
    hint: str | None = None

    @property
    def problem(self) -> bool:
        return self.status in PROBLEMS

    @property
    def reported(self) -> bool:
        """Worth a line even under ``--quiet``."""
        return self.problem or self.notice


@dataclass
class ExportReport:
    """What the exporters did; ``exit_code`` is what cron sees."""

    outcomes: list[Outcome] = field(default_factory=list)
    deferred_until: datetime | None = None  # Strava must not be called before this (rate limit, outage)
    deferred_reason: str = ""
    stopped: str | None = None  # why this run stopped early although the next may go on at once
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
        if self.deferred_until is not None or self.stopped:
            return ExitCode.DEFERRED
        if self.failed():
            return ExitCode.SOME_FAILED
        return ExitCode.OK

    def problems(self, hint: Hint | None = None) -> list[str]:
        """One line per problem or notice (what ``--quiet`` prints); ``hint`` words the next step."""

        def worded(reason: str, code: str | None, **fields: Any) -> str:
            return hint(reason, code, **fields) if hint else reason

        lines = [
            f"activity {o.activity_id} ({o.start}): {o.status}: {worded(o.detail, o.hint, activity=o.activity_id)}"
            for o in self.outcomes
            if o.reported
        ]
        if self.auth_error:
            lines.append(worded(self.auth_error, self.auth_hint))
        if self.deferred_until is not None:
            lines.append(f"{self.deferred_reason}; resumes after {self.deferred_until:%Y-%m-%d %H:%M} UTC")
        if self.stopped:
            lines.append(f"{self.stopped}; the next run goes on where this one stopped")
        return lines


@dataclass
class ExportJob:
    """One exporter run: the store, the window of runs to look at, and what not to do.

    ``force`` names the targets (activity ids) to rewrite even when unchanged or left alone;
    ``force_all`` does that for every target. ``deadline`` (a :class:`fitglute.strava.Deadline`)
    bounds the whole run.
    """

    store: Any
    since: datetime
    now: datetime
    report: ExportReport
    dry_run: bool = False
    no_post: bool = False
    force: frozenset[int] = frozenset()
    force_all: bool = False
    deadline: Any = None
    recheck: bool = False  # look at every target again, even those whose output is current

    def forced(self, target: int) -> bool:
        return self.force_all or target in self.force


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

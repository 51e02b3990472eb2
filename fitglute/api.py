"""The stable surface for plugins: import from here, and only from here.

Everything a sensor, rule, source or exporter plugin needs is named below; the modules behind it
may move between releases, these names do not (docs/plugins.md shows each in use). Names are
imported on first use, so ``from fitglute.api import hookimpl`` at the top of a plugin costs
nothing at start-up (every ``fitglute`` command imports every plugin).
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE: dict[str, str] = {
    "block_bootstrap_mean": "fitglute.dynamics",
    "CapacityTest": "fitglute.model.capacity",
    "ChannelMapper": "fitglute.sensors",
    "ChannelSpec": "fitglute.model.channels",
    "ChannelStats": "fitglute.dynamics",
    "check_base_url": "fitglute.config",
    "confidence_word": "fitglute.rules.confidence",
    "config_dir": "fitglute.config",
    "ConfigError": "fitglute.config",
    "CONNECT_GARMIN": "fitglute.model.hints",
    "CORE_CHANNELS": "fitglute.model.channels",
    "data_quality": "fitglute.rules.confidence",
    "describe_channel": "fitglute.dynamics",
    "DevField": "fitglute.model.run",
    "Drift": "fitglute.dynamics",
    "Evidence": "fitglute.rules.engine",
    "ExitCode": "fitglute.model.exitcodes",
    "Exporter": "fitglute.exporters",
    "ExportJob": "fitglute.exporters",
    "ExportReport": "fitglute.exporters",
    "Finding": "fitglute.model.finding",
    "Found": "fitglute.sources",
    "Frame": "fitglute.dynamics",
    "GRADE_WEIGHT": "fitglute.rules.confidence",
    "History": "fitglute.model.history",
    "hookimpl": "fitglute.hookspecs",
    "Injury": "fitglute.model.history",
    "Interval": "fitglute.dynamics",
    "Item": "fitglute.sources",
    "ItemFailed": "fitglute.sources",
    "Listing": "fitglute.sources",
    "load_section": "fitglute.config",
    "median": "fitglute.dynamics",
    "MIN_CLEAN": "fitglute.rules.common",
    "NotAssessed": "fitglute.model.finding",
    "Outcome": "fitglute.exporters",
    "Prompter": "fitglute.sources",
    "PullContext": "fitglute.sources",
    "Puller": "fitglute.sources",
    "quality": "fitglute.rules.confidence",
    "Rule": "fitglute.rules.engine",
    "RuleContext": "fitglute.rules.engine",
    "Run": "fitglute.model.run",
    "RunMetrics": "fitglute.dynamics",
    "RunResult": "fitglute.model.result",
    "RunSummary": "fitglute.model.history",
    "Sensor": "fitglute.model.run",
    "Symptom": "fitglute.model.history",
    "Source": "fitglute.sources",
    "SourceAuthNeeded": "fitglute.sources",
    "SourceDeferred": "fitglute.sources",
    "SourceError": "fitglute.sources",
    "SourceUnavailable": "fitglute.sources",
    "STAGE_COMPOSITE": "fitglute.rules.engine",
    "STAGE_HISTORY": "fitglute.rules.engine",
    "STAGE_RUN": "fitglute.rules.engine",
    "strength": "fitglute.rules.confidence",
    "Threshold": "fitglute.rules.engine",
    "too_little_data": "fitglute.rules.common",
    "uneven_pace_reason": "fitglute.rules.common",
    "write_private": "fitglute.config",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'fitglute.api' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__

"""The runner's next step in command-line words, for the hint codes library messages carry."""

from __future__ import annotations

from fitglute.model import hints

#: how each hint is worded after a reason ({reason} is the library's own words)
TEMPLATES = {
    hints.IMPORT_HISTORY: "{reason}: import earlier runs with fitglute import",
    hints.LOG_INJURY: "{reason} (fitglute injury add)",
    hints.LOG_TEST: "{reason} (fitglute test protocols, then fitglute test add)",
    hints.LOG_SYMPTOM: "{reason} (fitglute pain add)",
    hints.CONNECT_STRAVA: "{reason}: run `fitglute auth strava`",
    hints.REWRITE_NOTE: "{reason} (fitglute sync --force {activity} to rewrite)",
    hints.CONNECT_INTERVALS: "{reason}: run `fitglute sources add --intervals`",
    hints.CONNECT_GARMIN: "{reason}: run `fitglute auth garmin`",
}


def with_hint(reason: str, hint: str | None, **fields: object) -> str:
    """``reason`` followed by the command that helps; a closing full stop stays at the end.

    ``fields`` fill a template's other blanks (``activity`` for :data:`hints.REWRITE_NOTE`); a hint
    whose blanks are not all given is left out rather than printed half-worded.
    """
    template = TEMPLATES.get(hint or "")
    if template is None:
        return reason
    stop = "." if reason.endswith(".") else ""
    try:
        return template.format(reason=reason.removesuffix("."), **fields) + stop
    except KeyError:
        return reason

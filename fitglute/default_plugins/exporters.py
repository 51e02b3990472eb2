"""The Strava note: one fitglute block in each matched activity's description."""

from fitglute.hookspecs import hookimpl


@hookimpl
def register_exporters(register):
    from fitglute.exporters.strava import STRAVA_NOTE

    register(STRAVA_NOTE)

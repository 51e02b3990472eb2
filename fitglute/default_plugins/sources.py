"""Where FIT files come from out of the box: files and folders, Strava bulk exports (found), and
intervals.icu and a plugged-in watch (pulled)."""

from fitglute.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from fitglute.sources.files import FOLDERS
    from fitglute.sources.intervals import INTERVALS
    from fitglute.sources.strava_export import STRAVA_EXPORT
    from fitglute.sources.watch import WATCH

    register(FOLDERS)
    register(STRAVA_EXPORT)
    register(INTERVALS)
    register(WATCH)

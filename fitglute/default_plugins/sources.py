"""Where FIT files come from out of the box: files and folders, and Strava bulk exports."""

from fitglute.hookspecs import hookimpl


@hookimpl
def register_sources(register):
    from fitglute.sources.files import FOLDERS
    from fitglute.sources.strava_export import STRAVA_EXPORT

    register(FOLDERS)
    register(STRAVA_EXPORT)

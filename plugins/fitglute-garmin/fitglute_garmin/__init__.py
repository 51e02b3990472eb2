"""fitglute-garmin: Garmin Connect as a source of new runs' original FIT files.

Garmin Connect has no public API for this; ``garminconnect`` (MIT) speaks the one Garmin's own
apps use. So: log in once, interactively (``fitglute auth garmin``: email, password, MFA code);
garminconnect's tokens are stored 0600 and refresh themselves. A pull (cron) only ever loads
those tokens — it is never given a password, so it cannot log in with one, and an expired login
is exit 4 with one line. At most one request per second; a 429 defers the source.

Module level imports nothing heavy: every ``fitglute`` command imports every plugin.
"""

from __future__ import annotations

from fitglute.api import hookimpl

__version__ = "0.1.0"


@hookimpl
def register_sources(register):
    from fitglute_garmin.source import GARMIN

    register(GARMIN)


@hookimpl
def register_commands(cli):
    from fitglute_garmin.command import auth_garmin, auth_group

    auth_group(cli).command("garmin")(auth_garmin)

"""Sub-command groups of the fitglute CLI (each module exposes a ``typer.Typer`` named ``app``)."""

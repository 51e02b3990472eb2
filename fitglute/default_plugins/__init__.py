"""fitglute's own features, registered through the same hooks third-party plugins use.

Each module here is one plugin; :func:`fitglute.plugins.manager` registers them (in this order)
before any installed plugin. Running with ``FITGLUTE_PLUGINS=0`` leaves exactly these.
"""

MODULES = ("channels", "rules", "sources", "exporters", "commands")

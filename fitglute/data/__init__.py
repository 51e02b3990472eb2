"""Bundled sample data: ``demo_run.fit``, synthetic (regenerate: ``python -m fitglute.data.make_demo``)."""

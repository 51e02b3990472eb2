"""fitglute's development kit: generated runs with known truth (:mod:`.synth`), the plugin test
kit (:mod:`.testing`) and the demo-file generator (:mod:`.make_demo`).

Installed by fitglute's ``dev`` extra; never part of ``pip install fitglute``.
"""

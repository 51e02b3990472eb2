"""The shared vocabulary every part speaks: channels, the decoded run, the analysis result.

Nothing here does I/O or interpretation; decoding, statistics, rules, history, rendering and the
exporters all import from here and from nowhere sideways, which is what keeps the parts apart.
"""

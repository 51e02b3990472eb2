"""Rendering for people: the rich terminal report of runs, and the trend plots.

Everything here reads results and data dicts handed to it; it opens no file, database or network.
"""

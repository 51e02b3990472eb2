"""Self-contained HTML pages: one run, the history, a printable one-pager for a physiotherapist.

Pure rendering like the terminal report: everything is handed in (a result and its series, the
history data dicts); nothing here opens a file, a database or the network. Imported only by
``fitglute report``, never on ``analyze``'s path.
"""

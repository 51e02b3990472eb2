"""The runner's history: the SQLite store, its migrations, the importer, re-judging and trends.

One database per runner (``config.db_path()``, ``--db`` for another). Readers never create or
migrate it; only the parent process of a batch writes.
"""

from __future__ import annotations

from pathlib import Path

from fitglute.model.history import History


def load_history(db: Path | str | None = None) -> History | None:
    """The history in ``db`` (default: the data dir's), read-only; None when there is none.

    Never creates or migrates a database: ``analyze`` must not write. A database of another
    schema version is ignored (any writing command, such as an import, migrates it).
    """
    from fitglute import config

    path = Path(db) if db is not None else config.db_path()
    if not path.is_file():
        return None  # before importing the store: no sqlite3 without a history
    from fitglute.history.store import Store, StoreError
    from fitglute.history.windowed import stored_history

    try:
        with Store(path, readonly=True) as store:
            history = stored_history(store)  # runs read by window, as the rules ask
    except StoreError:
        return None
    return None if history.empty else history

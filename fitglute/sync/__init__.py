"""Sync: pull new FIT files from the sources into history, then run every enabled exporter."""

from fitglute.sync.engine import (
    SyncError,
    SyncOptions,
    SyncReport,
    deadline_s,
    lock_path,
    parse_since,
    run_sync,
    setup_log,
)

__all__ = ["SyncError", "SyncOptions", "SyncReport", "deadline_s", "lock_path", "parse_since", "run_sync", "setup_log"]

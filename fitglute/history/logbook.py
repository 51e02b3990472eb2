"""What the runner logs by hand, in the history database: injuries, capacity tests and symptoms.

Why in the same store as the runs: history-aware rules read all of it together (one
:class:`~fitglute.model.history.History` snapshot), and every change marks the runs from its
date on for re-judging in the same transaction, so a test, a symptom or an injury updates the
stored findings of the runs it concerns — never of runs before it.

Values reach here already checked (:mod:`fitglute.history.entries`); the checks below only
guard the table against a caller that skipped them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date
from typing import TYPE_CHECKING

from fitglute.model.capacity import PROTOCOLS, CapacityTest
from fitglute.model.history import INJURY_SIDES, SITES, Injury, Symptom
from fitglute.model.times import now_iso

_TEST_COLUMNS = "id, date, kind, left, right, note"
_SYMPTOM_COLUMNS = "id, date, site, side, during, after, morning, run_sha, note"


def _day_start(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _check_site_side(site: str, side: str) -> None:
    if site not in SITES:
        raise ValueError(f"site must be one of {', '.join(SITES)}")
    if side not in INJURY_SIDES:
        raise ValueError(f"side must be one of {', '.join(INJURY_SIDES)}")


class Logbook:
    """Injury, test and symptom tables of a :class:`~fitglute.history.store.Store` (mixed into it)."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:  # provided by Store

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _mark_rejudge(self, start_iso: str) -> None: ...

    # ------------------------------------------------------------------ injuries

    def add_injury(self, day: date, site: str, side: str, note: str = "") -> Injury:
        _check_site_side(site, side)
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO injuries (date, site, side, note, created) VALUES (?, ?, ?, ?, ?)",
                (day.isoformat(), site, side, note, now_iso()),
            )
            self._mark_rejudge(_day_start(day))
        return Injury(int(cur.lastrowid or 0), day, site, side, note)

    def injuries(self) -> list[Injury]:
        rows = self.conn.execute("SELECT id, date, site, side, note FROM injuries ORDER BY date, id")
        return [Injury(i, date.fromisoformat(d), site, side, note) for i, d, site, side, note in rows]

    def remove_injury(self, injury_id: int) -> Injury | None:
        with self.transaction() as conn:
            row = conn.execute("SELECT id, date, site, side, note FROM injuries WHERE id = ?", (injury_id,)).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM injuries WHERE id = ?", (injury_id,))
            self._mark_rejudge(_day_start(date.fromisoformat(row[1])))
        return Injury(row[0], date.fromisoformat(row[1]), row[2], row[3], row[4])

    # ------------------------------------------------------------------ capacity tests

    def add_test(self, day: date, kind: str, left: float, right: float, note: str = "") -> CapacityTest:
        if kind not in PROTOCOLS:
            raise ValueError(f"test must be one of {', '.join(PROTOCOLS)}")
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO capacity_tests (date, kind, left, right, note, created) VALUES (?, ?, ?, ?, ?, ?)",
                (day.isoformat(), kind, float(left), float(right), note, now_iso()),
            )
            self._mark_rejudge(_day_start(day))
        return CapacityTest(int(cur.lastrowid or 0), day, kind, float(left), float(right), note)

    def tests(self) -> list[CapacityTest]:
        rows = self.conn.execute(f"SELECT {_TEST_COLUMNS} FROM capacity_tests ORDER BY date, id")
        return list(_tests(rows))

    def remove_test(self, test_id: int) -> CapacityTest | None:
        with self.transaction() as conn:
            rows = conn.execute(f"SELECT {_TEST_COLUMNS} FROM capacity_tests WHERE id = ?", (test_id,)).fetchall()
            if not rows:
                return None
            test = next(_tests(rows))
            conn.execute("DELETE FROM capacity_tests WHERE id = ?", (test_id,))
            self._mark_rejudge(_day_start(test.date))
        return test

    # ------------------------------------------------------------------ symptoms

    def add_symptom(
        self,
        day: date,
        site: str,
        side: str,
        scores: dict[str, float | None],
        *,
        run_sha: str | None = None,
        note: str = "",
    ) -> Symptom:
        """``scores``: ``during``/``after``/``morning`` (0–10, None = not given; at least one)."""
        _check_site_side(site, side)
        during, after, morning = (scores.get(k) for k in ("during", "after", "morning"))
        if during is None and after is None and morning is None:
            raise ValueError("a symptom entry needs at least one score")
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO symptoms (date, site, side, during, after, morning, run_sha, note, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (day.isoformat(), site, side, during, after, morning, run_sha, note, now_iso()),
            )
            self._mark_rejudge(_day_start(day))
        return Symptom(int(cur.lastrowid or 0), day, site, side, during, after, morning, run_sha, note)

    def symptoms(self) -> list[Symptom]:
        rows = self.conn.execute(f"SELECT {_SYMPTOM_COLUMNS} FROM symptoms ORDER BY date, id")
        return list(_symptoms(rows))

    def remove_symptom(self, symptom_id: int) -> Symptom | None:
        with self.transaction() as conn:
            rows = conn.execute(f"SELECT {_SYMPTOM_COLUMNS} FROM symptoms WHERE id = ?", (symptom_id,)).fetchall()
            if not rows:
                return None
            entry = next(_symptoms(rows))
            conn.execute("DELETE FROM symptoms WHERE id = ?", (symptom_id,))
            self._mark_rejudge(_day_start(entry.date))
        return entry


def _tests(rows: Iterator[tuple] | list[tuple]) -> Iterator[CapacityTest]:
    for i, d, kind, left, right, note in rows:
        yield CapacityTest(i, date.fromisoformat(d), kind, float(left), float(right), note)


def _symptoms(rows: Iterator[tuple] | list[tuple]) -> Iterator[Symptom]:
    for i, d, site, side, during, after, morning, run_sha, note in rows:
        yield Symptom(i, date.fromisoformat(d), site, side, during, after, morning, run_sha, note)

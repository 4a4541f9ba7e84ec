"""Where finished sweep points live: one SQLite row per point, written the moment the point finishes.

A point is keyed by a hash of its sweep name and its config (canonical JSON), so a rerun of the same sweep finds
what is already there and an edited config is a new point. Only the process that runs the sweep writes (workers
send results back), so the store needs no locking beyond SQLite's own.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["PointRecord", "SweepStore", "canonical_json", "point_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS points (
    key      TEXT PRIMARY KEY,
    sweep    TEXT NOT NULL,
    config   TEXT NOT NULL,
    status   TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    result   TEXT,
    error    TEXT,
    seconds  REAL NOT NULL,
    finished REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS points_sweep ON points (sweep);
"""


def canonical_json(value: Any, *, what: str) -> str:
    """JSON with sorted keys and no NaN/inf: the one spelling of a config or a result.

    Raises
    ------
    InputError
        If ``value`` is not JSON-able or holds NaN or infinity (``what`` names it in the message).
    """
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except ValueError as exc:
        raise InputError(f"{what} = {value!r:.200} holds NaN or infinity ({exc}); a sweep stores JSON, so return "
                         "None or a string for a missing number") from None
    except TypeError as exc:
        raise InputError(f"{what} = {value!r:.200} is not JSON-able ({exc}); use dicts, lists, str, int, float, "
                         "bool and None (convert numpy/mpmath numbers with float() or str())") from None


def point_key(sweep: str, config: dict) -> str:
    """The store key of one point: sha256 of the sweep name and the canonical config."""
    blob = canonical_json({"sweep": sweep, "config": config}, what="config")
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class PointRecord:
    """One stored point: its config, ``'done'`` with a result or ``'failed'`` with an error text."""

    key: str
    sweep: str
    config: dict
    status: str
    result: Any
    error: str | None
    seconds: float


class SweepStore:
    """A SQLite file of finished points (``path=":memory:"`` keeps them in memory only).

    Examples
    --------
    >>> store = SweepStore(":memory:")
    >>> store.put("demo", {"x": 1}, status="done", result={"y": 2}, seconds=0.1)
    >>> store.get("demo", {"x": 1}).result
    {'y': 2}
    >>> store.get("demo", {"x": 2}) is None
    True
    """

    def __init__(self, path: str | Path) -> None:
        if str(path) != ":memory:":
            path = Path(path)
            if path.exists() and path.is_dir():
                example = str(path / "sweeps.sqlite")
                raise InputError(f"store = {str(path)!r} is a directory; pass a file path such as {example!r}")
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path))
        with self._db:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def put(self, sweep: str, config: dict, *, status: str, result: Any = None, error: str | None = None,
            seconds: float = 0.0) -> None:
        """Store one finished point and commit at once (an interrupted sweep loses nothing it finished)."""
        if status not in ("done", "failed"):
            raise InputError(f"status = {status!r} is not a point status; use 'done' or 'failed'")
        if not (isinstance(seconds, float | int) and math.isfinite(seconds)):
            raise InputError(f"seconds = {seconds!r} must be a finite number")
        row = (point_key(sweep, config), sweep, canonical_json(config, what="config"), status,
               None if status == "failed" else canonical_json(result, what="result"), error, float(seconds),
               time.time())
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)

    def get(self, sweep: str, config: dict) -> PointRecord | None:
        """The stored point for ``config`` in ``sweep``, or None."""
        cur = self._db.execute("SELECT * FROM points WHERE key = ?", (point_key(sweep, config),))
        row = cur.fetchone()
        return None if row is None else self._record(row)

    def records(self, sweep: str | None = None) -> Iterator[PointRecord]:
        """Every stored point (of one sweep, if named), in the order they finished."""
        if sweep is None:
            cur = self._db.execute("SELECT * FROM points ORDER BY finished")
        else:
            cur = self._db.execute("SELECT * FROM points WHERE sweep = ? ORDER BY finished", (sweep,))
        for row in cur:
            yield self._record(row)

    def sweeps(self) -> list[str]:
        """Names of the sweeps in this store."""
        return [r[0] for r in self._db.execute("SELECT DISTINCT sweep FROM points ORDER BY sweep")]

    @staticmethod
    def _record(row: tuple) -> PointRecord:
        key, sweep, config, status, result, error, seconds, _finished = row
        return PointRecord(key, sweep, json.loads(config), status, None if result is None else json.loads(result),
                           error, seconds)

"""Verdicts, coverage and mutation points cached in SQLite, so an unchanged rerun is quick.

A verdict is keyed by the mutant's key (stable across unrelated edits), the hash of the
mutated source, and the hash of every test program: change any of them and it is recomputed.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS verdicts(key TEXT PRIMARY KEY, verdict TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS coverage(key TEXT PRIMARY KEY, result TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blobs(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Cache:
    def __init__(self, path: Path | None):
        self.path = path
        self._lock = threading.Lock()
        if path is None:
            self.db = None
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    def _get(self, table: str, column: str, key: str):
        if self.db is None:
            return None
        with self._lock:
            row = self.db.execute(f"SELECT {column} FROM {table} WHERE key=?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def _put(self, table: str, column: str, key: str, value) -> None:
        if self.db is None:
            return
        with self._lock, self.db:
            self.db.execute(f"INSERT OR REPLACE INTO {table}(key, {column}) VALUES(?, ?)",
                            (key, json.dumps(value)))

    def verdict(self, key: str):
        return self._get("verdicts", "verdict", key)

    def put_verdict(self, key: str, value: dict) -> None:
        self._put("verdicts", "verdict", key, value)

    def coverage(self, key: str):
        return self._get("coverage", "result", key)

    def put_coverage(self, key: str, value: dict) -> None:
        self._put("coverage", "result", key, value)

    def blob(self, key: str):
        return self._get("blobs", "value", key)

    def put_blob(self, key: str, value) -> None:
        self._put("blobs", "value", key, value)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()

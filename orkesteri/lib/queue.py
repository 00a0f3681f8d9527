"""huey's SQLite queue, with the durability a queue of wake-ups needs and no more.

huey's SqliteStorage leaves SQLite at `synchronous=FULL`: every enqueue waits for an fsync,
which caps scheduling (a CSV import of 5,000 posts queues 15,000 sends) at a few thousand
tasks a second on a good disk and a few hundred on a busy one. In WAL mode `NORMAL` cannot
corrupt the file; a power cut may lose the last tasks, which the publishing sweeper queues
again (the state lives in the database's rows, DESIGN.md §5).
"""

from __future__ import annotations

import sqlite3

import huey
from huey.storage import SqliteStorage as HueySqliteStorage


class SqliteStorage(HueySqliteStorage):
    def _create_connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


class SqliteHuey(huey.Huey):
    storage_class = SqliteStorage

"""Hand-written SQL for the publishing engine's hot path, on SQLite and PostgreSQL alike.

The ORM compiles an `update()` with expressions for about a millisecond of CPU on a small
machine, as much as a send's own work; the statements a worker runs per delivery or per batch
are written out here instead. Values are adapted the way the ORM adapts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection


def execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run one statement with `%s` placeholders; its rows (RETURNING), else []."""
    with connection.cursor() as cursor:
        cursor.execute(sql, adapted(params))
        return list(cursor.fetchall()) if cursor.description else []


def execute_many(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one statement for each row of parameters (`executemany`)."""
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, [adapted(row) for row in rows])


def adapted(params: Sequence[Any]) -> list[Any]:
    """Datetimes and dates as the ORM passes them to this database (aware datetimes as
    naive UTC on SQLite)."""
    ops = connection.ops
    return [
        ops.adapt_datetimefield_value(v)
        if isinstance(v, datetime)
        else ops.adapt_datefield_value(v)
        if isinstance(v, date)
        else v
        for v in params
    ]


def placeholders(count: int) -> str:
    """`%s, %s, …` for an IN list of `count` values."""
    return ", ".join(["%s"] * count)


def per_row(columns: dict[str, dict[int, Any]]) -> tuple[str, list[Any]]:
    """`a = CASE id WHEN … THEN … ELSE a END, b = …`: each column set per row id, for the
    columns given any values (other rows keep theirs); (sql, params)."""
    assignments: list[str] = []
    params: list[Any] = []
    for column, values in columns.items():
        if values:
            whens = " ".join(["WHEN %s THEN %s"] * len(values))
            assignments.append(f"{column} = CASE id {whens} ELSE {column} END")
            params += [v for pair in values.items() for v in pair]
    return ", ".join(assignments), params


def instant(value: datetime | str) -> datetime:
    """A DateTimeField's value as a cursor gives it: aware on PostgreSQL, UTC text on SQLite."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)

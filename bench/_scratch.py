"""A scratch Orkesteri for a benchmark: its own data directory, database and queue name.

    from _scratch import django_setup, scratch   # bench/ is on sys.path last (see main())

SQLite in the data directory; or, with backend "postgres", a new database on `pg_url`
(dropped afterwards) and the Redis queue at `redis_url` when one is given.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def scratch(
    backend: str, *, pg_url: str, redis_url: str = "", keep: bool = False, **settings: str
) -> Iterator[tuple[dict[str, str], Path]]:
    """(the environment the benchmark's Django and workers run with, the data directory);
    `settings` are more ORKESTERI_* variables."""
    data_dir = Path(tempfile.mkdtemp(prefix="orkesteri-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORKESTERI_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="orkesteri.settings",
        ORKESTERI_DATA_DIR=str(data_dir),
        ORKESTERI_LOG_LEVEL="WARNING",
        ORKESTERI_SECRET_KEY="bench",
        ORKESTERI_QUEUE_NAME=f"bench-{uuid.uuid4().hex[:12]}",
        **settings,
    )
    db_name = ""
    if backend == "postgres":
        db_name = f"orkesteri_bench_{uuid.uuid4().hex[:12]}"
        env["ORKESTERI_DATABASE_URL"] = f"{pg_url.rstrip('/')}/{db_name}"
        if redis_url:
            env["ORKESTERI_REDIS_URL"] = redis_url
        _pg_admin(pg_url, f'CREATE DATABASE "{db_name}"')
    try:
        yield env, data_dir
    finally:
        if db_name:
            _pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        if keep:
            print(f"kept {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def django_setup(env: dict[str, str]) -> None:
    """Django in this process with `env`, the database migrated."""
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _pg_admin(pg_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg_url.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def measured_in_scratch(
    backend: str,
    measure: Callable[[], dict[str, Any]],
    *,
    pg_url: str,
    redis_url: str = "",
    keep: bool = False,
    **settings: str,
) -> dict[str, Any]:
    """`measure()` run in this process with Django set up on a scratch install."""
    with scratch(backend, pg_url=pg_url, redis_url=redis_url, keep=keep, **settings) as (env, _):
        django_setup(env)
        try:
            return measure()
        finally:
            from django.db import connections

            connections.close_all()

"""Where the shared conformance suites live (../shared/conformance) and how a test reacts
when they are missing: skipped on a developer's machine, a failure under CI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NoReturn

import pytest

SHARED = Path(__file__).resolve().parents[4].parent / "shared" / "conformance"


def missing(what: Path) -> NoReturn:
    message = f"conformance data missing: {what}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def json_cases(suite: str, name: str) -> list[Any]:
    """One pytest.param per case of a JSON suite, named by its id; a placeholder if absent."""
    path = SHARED / suite / name
    if not path.exists():
        return [pytest.param(None, id=f"{name}-missing")]
    return [pytest.param(c, id=c["id"]) for c in json.loads(path.read_text(encoding="utf-8"))]


def require(case: dict[str, Any] | None, suite: str) -> dict[str, Any]:
    if case is None:
        missing(SHARED / suite)
    return case

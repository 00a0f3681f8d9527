"""`orkesteri check-text`: the text rules from the command line, one text or a JSONL batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ORKESTERI = [sys.executable, "-m", "orkesteri.cli"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "ORKESTERI_DATA_DIR": str(tmp_path / "data")}


def check(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ORKESTERI, "check-text", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_prints_one_json_object(env: dict[str, str]) -> None:
    r = check(env, "--network", "x", "--json", "Hi @jack, see https://example.com #news $TWTR")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert list(result) == ["network", "length", "limit", "ok", "entities", "problems"]
    assert result["network"] == "x"
    assert (result["length"], result["limit"], result["ok"]) == (49, 280, True)  # the URL counts 23
    assert [(e["type"], e["value"], e["start"], e["end"]) for e in result["entities"]] == [
        ("mention", "jack", 3, 8),
        ("url", "https://example.com", 14, 33),
        ("hashtag", "news", 34, 39),
        ("cashtag", "TWTR", 40, 45),
    ]


def test_it_reads_stdin_and_fails_when_too_long(env: dict[str, str]) -> None:
    r = check(env, "--network", "bluesky", "--json", "-", stdin="🙂" * 301)
    assert r.returncode == 1
    result = json.loads(r.stdout)
    assert (result["length"], result["limit"], result["ok"]) == (301, 300, False)
    assert result["problems"] == ["The text is 301 long; the most is 300."]


def test_it_prints_a_readable_summary_without_json(env: dict[str, str]) -> None:
    r = check(env, "--network", "mastodon", "Visit https://example.com/a/very/long/path")
    assert r.returncode == 0
    assert r.stdout.splitlines()[0] == "mastodon: 29 / 500 — fits"
    assert "url 'https://example.com/a/very/long/path'" in r.stdout


def test_a_batch_starts_once_and_answers_line_by_line(env: dict[str, str]) -> None:
    lines = [
        {"network": "x", "text": "a" * 281},
        {"network": "telegram", "text": "Hello #world"},
        "not json",
        {"network": "myspace", "text": "x"},
        {"network": "threads", "text": " ".join(f"https://e{n}.com" for n in range(6))},
        {"network": "instagram", "text": " ".join(f"#t{n}" for n in range(31))},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    r = check(env, "--batch", stdin=stdin + "\n")
    assert r.returncode == 1
    results = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(results) == 6
    assert results[0]["ok"] is False and results[0]["length"] == 281
    assert results[1]["ok"] is True and results[1]["entities"][0]["value"] == "world"
    assert results[2] == {"line": 3, "ok": False, "error": results[2]["error"]}
    assert results[2]["error"].startswith("not JSON")
    assert "network must be one of" in results[3]["error"]
    assert results[4]["problems"] == ["Links: 6; the most is 5."]
    assert results[5]["problems"] == ["Hashtags: 31; the most is 30."]


@pytest.mark.parametrize(
    ("network", "limit"),
    [
        ("x", 280),
        ("bluesky", 300),
        ("mastodon", 500),
        ("telegram", 4096),
        ("threads", 500),
        ("linkedin", 3000),
        ("instagram", 2200),
        ("feed", 10_000),
    ],
)
def test_every_network_has_its_limit(network: str, limit: int) -> None:
    from orkesteri.networks.registry import text_rules

    assert text_rules(network).limit == limit


def test_it_explains_missing_arguments(env: dict[str, str]) -> None:
    r = check(env, "hello")
    assert r.returncode != 0
    assert "--network" in r.stderr
    r = check(env, "--network", "x")
    assert "TEXT" in r.stderr
    r = check(env, "--network", "orkut", "hi")
    assert "invalid choice: 'orkut'" in r.stderr

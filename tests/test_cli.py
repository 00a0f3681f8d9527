"""`orkesteri` as a user runs it: separate processes, a fresh data directory, real signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ORKESTERI = [sys.executable, "-m", "orkesteri.cli"]
STOP_LIMIT_S = 10  # the promise: Ctrl-C or SIGTERM stops everything within 10 s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user's shell: not under pytest, own data dir and queue name."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "PYTEST_VERSION",
            "ORKESTERI_TEST_DATABASE_URL",
            "ORKESTERI_DATABASE_URL",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(
        ORKESTERI_DATA_DIR=str(tmp_path / "data"),
        ORKESTERI_QUEUE_NAME=f"cli-test-{uuid.uuid4().hex[:8]}",
        ORKESTERI_ADMIN_EMAIL="owner@example.com",
        ORKESTERI_ADMIN_PASSWORD="a long owner password",
        ORKESTERI_EMAIL_BACKEND="file",
        ORKESTERI_EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ORKESTERI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_until(check: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


@pytest.fixture
def up(user_env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    proc = subprocess.Popen(
        [*ORKESTERI, "up", "--port", str(port)],
        env=user_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def worker_running(port: int) -> bool:
    status, body = get(f"http://127.0.0.1:{port}/healthz")
    return status == 200 and json.loads(body)["queue"]["worker"] == "running"


def test_up_serves_the_product_and_stops_on_sigterm(
    up: tuple[subprocess.Popen[str], int], user_env: dict[str, str]
) -> None:
    proc, port = up
    assert wait_until(lambda: worker_running(port), 120), "web + worker did not come up"
    status, page = get(f"http://127.0.0.1:{port}/login/")
    assert status == 200 and b"Sign in" in page
    status, _ = get(f"http://127.0.0.1:{port}/static/orkesteri/app.css")
    assert status == 200
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=STOP_LIMIT_S)
    output = proc.stdout.read() if proc.stdout else ""
    assert "Created the owner account owner@example.com" in output
    assert "Loaded the demo workspace" in output
    with pytest.raises(OSError):
        get(f"http://127.0.0.1:{port}/healthz")  # no orphaned web server left behind
    again = run(user_env, "demo")
    assert "already there" in again.stdout, "the demo is loaded once"


def test_up_stops_on_ctrl_c(user_env: dict[str, str]) -> None:
    port = free_port()
    # A terminal's Ctrl-C sends SIGINT to the whole foreground process group.
    proc = subprocess.Popen(
        [*ORKESTERI, "up", "--no-demo", "--port", str(port)],
        env=user_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert wait_until(lambda: worker_running(port), 120)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=STOP_LIMIT_S)
        output = proc.stdout.read() if proc.stdout else ""
        assert "demo workspace" not in output
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_queued_work_survives_a_restart(user_env: dict[str, str], tmp_path: Path) -> None:
    assert run(user_env, "migrate").returncode == 0
    queued = run(
        user_env,
        "shell",
        "-c",
        "from orkesteri.accounts.tasks import send_email; "
        "send_email('later@example.com', 'Sent after a restart', 'Hello')",
    )
    assert queued.returncode == 0, queued.stderr
    mail_dir = tmp_path / "mail"
    assert not mail_dir.exists() or not any(mail_dir.iterdir()), "nothing ran it yet"
    worker = subprocess.Popen(
        [*ORKESTERI, "worker"], env=user_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_until(lambda: mail_dir.exists() and any(mail_dir.iterdir()), 60)
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=STOP_LIMIT_S)
    sent = next(mail_dir.iterdir()).read_text()
    assert "Sent after a restart" in sent and "later@example.com" in sent


def test_api_token_prints_the_token_last(user_env: dict[str, str]) -> None:
    assert run(user_env, "migrate").returncode == 0
    assert run(user_env, "createowner").returncode == 0
    result = run(user_env, "api-token", "owner@example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("ork_")
    missing = run(user_env, "api-token", "nobody@example.com")
    assert missing.returncode != 0
    assert "No active user" in missing.stderr


def test_the_secret_key_is_made_once_and_kept(user_env: dict[str, str], tmp_path: Path) -> None:
    assert run(user_env, "check").returncode == 0
    key_file = tmp_path / "data" / "secret_key"
    first = key_file.read_text()
    assert len(first) > 40
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert run(user_env, "check").returncode == 0
    assert key_file.read_text() == first


def test_a_bad_setting_is_named_without_a_traceback(user_env: dict[str, str]) -> None:
    result = run({**user_env, "ORKESTERI_SMTP_PORT": "five"}, "check")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "orkesteri: ORKESTERI_SMTP_PORT must be a whole number, not 'five'."
    )


def test_up_refuses_a_busy_port(user_env: dict[str, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(user_env, "up", "--no-demo", "--port", str(port))
    assert result.returncode == 1
    assert f"127.0.0.1:{port} is in use" in result.stderr


def test_children_do_not_outlive_a_killed_supervisor(
    up: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = up
    assert wait_until(lambda: worker_running(port), 120)
    proc.kill()  # SIGKILL: no chance to stop its children itself
    proc.wait()
    assert wait_until(lambda: not port_open(port), STOP_LIMIT_S), "web server left running"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0

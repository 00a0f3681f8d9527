"""Orkesteri, the self-hosted social media marketing workbench: the `orkesteri` command.

`up` prepares everything and supervises the web server and the worker; `web` and `worker`
run one of them; every other command is a Django management command (`orkesteri migrate`,
`orkesteri createowner`, `orkesteri api-token EMAIL`, `orkesteri shell`, ...).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType

PR_SET_PDEATHSIG = 1  # linux/prctl.h
STOP_GRACE_S = 8.0  # SIGTERM to children, then SIGKILL: everything is gone within 10 s
RESTART_LIMIT = 5  # crashes of one child within RESTART_WINDOW_S before `up` gives up
RESTART_WINDOW_S = 60.0


def django_setup() -> None:
    from orkesteri import settings

    settings.activate()
    import django

    django.setup()


def manage(argv: Sequence[str]) -> int:
    django_setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["orkesteri", *argv])
    return 0


def base_url(host: str, port: int) -> str:
    from orkesteri import settings

    shown = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    return settings.env("ORKESTERI_BASE_URL") or f"http://{shown}:{port}"


def web(host: str, port: int) -> int:
    """Become gunicorn: WEB_WORKERS processes with WEB_THREADS threads each."""
    from orkesteri import settings

    django_setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    argv = [
        sys.executable, "-m", "gunicorn", "orkesteri.wsgi:application",
        "--bind", f"{host}:{port}",
        "--workers", str(settings.WEB_WORKERS),
        "--threads", str(settings.WEB_THREADS),
        "--worker-class", "gthread",
        "--graceful-timeout", "5",
        "--timeout", "60",
        *(["--access-logfile", "-"] if settings.ACCESS_LOG else []),
        "--log-level", "warning",
    ]  # fmt: skip
    os.execve(sys.executable, argv, settings.child_env(ORKESTERI_BASE_URL=base_url(host, port)))


def worker() -> int:
    from django.conf import settings

    django_setup()
    from django.core.management import call_command

    # An idle thread looks at the queue at least once a second (huey's default backs off to
    # 10 s): on the SQLite queue, which is polled, "Publish now" waited up to 10 s to start.
    call_command("run_huey", workers=settings.WORKER_THREADS, worker_type="thread", max_delay=1.0)
    return 0


def prepare(demo: bool) -> None:
    """Migrate, create the first owner and the demo workspace with its generated history
    (`orkesteri demo`: six demo channels, half a year of figures, about a second)."""
    from orkesteri import settings

    django_setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createowner", if_none=True)
    # Once per installation: a user who deleted the demo workspace does not get it back.
    marker = settings.DATA_DIR / "demo-loaded"
    if demo and not marker.exists():
        call_command("demo")
        marker.touch()


def die_with_parent() -> None:
    """In the child: if `up` itself is killed (SIGKILL, OOM), take the child down too."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: children may outlive a killed supervisor
        pass


def port_answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


class Supervisor:
    """Runs the web server and the worker; restarts a crashed one; stops both on a signal."""

    def __init__(
        self,
        commands: dict[str, list[str]],
        env: dict[str, str],
        ready: Callable[[], bool] = lambda: True,
        ready_message: str = "",
    ) -> None:
        self.commands = commands
        self.env = env
        self.ready = ready
        self.ready_message = ready_message
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.crashes: dict[str, list[float]] = {name: [] for name in commands}
        self.stopping = False

    def start(self, name: str) -> None:
        self.children[name] = subprocess.Popen(
            self.commands[name], env=self.env, preexec_fn=die_with_parent
        )

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        for name in self.commands:
            self.start(name)
        code = 0
        announced = False
        while not self.stopping:
            time.sleep(0.2)
            if not announced and self.ready():
                print(self.ready_message, flush=True)
                announced = True
            for name, child in list(self.children.items()):
                if child.poll() is None or self.stopping:
                    continue
                now = time.monotonic()
                recent = [t for t in self.crashes[name] if now - t < RESTART_WINDOW_S] + [now]
                self.crashes[name] = recent
                if len(recent) > RESTART_LIMIT:
                    print(f"orkesteri: {name} keeps exiting; stopping.", file=sys.stderr)
                    self.stopping, code = True, 1
                    break
                print(
                    f"orkesteri: {name} exited ({child.returncode}); restarting.", file=sys.stderr
                )
                self.start(name)
        self.stop()
        return code

    def stop(self) -> None:
        for name, child in self.children.items():
            if child.poll() is None:
                # SIGINT lets the worker finish the tasks it is running (SIGTERM would drop
                # them); gunicorn treats either as a quick stop.
                child.send_signal(signal.SIGINT if name == "worker" else signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def up(host: str, port: int, demo: bool) -> int:
    from orkesteri import settings

    me = [sys.executable, "-m", "orkesteri.cli"]
    url = base_url(host, port)
    env = settings.child_env(ORKESTERI_BASE_URL=url)
    # Preparing in a child keeps Django out of the supervisor's memory.
    prepare_argv = [*me, "prepare", *([] if demo else ["--no-demo"])]
    prepared = subprocess.run(prepare_argv, env=env, check=False)
    if prepared.returncode != 0:
        return prepared.returncode
    if not port_is_free(host, port):
        print(f"orkesteri: {host}:{port} is in use; choose another with --port.", file=sys.stderr)
        return 1
    return Supervisor(
        {"web": [*me, "web", "--host", host, "--port", str(port)], "worker": [*me, "worker"]},
        env,
        ready=lambda: port_answers("127.0.0.1" if host in {"0.0.0.0", "::"} else host, port),
        ready_message=f"Orkesteri is running on {url}  (Ctrl-C stops it)",
    ).run()


def main(argv: Sequence[str] | None = None) -> int:
    from django.core.exceptions import ImproperlyConfigured

    try:
        return run(list(sys.argv[1:] if argv is None else argv))
    except ImproperlyConfigured as e:  # a bad setting: say which, without a traceback
        print(f"orkesteri: {e}", file=sys.stderr)
        return 2


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="orkesteri", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    p_up = sub.add_parser("up", help="set up and run web server + worker")
    p_up.add_argument("--host", default="127.0.0.1")
    p_up.add_argument("--port", type=int, default=8000)
    p_up.add_argument("--no-demo", action="store_true", help="do not load the demo workspace")
    p_web = sub.add_parser("web", help="run the web server only")
    p_web.add_argument("--host", default="127.0.0.1")
    p_web.add_argument("--port", type=int, default=8000)
    sub.add_parser("worker", help="run the background worker only")
    p_prepare = sub.add_parser("prepare", help="migrate, create the first owner, load the demo")
    p_prepare.add_argument("--no-demo", action="store_true")
    if not argv or argv[0] not in {"up", "web", "worker", "prepare", "-h", "--help"}:
        if not argv:
            parser.print_help()
            print(
                "\nOther commands: migrate, demo [--history 180d --channels 12], createowner,"
                " api-token EMAIL,"
                " check-text --network NAME TEXT, rotate-key, shell, …"
            )
            return 0
        return manage([argv[0].replace("-", "_"), *argv[1:]])
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(args.host, args.port, demo=not args.no_demo)
    if args.command == "web":
        return web(args.host, args.port)
    if args.command == "prepare":
        prepare(demo=not args.no_demo)
        return 0
    return worker()


if __name__ == "__main__":
    sys.exit(main())

"""`make run`'s supervisor: the web server, a Celery worker and Celery beat, three processes, one Ctrl-C.

    python -m devtools.run            # HOST and PORT from the environment (127.0.0.1, 8000)

Without REDIS_URL the worker and beat meet the web process on the embedded broker (kombu's filesystem
transport, config/settings/local.py); with it, on Redis. Each child runs in its own session, so a Ctrl-C
in the terminal reaches only this supervisor, which passes SIGTERM on once to every child's process group
(a warm shutdown for Celery) and kills what is still running after STOP_SECONDS. When one child dies,
the others are stopped too and the exit status says so: nothing keeps running half-started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

STOP_SECONDS = 15


def commands(*, host: str, port: int, state_dir: str) -> dict[str, list[str]]:
    python = sys.executable
    concurrency = os.environ.get("CELERY_CONCURRENCY", "1")
    return {
        "web": [python, "manage.py", "runserver", f"{host}:{port}"],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "celery,email",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            f"--schedule={os.path.join(state_dir, 'beat-schedule')}",
        ],
    }


def _stop(children: dict[str, subprocess.Popen]) -> None:
    for name, child in children.items():
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                # runserver's autoreloader serves from a child process: stop the group. Celery's main process
                # shuts its own pool down (warm shutdown), so only it is told.
                (os.killpg if name == "web" else os.kill)(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.conf import settings

    host, port = getattr(settings, "HOST", "127.0.0.1"), getattr(settings, "PORT", 8000)
    state_dir = str(getattr(settings, "DEV_STATE_DIR", settings.BASE_DIR / ".dev"))
    os.makedirs(state_dir, exist_ok=True)
    broker = "Redis at " + settings.REDIS_URL if settings.REDIS_AVAILABLE else f"the embedded broker in {state_dir}"
    print(f"Starting the web server, a Celery worker and beat on {broker}. Ctrl-C stops all three.", flush=True)

    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    children = {
        name: subprocess.Popen(command, cwd=settings.BASE_DIR, start_new_session=True)  # noqa: S603
        for name, command in commands(host=host, port=port, state_dir=state_dir).items()
    }
    print(f"Log in at {settings.SITE_URL}/accounts/login/ · outbox: {settings.SITE_URL}/dev/outbox/", flush=True)
    status = 0
    while not stopping:
        ended = {name: child.returncode for name, child in children.items() if child.poll() is not None}
        if ended:
            print(f"Stopping everything: {', '.join(f'{n} exited with {c}' for n, c in ended.items())}.", flush=True)
            status = 1
            break
        time.sleep(0.2)
    _stop(children)
    return status


if __name__ == "__main__":
    sys.exit(main())

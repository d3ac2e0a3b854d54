"""Local processes for the tests that run the stack as `make run` does: free ports, the local environment,
the process tree (read from /proc, Linux) and cleaning it up."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_env(tmp_path: Path, port: int) -> dict[str, str]:
    """config.settings.local on the embedded broker, everything it writes under tmp_path."""
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DEV_STATE_DIR=str(tmp_path / "state"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DEMO_STRIPE_STATE_FILE=str(tmp_path / "stripe-state.json"),
        HOST="127.0.0.1",
        PORT=str(port),
        SITE_URL=f"http://127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )
    return env


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (read from /proc, Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, unvisited = set(), [pid]
    while unvisited:  # depth-first over the parent -> children map
        for child in children.get(unvisited.pop(), []):
            if child not in found:
                found.add(child)
                unvisited.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:  # 503 while the worker has not beaten yet: still an answer
        return json.loads(error.read())
    except (OSError, ValueError):
        return None


def wait_for(condition, *, timeout: float, what: str, process: subprocess.Popen):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process.poll() is not None:
            pytest.fail(f"the supervisor exited with {process.returncode} before {what}")
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def kill_all(pids: set[int]) -> None:
    for pid in pids:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def start(command: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    """A child in its own session (as devtools/run.py starts them), so its whole group can be stopped."""
    return subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_groups(processes: list[subprocess.Popen]) -> None:
    """Every process group started by start(): SIGTERM, then SIGKILL what is left after a few seconds."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

"""`make run`'s supervisor (devtools/run.py) as a newcomer starts it: web, worker and beat, one Ctrl-C stops all.

The supervisor runs as a real subprocess on a free port with its own state folder (broker, cache, beat
schedule) and its own SQLite file, so it never touches the developer's .dev/ or db.sqlite3.
"""

import signal
import subprocess
import sys
import time

from tests.local_stack import BASE_DIR, alive, descendants, free_port, health, kill_all, local_env, wait_for

START_TIMEOUT = 90  # seconds until /healthz reports a fresh worker heartbeat (two shared cores)
STOP_TIMEOUT = 30  # the supervisor waits STOP_SECONDS (15) before it kills


def test_supervisor_serves_beats_and_stops_every_child_on_ctrl_c(tmp_path):
    port = free_port()
    log = (tmp_path / "run.log").open("w")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "devtools.run"],
        cwd=BASE_DIR,
        env=local_env(tmp_path, port),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    seen: set[int] = set()
    try:

        def worker_heartbeat():
            seen.update(descendants(supervisor.pid))
            answer = health(port)
            worker = (answer or {}).get("checks", {}).get("celery", {})
            return answer if worker.get("ok") else None

        answer = wait_for(
            worker_heartbeat, timeout=START_TIMEOUT, what="a worker heartbeat in /healthz", process=supervisor
        )
        assert answer["checks"]["celery"]["heartbeat_age_seconds"] < 60, answer
        seen.update(descendants(supervisor.pid))
        # web (and runserver's serving child), worker (and its pool), beat: at least the three.
        assert len(seen) >= 3, seen

        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(timeout=STOP_TIMEOUT) == 0
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in seen) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [pid for pid in seen if alive(pid)] == [], (tmp_path / "run.log").read_text()[-3000:]
        assert health(port) is None  # nothing answers on the port any more
    finally:
        seen.update(descendants(supervisor.pid))
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
        kill_all(seen)
        log.close()

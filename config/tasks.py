"""Platform tasks: the worker heartbeat that /healthz reads."""

from celery import shared_task

from config.health import heartbeat_record


@shared_task(name="config.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Sent by beat, run by a worker: a fresh timestamp proves that both are alive and the broker delivers."""
    heartbeat_record()

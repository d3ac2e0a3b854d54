"""The audit log moved from billing to core without losing a row: ids, timestamps and content type kept."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("billing", "0004_staff_actions"), ("core", None)]
AFTER = [("billing", "0005_staffaction_to_core"), ("core", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([target for target in targets if target[1]]).apps


@pytest.mark.django_db(transaction=True)
def test_audit_rows_keep_their_ids_and_timestamps_when_the_log_moves_to_core():
    old_apps = _migrate(BEFORE)
    try:
        old_model = old_apps.get_model("billing", "StaffAction")
        content_type = old_apps.get_model("contenttypes", "ContentType")
        content_type.objects.get_or_create(app_label="billing", model="staffaction")
        when = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
        row = old_model.objects.create(action="cancel_now", target="sub_1", before={"status": "active"}, note="n")
        old_model.objects.filter(pk=row.pk).update(created_at=when)
        second = old_model.objects.create(action="refund", target="in_1")

        new_apps = _migrate(AFTER)
        moved = new_apps.get_model("core", "StaffAction")
        assert moved._meta.db_table == "core_staffaction"
        kept = moved.objects.get(pk=row.pk)
        assert (kept.action, kept.target, kept.before, kept.note, kept.created_at) == (
            "cancel_now",
            "sub_1",
            {"status": "active"},
            "n",
            when,
        )
        assert moved.objects.filter(pk=second.pk, action="refund").exists()
        content_types = new_apps.get_model("contenttypes", "ContentType").objects
        assert content_types.filter(app_label="core", model="staffaction").exists()
        assert not content_types.filter(app_label="billing", model="staffaction").exists()
    finally:
        _migrate(_latest_leaves())


def _latest_leaves():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()

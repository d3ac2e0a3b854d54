# The staff audit log moves to core: the table is renamed in place (rows, ids and timestamps kept),
# billing forgets the model, and its content type (with the permissions that hang on it) follows.

from django.db import migrations


def content_type_to_core(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not content_type.objects.using(db).filter(app_label="core", model="staffaction").exists():
        content_type.objects.using(db).filter(app_label="billing", model="staffaction").update(app_label="core")


def content_type_to_billing(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not content_type.objects.using(db).filter(app_label="billing", model="staffaction").exists():
        content_type.objects.using(db).filter(app_label="core", model="staffaction").update(app_label="billing")


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0004_staff_actions'),
        ('core', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name='staffaction', table='core_staffaction'),
            ],
            state_operations=[
                migrations.DeleteModel(name='StaffAction'),
            ],
        ),
        migrations.RunPython(content_type_to_core, content_type_to_billing),
    ]

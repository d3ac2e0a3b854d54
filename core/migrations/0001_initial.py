# The staff audit log moves here from billing. This migration only adds the model to core's state;
# the table itself is renamed, rows untouched (ids and timestamps kept), by billing 0005.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='StaffAction',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=80, verbose_name='action')),
                        ('target', models.CharField(max_length=255, verbose_name='object')),
                        ('before', models.JSONField(blank=True, default=dict, verbose_name='before')),
                        ('after', models.JSONField(blank=True, default=dict, verbose_name='after')),
                        ('note', models.CharField(blank=True, max_length=255, verbose_name='note')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='when')),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='staff')),
                    ],
                    options={
                        'verbose_name': 'staff action',
                        'verbose_name_plural': 'staff actions',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

"""Audit records are append-only in the database itself: an UPDATE or DELETE from any client
(a shell, a report tool, a careless migration) fails."""

from django.db import migrations

from shequ.core import audit_guard


def forwards(apps, schema_editor):
    audit_guard.install(schema_editor.connection)


def backwards(apps, schema_editor):
    audit_guard.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

"""The public tracking code of a case (decision 0024): added empty, filled for the cases
already there, then made unique."""

from django.db import migrations, models

import shequ.cases.models


def fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    seen = set()
    for case in Case.objects.filter(tracking_code__isnull=True).only("pk").iterator():
        code = shequ.cases.models.new_tracking_code()
        while code in seen:
            code = shequ.cases.models.new_tracking_code()
        seen.add(code)
        Case.objects.filter(pk=case.pk).update(tracking_code=code)


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_measures")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="tracking_code",
            field=models.CharField(editable=False, max_length=12, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="tracking_code",
            field=models.CharField(
                default=shequ.cases.models.new_tracking_code,
                editable=False,
                max_length=12,
                unique=True,
                verbose_name="tracking code",
            ),
        ),
    ]

from django.db import migrations


def seed(apps, schema_editor):
    from shequ.cases.categories import seed_defaults

    seed_defaults(
        category_model=apps.get_model("cases", "Category"),
        calendar_model=apps.get_model("cases", "CalendarDay"),
        policy_model=apps.get_model("cases", "DeadlinePolicy"),
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

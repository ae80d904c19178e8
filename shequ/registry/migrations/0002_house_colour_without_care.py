"""Each house's colour without care, stored beside its colour (the map's buildings layer reads
it instead of deriving it per request): the colour itself for a house that is not "care", and
derived from the house's use, units and current residents for one that is."""

from typing import Any

from django.db import migrations, models

BATCH = 900


def without_care(use: str, units: list[bool], residencies: set[str]) -> str:
    # shequ.registry.sheets.writer.colour_from with no care, as of this migration
    if use == "business" or any(units):
        return "business"
    if use == "office" or (units and not any(units)):
        return "office"
    if "non_local" in residencies:
        return "non_local"
    if residencies:
        return "registered"
    return "vacant"


def fill(apps: Any, schema_editor: Any) -> None:
    House = apps.get_model("registry", "House")
    Unit = apps.get_model("registry", "Unit")
    Resident = apps.get_model("registry", "Resident")
    House.objects.exclude(colour="care").update(colour_without_care=models.F("colour"))
    care = list(House.objects.filter(colour="care").order_by("pk").values_list("pk", "use"))
    for start in range(0, len(care), BATCH):
        part = dict(care[start : start + BATCH])
        units: dict[int, list[bool]] = {pk: [] for pk in part}
        for house_id, is_business in Unit.objects.filter(house_id__in=part).values_list(
            "house_id", "is_business"
        ):
            units[house_id].append(is_business)
        residencies: dict[int, set[str]] = {pk: set() for pk in part}
        for house_id, residency in (
            Resident.objects.filter(household__house_id__in=part, moved_out_on__isnull=True)
            .values_list("household__house_id", "residency")
            .distinct()
        ):
            residencies[house_id].add(residency)
        by_colour: dict[str, list[int]] = {}
        for pk, use in part.items():
            by_colour.setdefault(without_care(use, units[pk], residencies[pk]), []).append(pk)
        for colour, pks in by_colour.items():
            House.objects.filter(pk__in=pks).update(colour_without_care=colour)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="house",
            name="colour_without_care",
            field=models.CharField(
                choices=[
                    ("business", "Business premises"),
                    ("office", "Office of a unit"),
                    ("non_local", "Non-local residents"),
                    ("registered", "Registered residents"),
                    ("vacant", "Vacant"),
                ],
                default="vacant",
                editable=False,
                max_length=20,
                verbose_name="colour without care",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="house",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("colour_without_care", "care"), _negated=True),
                    models.Q(
                        ("colour", "care"),
                        ("colour", models.F("colour_without_care")),
                        _connector="OR",
                    ),
                ),
                name="house_colour_without_care",
            ),
        ),
    ]

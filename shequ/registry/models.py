"""The population and housing register (人房台账): buildings, houses, households, residents,
their moves as history rows, units and shops in houses, and the rollup counts per area."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.accounts.roles import Perm
from shequ.core.models import ScopedModel
from shequ.core.paths import AreaPathField


class HouseUse(models.TextChoices):
    OWNER_OCCUPIED = "owner_occupied", _("Owner-occupied")
    RENTED = "rented", _("Rented")
    VACANT = "vacant", _("Vacant")
    OFFICE = "office", _("Office of a unit")
    BUSINESS = "business", _("Business premises")


class PropertyRight(models.TextChoices):
    COMMODITY = "commodity", _("Commodity housing")
    RESETTLEMENT = "resettlement", _("Resettlement housing")
    PUBLIC = "public", _("Public housing")
    SELF_BUILT = "self_built", _("Self-built")
    UNIT = "unit", _("Unit-owned")
    OTHER = "other", _("Other")


class Colour(models.TextChoices):
    """分色管理: one colour per house, derived by ``shequ.registry.colours`` (precedence in
    that order, documented in docs/guide and shown in the legend)."""

    CARE = "care", _("Household needing care")
    BUSINESS = "business", _("Business premises")
    OFFICE = "office", _("Office of a unit")
    NON_LOCAL = "non_local", _("Non-local residents")
    REGISTERED = "registered", _("Registered residents")
    VACANT = "vacant", _("Vacant")


class Residency(models.TextChoices):
    REGISTERED = "registered", _("Registered (户籍)")
    NON_LOCAL = "non_local", _("Non-local (流动)")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    CHILD_IN_LAW = "child_in_law", _("Child-in-law")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")


class CareTag(models.TextChoices):
    """关爱对象: sensitive; seen only by roles that serve these people (``care.view``)."""

    LIVING_ALONE = "living_alone", _("Elderly living alone")
    EMPTY_NEST = "empty_nest", _("Empty-nest elderly")
    DISABLED = "disabled", _("Person with a disability")
    LOW_INCOME = "low_income", _("Low-income (低保)")
    EXTREME_POVERTY = "extreme_poverty", _("Extreme poverty support (特困)")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Left-behind child")
    VETERAN = "veteran", _("Veteran or entitled group (优抚)")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")


class RegisterModel(ScopedModel):
    """Everything in the register is seen with ``register.view`` inside one's areas."""

    scope_perm: ClassVar[Perm] = Perm.REGISTER_VIEW

    class Meta:
        abstract = True


class Building(RegisterModel):
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="buildings"
    )
    estate = models.CharField(_("estate"), max_length=100, blank=True)
    number = models.CharField(_("building number"), max_length=20)
    address = models.CharField(_("address"), max_length=200)
    floors = models.PositiveSmallIntegerField(_("floors"))
    entrances = models.PositiveSmallIntegerField(_("entrances"), default=1)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    head = models.ForeignKey(
        "Resident",
        verbose_name=_("building head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ("area_path", "estate", "number")
        constraints = (
            models.UniqueConstraint(
                fields=("area", "estate", "number"), name="building_unique_number"
            ),
        )

    def __str__(self) -> str:
        return f"{self.estate}{self.number}" if self.estate else self.number


class House(RegisterModel):
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="houses"
    )
    entrance = models.PositiveSmallIntegerField(_("entrance"), default=1)
    floor = models.SmallIntegerField(_("floor"))
    room = models.CharField(_("room"), max_length=10)
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    use = models.CharField(
        _("use"), max_length=20, choices=HouseUse.choices, default=HouseUse.OWNER_OCCUPIED
    )
    property_right = models.CharField(
        _("property right"), max_length=20, choices=PropertyRight.choices, blank=True
    )
    colour = models.CharField(
        _("colour"),
        max_length=20,
        choices=Colour.choices,
        default=Colour.VACANT,
        db_index=True,
        editable=False,
    )
    # The colour the house would have if nobody in it needed care: what those who may not see
    # care are shown (decision 0011). Derived and written with ``colour`` by every writer of
    # it, so that the map's buildings layer reads it instead of deriving it per request;
    # ``colour`` itself when that is not "care".
    colour_without_care = models.CharField(
        _("colour without care"),
        max_length=20,
        choices=[c for c in Colour.choices if c[0] != Colour.CARE],
        default=Colour.VACANT,
        editable=False,
    )

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ("building", "entrance", "floor", "room")
        constraints = (
            models.UniqueConstraint(
                fields=("building", "entrance", "room"), name="house_unique_room"
            ),
            # a writer that forgot the colour without care fails here, not on the map
            models.CheckConstraint(
                condition=~models.Q(colour_without_care=Colour.CARE)
                & (models.Q(colour=Colour.CARE) | models.Q(colour=models.F("colour_without_care"))),
                name="house_colour_without_care",
            ),
        )

    def __str__(self) -> str:
        return f"{self.building} {self.entrance}单元 {self.room}"


class Household(RegisterModel):
    """户. ``house`` is where it lives now (None once it has moved away); where it lived
    before is in ``HouseholdStay``."""

    house = models.ForeignKey(
        House,
        verbose_name=_("house"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="households",
    )
    head = models.ForeignKey(
        "Resident",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_party_center = models.BooleanField(_("party-member central household"), default=False)
    # changing the nonce revokes the printed household code
    code_nonce = models.CharField(max_length=16, editable=False)
    # The household number in the community's own sheets (户编号): how an import recognises it.
    external_ref = models.CharField(_("household number"), max_length=40, blank=True, db_index=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ("area_path", "id")

    def __str__(self) -> str:
        return f"{self.house}" if self.house else _("household %(id)s") % {"id": self.pk}


class Resident(RegisterModel):
    """居民. Personal fields are stored three ways: encrypted (``*_enc``, AES-256-GCM), a keyed
    blind index for exact lookup (``*_bidx``) and the masked form for display (``*_mask``)."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    relation = models.CharField(
        _("relation to the head"), max_length=20, choices=Relation.choices, default=Relation.OTHER
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number_enc = models.TextField(blank=True, editable=False)
    id_number_bidx = models.CharField(max_length=64, blank=True, editable=False)
    id_number_mask = models.CharField(_("ID number"), max_length=24, blank=True, editable=False)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_bidx = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_mask = models.CharField(_("phone"), max_length=24, blank=True, editable=False)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    residency = models.CharField(
        _("residency"), max_length=20, choices=Residency.choices, default=Residency.REGISTERED
    )
    workplace = models.CharField(_("workplace or school"), max_length=100, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ("area_path", "id")
        constraints = (
            # One person, one record: an ID number appears once in the whole city.
            models.UniqueConstraint(
                fields=("id_number_bidx",),
                condition=~Q(id_number_bidx=""),
                name="resident_one_record_per_id",
            ),
        )
        indexes = (
            models.Index(fields=("area_path", "residency")),
            models.Index(fields=("birth_date",)),
        )

    def __str__(self) -> str:
        return self.name


class ResidentCare(RegisterModel):
    """A care tag on a resident: a row, so that it can be counted and filtered in scope."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="care")
    tag = models.CharField(_("care tag"), max_length=30, choices=CareTag.choices)

    scope_perm: ClassVar[Perm] = Perm.CARE_VIEW

    class Meta:
        verbose_name = _("care tag")
        verbose_name_plural = _("care tags")
        constraints = (
            models.UniqueConstraint(fields=("resident", "tag"), name="resident_care_unique"),
        )
        indexes = (models.Index(fields=("tag", "area_path")),)

    def __str__(self) -> str:
        return f"{self.resident_id}:{self.tag}"


class Stay(RegisterModel):
    """History: a resident belonged to a household from one day until another (迁入/迁出).
    Moves are rows, never overwrites, so a household can be shown as it was on any day."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="stays")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="stays")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    valid_from = models.DateField(_("moved in"))
    valid_to = models.DateField(_("moved out"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ("valid_from", "id")
        indexes = (models.Index(fields=("household", "valid_from")),)

    def __str__(self) -> str:
        return f"{self.resident_id}@{self.household_id} {self.valid_from}–{self.valid_to or ''}"


class HouseholdStay(RegisterModel):
    """History: a household lived in a house from one day until another."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="house_stays")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="household_stays")
    valid_from = models.DateField(_("moved in"))
    valid_to = models.DateField(_("moved out"), null=True, blank=True)

    class Meta:
        ordering = ("valid_from", "id")

    def __str__(self) -> str:
        return f"{self.household_id}@{self.house_id} {self.valid_from}–{self.valid_to or ''}"


class Visit(RegisterModel):
    """A grid worker's note of a visit to a household (走访)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("date"))
    note = models.TextField(_("note"), max_length=2000)

    class Meta:
        ordering = ("-on", "-id")

    def __str__(self) -> str:
        return f"{self.household_id} {self.on}"


class Unit(RegisterModel):
    """A unit or shop occupying a house (单位 / 商户)."""

    house = models.ForeignKey(
        House, verbose_name=_("house"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("name"), max_length=150)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact = models.CharField(_("contact person"), max_length=50, blank=True)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_bidx = models.CharField(max_length=64, blank=True, editable=False)
    phone_mask = models.CharField(_("phone"), max_length=24, blank=True, editable=False)
    is_business = models.BooleanField(_("business premises"), default=True)

    class Meta:
        verbose_name = _("unit or shop")
        verbose_name_plural = _("units and shops")
        constraints = (
            models.UniqueConstraint(
                fields=("credit_code",),
                condition=~Q(credit_code=""),
                name="unit_credit_code_unique",
            ),
        )

    def __str__(self) -> str:
        return self.name


class NameGram(models.Model):
    """One or two characters of a resident's name, for search: two Chinese characters find
    张伟 in 张伟东 with an index lookup, on SQLite and PostgreSQL alike (decision 0009)."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    gram = models.CharField(max_length=2)
    area_path = AreaPathField()

    class Meta:
        indexes = (models.Index(fields=("gram", "area_path")),)

    def __str__(self) -> str:
        return self.gram


class RegisterStat(models.Model):
    """Rollup counts per area (one row per area, measure and key), kept current by the
    services: statistics pages read these instead of scanning the register."""

    area_path = AreaPathField()
    measure = models.CharField(max_length=20)
    key = models.CharField(max_length=30, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("area_path", "measure", "key"), name="register_stat_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.area_path} {self.measure}:{self.key}={self.count}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    VALIDATING = "validating", _("Checking")
    VALIDATED = "validated", _("Checked")
    COMMITTING = "committing", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ImportJob(RegisterModel):
    """One upload of a register sheet, through its stages: upload → every row checked →
    preview with each error → commit (all, or only the valid rows) → summary. The file is kept
    so that the commit reads exactly what was checked."""

    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    valid_only = models.BooleanField(_("import only the valid rows"), default=False)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True
    )  # [{"row", "column", "field", "message"}], capped
    error_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

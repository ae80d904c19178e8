"""Read-only views of the whole area (一屏观全区、一张图): the command screen, the map and the
monthly reports. The tables here are rollups the services keep current, so that no screen
counts raw rows per request (design guide §12), and the reports as they were generated."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core.paths import AreaPathField


class CaseLoad(models.Model):
    """How many cases are open now, per area and level, counted in the area and in every area
    above it (like the register's RegisterStat). Kept current by ``shequ.cases.hooks``;
    ``manage.py rebuild_case_load`` recomputes it. A current state, not a period measure: the
    period measures are the case measures' own rollup."""

    area_path = AreaPathField()
    level = models.CharField(max_length=10)
    open = models.IntegerField(default=0)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("area_path", "level"), name="case_load_unique"),
        )

    def __str__(self) -> str:
        return f"{self.area_path} {self.level}={self.open}"


class EmergencyCase(models.Model):
    """Emergency whistles (应急哨) as they arrive, for the command screen's feed: a short table
    with its own index, so the feed never sorts the case table of a whole district."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    area_path = AreaPathField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = (models.Index(fields=("area_path", "-created_at")),)

    def __str__(self) -> str:
        return str(self.case_id)


class ReportKind(models.TextChoices):
    AREA = "area", _("Area")
    DEPARTMENT = "department", _("Department")


class MonthlyReport(models.Model):
    """One month of one area or one department, as generated on the 1st of the next month.
    ``data`` holds every figure shown; the workbook is written from it at generation time, so
    an earlier report reads the same later, whatever happened since."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    month = models.DateField(_("month"))  # the first day of the month
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "areas.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The area's path, or the department's area's path: who may read the report.
    area_path = AreaPathField()
    data = models.JSONField(default=dict)
    workbook = models.BinaryField()
    generated_at = models.DateTimeField(_("generated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ("-month", "kind", "area_path")
        constraints = (
            # Exactly once per area (or department) and month, however often the task runs.
            models.UniqueConstraint(
                fields=("month", "area"), condition=Q(kind="area"), name="report_area_month"
            ),
            models.UniqueConstraint(
                fields=("month", "department"),
                condition=Q(kind="department"),
                name="report_department_month",
            ),
            models.CheckConstraint(
                condition=(Q(kind="area", area__isnull=False, department__isnull=True))
                | Q(kind="department", department__isnull=False, area__isnull=True),
                name="report_one_subject",
            ),
        )

    def __str__(self) -> str:
        return f"{self.kind} {self.month:%Y-%m} {self.area_path}"

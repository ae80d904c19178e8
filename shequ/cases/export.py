"""The case list out to .xlsx: the rows of the filtered list the user sees, written with
xlsxwriter in constant-memory mode into an anonymous temporary file that the view streams
(as the register's export does). The reporter is masked, and left out where the user may
not see who reported; one audit record says what was exported."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import IO, Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.cases.models import Case
from shequ.cases.reporter import may_see_reporter
from shequ.cases.selectors import CaseFilter
from shequ.core.audit import AuditAction, audit
from shequ.core.paths import within

BATCH = 2000


@dataclass
class Exported:
    file: IO[bytes]  # positioned at the start
    rows: int


def _columns() -> list[tuple[str, int]]:
    return [
        (_("Case number"), 18),
        (_("Registered at"), 17),
        (_("Channel"), 14),
        (_("External reference"), 18),
        (_("Category"), 20),
        (_("Level"), 10),
        (_("Title"), 30),
        (_("Description"), 50),
        (_("Area"), 16),
        (_("Address"), 30),
        (_("State"), 14),
        (_("Lead department"), 18),
        (_("Resolve by"), 17),
        (_("Closed at"), 17),
        (_("Closed on time"), 10),
        (_("Satisfaction"), 10),
        (_("Reporter"), 10),
        (_("Reporter phone"), 14),
    ]


def _local(value: Any) -> Any:
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def export_cases(*, actor: Any, cases: QuerySet[Case], described: CaseFilter) -> Exported:
    """Write ``cases`` (already scoped and filtered for ``actor``) to an .xlsx, keeping only
    those where ``actor`` may export or that were whistled to their department."""
    scope = scope_of(actor)
    queryset = (
        cases.filter(within("area_path", scope.paths_with(Perm.CASE_EXPORT)))
        .select_related("category__parent", "area", "lead_department")
        .order_by("-id")
    )
    output = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    book = xlsxwriter.Workbook(output, {"constant_memory": True, "strings_to_numbers": False})
    header = book.add_format({"bold": True, "bg_color": "#F2E6E6", "border": 1})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet = book.add_worksheet(_("Cases"))
    for index, (title, width) in enumerate(_columns()):
        sheet.set_column(index, index, width)
        sheet.write_string(0, index, title, header)
    sheet.freeze_panes(1, 0)
    rows = 0
    for case in queryset.iterator(chunk_size=BATCH):
        rows += 1
        shown = may_see_reporter(actor, case)
        cells: list[Any] = [
            case.number,
            _local(case.created_at),
            case.get_channel_display(),
            case.external_ref,
            case.category.full_name,
            case.get_level_display() + (f" ({_('city-level')})" if case.city_level else ""),
            case.title,
            case.description,
            case.area.name,
            case.address,
            case.get_state_display(),
            case.lead_department.name if case.lead_department else "",
            _local(case.resolve_by),
            _local(case.closed_at),
            "" if case.closed_on_time is None else (_("yes") if case.closed_on_time else _("no")),
            case.satisfaction or "",
            case.reporter_name_mask if shown else "",
            case.reporter_phone_mask if shown else "",
        ]
        for index, value in enumerate(cells):
            if value in ("", None):
                continue
            if hasattr(value, "year"):
                sheet.write_datetime(rows, index, value, when)
            elif isinstance(value, int):
                sheet.write_number(rows, index, value)
            else:
                sheet.write_string(rows, index, str(value))
    book.close()
    output.seek(0)
    audit(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type="cases.case",
        object_repr=_("case export (%(n)d cases)") % {"n": rows},
        area_path=described.area_path,
        changes={"filter": described.described(), "rows": rows, "at": timezone.now().isoformat()},
    )
    return Exported(output, rows)

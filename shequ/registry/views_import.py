"""Pages of the register sheet import (upload → progress → preview → commit → summary), the
template downloads, and the export of a filtered resident list."""

from __future__ import annotations

import io
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.accounts.decorators import requires
from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Level
from shequ.areas.selectors import access_area
from shequ.core.errors import ServiceError
from shequ.core.forms import StyledForm, add_service_errors, valid_filters
from shequ.registry.forms import ResidentSearchForm
from shequ.registry.models import ImportJob, ImportStatus
from shequ.registry.personal import MIN_REASON
from shequ.registry.selectors import ResidentFilter, residents
from shequ.registry.sheets import export, pipeline
from shequ.registry.sheets.columns import COLUMNS
from shequ.registry.sheets.reader import MAX_BYTES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RUNNING = (ImportStatus.UPLOADED, ImportStatus.VALIDATING, ImportStatus.COMMITTING)
# Room for the form fields around the file in a multipart body.
BODY_SLACK = 1024 * 1024


def _import_areas(user: Any) -> list[Area]:
    return list(
        Area.objects.current()
        .visible_to(user, Perm.REGISTER_IMPORT)
        .filter(level__in=(Level.COMMUNITY, Level.GRID, Level.SUBGRID))
        .order_by("area_path")
    )


class ImportForm(StyledForm):
    area = forms.ChoiceField(label=gettext_lazy("Import into"))
    file = forms.FileField(
        label=gettext_lazy("Register sheet"),
        help_text=gettext_lazy(".xlsx, .xls or .csv (UTF-8 or GBK), at most 50 MB"),
    )

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        indent = {Level.COMMUNITY: "", Level.GRID: "— ", Level.SUBGRID: "—— "}
        area_field: Any = self.fields["area"]
        area_field.choices = [
            (str(a.pk), f"{indent.get(Level(a.level), '')}{a.name} ({a.code})") for a in areas
        ]
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.xls,.csv"


def _too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > MAX_BYTES + BODY_SLACK


@requires(Perm.REGISTER_IMPORT)
@csrf_exempt  # only to answer an oversized upload without reading it; see _import_new
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    """Choose the area and the file. A body larger than the limit is refused before a byte
    of it is read (nothing changes, so no CSRF check is needed for that answer); every other
    request goes through the CSRF check as usual."""
    areas = _import_areas(request.user)
    if request.method == "POST" and _too_large(request):
        refusal = _("the file is larger than %(limit)d MB: split the sheet into several files") % {
            "limit": MAX_BYTES // 1024 // 1024
        }
        return _render_new(request, ImportForm(areas=areas), status=413, refusal=refusal)
    return _import_new(request, areas)


@csrf_protect
def _import_new(request: HttpRequest, areas: list[Area]) -> HttpResponse:
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, areas=areas)
        if form.is_valid():
            area = access_area(request.user, form.cleaned_data["area"], Perm.REGISTER_IMPORT)
            try:
                job = pipeline.import_upload(
                    actor=request.user, area=area, upload=form.cleaned_data["file"]
                )
            except ServiceError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("registry_import:job", pk=job.pk)
        return _render_new(request, form, status=400)
    initial = {"area": request.GET.get("area", "")}
    return _render_new(request, ImportForm(areas=areas, initial=initial))


def _render_new(
    request: HttpRequest, form: ImportForm, status: int = 200, refusal: str = ""
) -> HttpResponse:
    recent = (
        ImportJob.objects.visible_to(request.user, Perm.REGISTER_IMPORT)
        .select_related("area", "created_by")
        .order_by("-created_at")[:10]
    )
    return render(
        request,
        "registry/import_new.html",
        {"form": form, "columns": COLUMNS, "recent": recent, "refusal": refusal},
        status=status,
    )


def _streamed(stream: Any, **kwargs: Any) -> HttpResponse:
    """A FileResponse (streamed in blocks, the file closed at the end), typed as the
    responses ``requires`` wraps."""
    return cast(HttpResponse, FileResponse(stream, **kwargs))


def _access_job(request: HttpRequest, pk: int) -> ImportJob:
    try:
        job: ImportJob = (
            ImportJob.objects.visible_to(request.user, Perm.REGISTER_IMPORT)
            .select_related("area", "created_by")
            .get(pk=pk)
        )
    except ImportJob.DoesNotExist:
        raise Http404 from None
    return job


@requires(Perm.REGISTER_IMPORT)
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job: a progress bar while it runs (htmx asks again every second and stops once
    the answer no longer asks to be polled), then the preview or the summary."""
    job = _access_job(request, pk)
    processed = pipeline.processed_rows(job)
    context = {
        "job": job,
        "running": job.status in RUNNING,
        "processed": processed,
        "total": job.total_rows,
        "file_errors": [e for e in job.errors if not e.get("row")],
        "row_errors": [e for e in job.errors if e.get("row")],
        "more_errors": max(0, job.error_count - len(job.errors)),
        "preview": job.summary.get("preview", {}),
        "created": job.summary.get("created", {}),
        "may_commit_all": job.status == ImportStatus.VALIDATED and not job.error_count,
        "may_commit_valid": job.status == ImportStatus.VALIDATED and job.valid_rows > 0,
        "may_cancel": job.status
        in (ImportStatus.UPLOADED, ImportStatus.VALIDATED, ImportStatus.FAILED),
    }
    if getattr(request, "htmx", False):
        return render(request, "registry/_import_job.html", context)
    return render(request, "registry/import_job.html", context)


@requires(Perm.REGISTER_IMPORT)
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = _access_job(request, pk)
    valid_only = request.POST.get("valid_only") == "1"
    try:
        pipeline.import_commit(actor=request.user, job=job, valid_only=valid_only)
    except ServiceError as exc:
        for error in exc.errors:
            messages.error(request, str(error.message))
    return redirect("registry_import:job", pk=job.pk)


@requires(Perm.REGISTER_IMPORT)
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _access_job(request, pk)
    try:
        pipeline.import_cancel(actor=request.user, job=job)
    except ServiceError as exc:
        for error in exc.errors:
            messages.error(request, str(error.message))
        return redirect("registry_import:job", pk=job.pk)
    messages.info(request, _("The import was cancelled and the file deleted."))
    return redirect("registry_import:new")


@requires(Perm.REGISTER_IMPORT)
@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The empty register sheet to fill in, as .xlsx (with a notes sheet) or .csv."""
    if fmt == "xlsx":
        content, content_type = export.template_xlsx(), XLSX
    elif fmt == "csv":
        content, content_type = export.template_csv(), "text/csv; charset=utf-8"
    else:
        raise Http404
    return _streamed(
        io.BytesIO(content),
        as_attachment=True,
        filename=f"人房台账模板.{fmt}",
        content_type=content_type,
    )


@requires(Perm.REGISTER_EXPORT)
@require_GET
def export_residents(request: HttpRequest) -> HttpResponse:
    """The resident list, filtered as on the list page (the same GET parameters), as .xlsx."""
    form = ResidentSearchForm(request.GET or None)
    data = valid_filters(form)
    area_path = ""
    if request.GET.get("area"):
        area_path = access_area(request.user, request.GET["area"], Perm.REGISTER_VIEW).area_path
    filters = ResidentFilter(
        query=data.get("q", ""),
        area_path=area_path,
        residency=data.get("residency", ""),
        care_tag=data.get("tag", "") if scope_of(request.user).has(Perm.CARE_VIEW) else "",
        colour=data.get("colour", ""),
        age_band=data.get("age", ""),
    )
    reason = ""
    if request.GET.get("reveal") == "1":
        reason = " ".join(request.GET.get("reason", "").split())
        if len(reason) < MIN_REASON:
            return HttpResponse(
                _("To export full ID numbers and phones, say why (at least %(n)d characters).")
                % {"n": MIN_REASON},
                status=400,
                content_type="text/plain; charset=utf-8",
            )
    exported = export.export_residents(
        actor=request.user,
        residents=residents(request.user, filters),
        described=filters,
        reveal_reason=reason,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _streamed(
        exported.file,
        as_attachment=True,
        filename=f"居民台账-{stamp}.xlsx",
        content_type=XLSX,
    )

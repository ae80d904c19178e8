"""The case pages: intake, "my work", the case with its timeline and actions, the street's
dispatch dialog, a department's board, the list with search and filters, and its export.

Parse → access → service → respond (design guide §7). Every change goes through
``case_register`` or ``case_act``; a case outside the user's view is a 404, a page the user
has no permission for a 403."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Case as Case_
from django.db.models import IntegerField, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shequ.accounts.decorators import requires, signed_in
from shequ.accounts.models import User
from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Department, Level
from shequ.cases import selectors
from shequ.cases.access import access_case, access_case_by_number, actor_kinds
from shequ.cases.export import export_cases
from shequ.cases.forms import ActionForm, CaseFilterForm, IntakeForm, RevealForm
from shequ.cases.models import (
    ACTIVE_ASSIGNMENT,
    Case,
    CaseEvent,
    CasePhoto,
    Category,
    IdempotencyKey,
    State,
)
from shequ.cases.reporter import may_see_reporter, reveal_reporter
from shequ.cases.services import available_actions, case_act, case_register
from shequ.cases.workflow import Action, transition_for
from shequ.core.audit import AuditAction, audit
from shequ.core.errors import ConflictError, NotAllowed, ServiceError
from shequ.core.forms import add_service_errors, valid_filters
from shequ.core.paths import within
from shequ.registry.codes import household_from_token
from shequ.registry.models import Household

FORM_SCOPE = "case.form"  # IdempotencyKey.scope of the intake form's one-time token
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SCAN = re.compile(r"/h/([^/\s]+)/?")


def _ensure_case_user(request: HttpRequest) -> None:
    """The case pages are for those who see cases of an area or answer for a department."""
    scope = scope_of(request.user)
    if not (scope.has(Perm.CASE_VIEW) or scope.has(Perm.CASE_RESPOND)):
        raise PermissionDenied


# --- intake ----------------------------------------------------------------------------------


def _find_household(user: Any, text: str) -> Household | None:
    """A household of the user's register by its ID, its household number or its scanned
    code (the whole /h/<token>/ address or just the token)."""
    text = text.strip()
    visible = Household.objects.visible_to(user, Perm.REGISTER_VIEW).select_related(
        "house__building__area"
    )
    found: Household | None = None
    match = _SCAN.search(text)
    if match or ":" in text:
        decoded = household_from_token(match.group(1) if match else text)
        found = visible.filter(pk=decoded.pk).first() if decoded else None
    elif text.isdigit():
        found = visible.filter(pk=int(text)).first() or visible.filter(external_ref=text).first()
    else:
        found = visible.filter(external_ref=text).first()
    return found


def _intake_form(request: HttpRequest, data: Any = None, files: Any = None) -> IntakeForm:
    areas = selectors.intake_areas(request.user)
    form = IntakeForm(
        data,
        files,
        categories=selectors.grouped_categories(),
        areas=areas,
        initial={"form_token": secrets.token_urlsafe(24)},
    )
    form.intake_areas = areas  # type: ignore[attr-defined]
    return form


def _register(request: HttpRequest, form: IntakeForm) -> Case | None:
    """Register the case from a valid form; None (with the errors on the form) if refused.

    A double click sends the same one-time token twice: the token is stored with the case
    (IdempotencyKey, scope "case.form") in the same transaction, so the second request
    finds it — or, arriving at the same moment, collides with it and is rolled back — and
    is shown the first case (decision 0016)."""
    data = form.cleaned_data
    token = data["form_token"]
    user = cast(User, request.user)
    earlier = IdempotencyKey.objects.filter(actor=user, scope=FORM_SCOPE, key=token).first()
    if earlier is not None:
        return earlier.case
    household = None
    if data["household"]:
        household = _find_household(request.user, data["household"])
        if household is None:
            form.add_error("household", _("no such household in the register of your areas"))
            return None
    area = None
    if data["area"]:
        area = next((a for a in form.intake_areas if a.pk == data["area"]), None)  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            registered = case_register(
                actor=request.user,
                channel=data["channel"],
                category=Category.objects.filter(pk=data["category"]).first(),
                level=data["level"],
                city_level=data["city_level"],
                title=data["title"],
                description=data["description"],
                external_ref=data["external_ref"],
                reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"],
                anonymous=data["anonymous"],
                confidential=data["confidential"],
                longitude=data["longitude"],
                latitude=data["latitude"],
                household=household,
                address=data["address"],
                area=area,
                photos=data["photos"],
            )
            IdempotencyKey.objects.create(
                key=token,
                actor=user,
                scope=FORM_SCOPE,
                body_hash=hashlib.sha256(
                    f"{data['title']}\n{data['description']}".encode()
                ).hexdigest(),
                case=registered.case,
            )
    except ServiceError as exc:
        add_service_errors(form, exc, {"location": "area"})
        return None
    except IntegrityError:
        earlier = IdempotencyKey.objects.filter(actor=user, scope=FORM_SCOPE, key=token).first()
        if earlier is None:
            raise
        return earlier.case
    if not registered.created:
        messages.info(
            request,
            _("This order was registered before: here is case %(number)s.")
            % {"number": registered.case.number},
        )
    return registered.case


@requires(Perm.CASE_INTAKE)
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = _intake_form(request, request.POST, request.FILES)
        if form.is_valid():
            case = _register(request, form)
            if case is not None:
                messages.success(
                    request, _("Case %(number)s registered.") % {"number": case.number}
                )
                return redirect("cases:detail", pk=case.pk)
    else:
        form = _intake_form(request)
    areas = form.intake_areas  # type: ignore[attr-defined]
    return render(
        request,
        "cases/new.html",
        {"form": form, "map_data": selectors.grid_features(areas)},
        status=400 if form.errors else 200,
    )


# --- my work ---------------------------------------------------------------------------------


@signed_in
@require_GET
def work(request: HttpRequest) -> HttpResponse:
    _ensure_case_user(request)
    queues = selectors.work_queues(request.user)
    active = selectors.load_queues(queues, request.GET.get("tab", ""))
    return render(
        request,
        "cases/work.html",
        {"queues": queues, "active": active, "now": timezone.now()},
    )


# --- the case ----------------------------------------------------------------------------------


def _reporter(request: HttpRequest, case: Case) -> dict[str, Any]:
    shown = may_see_reporter(request.user, case)
    return {
        "shown": shown,
        "can_reveal": shown
        and not case.anonymous
        and scope_of(request.user).allows(Perm.PERSONAL_REVEAL, case.area_path),
    }


def _detail_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    now = timezone.now()
    events = list(
        CaseEvent.objects.filter(case=case)
        .select_related("department")
        .prefetch_related("photos")
        .order_by("at", "id")
    )
    assignments = list(case.assignments.select_related("department").order_by("-role", "id"))
    rows = available_actions(request.user, case)
    return {
        "case": case,
        "now": now,
        "events": events,
        "intake_photos": [p for e in events[:1] for p in e.photos.all()],
        "assignments": assignments,
        "actions": rows,
        "reporter": _reporter(request, case),
        "map_data": selectors.case_map(case),
        "overdue": case.state in selectors.RUNNING
        and case.resolve_by is not None
        and case.resolve_by < now,
        "respond_running": case.state == State.REGISTERED,
        "duplicates": list(case.duplicates.only("pk", "number", "title")),
        "reveal_name": RevealForm(initial={"field": "reporter_name"}, auto_id="id_rn_%s"),
        "reveal_phone": RevealForm(initial={"field": "reporter_phone"}, auto_id="id_rp_%s"),
    }


@signed_in
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_case_user(request)
    case = access_case(request.user, pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


@requires(Perm.PERSONAL_REVEAL)
@require_POST
def case_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter's name or phone in full, for a call back: a reason, an audit record."""
    case = access_case(request.user, pk)
    if not may_see_reporter(request.user, case):
        raise NotAllowed(Perm.PERSONAL_REVEAL)
    form = RevealForm(request.POST)
    value, error = "", ""
    if form.is_valid():
        try:
            value = reveal_reporter(
                actor=request.user,
                case=case,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            error = str(exc.errors[0].message)
    else:
        error = _("say why you need the full value")
    return render(
        request,
        "registry/_revealed.html",
        {"value": value, "error": error},
        status=400 if error else 200,
    )


@signed_in
@require_GET
def case_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo, only for those who may see its case (never a public media address)."""
    _ensure_case_user(request)
    try:
        photo = CasePhoto.objects.get(pk=int(pk))
    except CasePhoto.DoesNotExist:
        raise Http404 from None
    access_case(request.user, photo.case_id)
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return cast(HttpResponse, response)


# --- actions -----------------------------------------------------------------------------------


def _action_form(request: HttpRequest, case: Case, row: Any, data: Any = None) -> ActionForm:
    departments = None
    areas = None
    initial: dict[str, Any] = {"version": case.version}
    if {"lead_department", "co_departments"} & {*row.required, "co_departments"}:
        found = selectors.dispatch_departments(case)
        # the street's departments first, then the district's (the selector's order)
        rank = Case_(
            *[When(pk=d.pk, then=Value(i)) for i, d in enumerate(found)],
            output_field=IntegerField(),
        )
        departments = Department.objects.filter(pk__in=[d.pk for d in found]).order_by(rank)
        if row.action in (Action.WHISTLE, Action.REROUTE):
            active = list(
                case.assignments.filter(state__in=ACTIVE_ASSIGNMENT)
                .select_related("department")
                .order_by("-role", "id")
            )
            if active:
                initial["lead_department"] = case.lead_department_id or active[0].department_id
                initial["co_departments"] = [
                    a.department_id for a in active if a.department_id != initial["lead_department"]
                ]
            else:
                preset = selectors.default_department(case, found)
                if preset is not None:
                    initial["lead_department"] = preset.pk
    if "area" in row.required:
        areas = Area.objects.filter(pk__in=[a.pk for a in selectors.relocation_areas(case)])
    form = ActionForm(
        data,
        request.FILES if data is not None else None,
        row=row,
        departments=departments,
        areas=areas,
        initial=initial,
        prefix="act",
    )
    if data is not None:
        form.data = data
    return form


def _render_action(
    request: HttpRequest, case: Case, row: Any, form: ActionForm, status: int = 200
) -> HttpResponse:
    template = "cases/act.html#form" if getattr(request, "htmx", False) else "cases/act.html"
    return render(
        request,
        template,
        {"case": case, "row": row, "form": form, "action": row.action},
        status=status,
    )


def _conflict(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    fresh = access_case(request.user, case.pk)
    context = _detail_context(request, fresh)
    context["conflict"] = message
    return render(request, "cases/detail.html", context, status=409)


@signed_in
@require_http_methods(["GET", "POST"])
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One view for every workflow action: GET gives its small form (a fragment for htmx),
    POST applies it through ``case_act`` with the version the user saw."""
    _ensure_case_user(request)
    case = access_case(request.user, pk)
    try:
        act = Action(action)
    except ValueError:
        raise Http404 from None
    row = transition_for(act, case.state)
    if row is None:
        if request.method == "GET":
            raise Http404
        return _conflict(
            request,
            case,
            _("a case that is “%(state)s” cannot be given “%(action)s”")
            % {"state": case.get_state_display(), "action": act.label},
        )
    if not row.actors & actor_kinds(request.user, case):
        raise PermissionDenied
    if request.method == "GET":
        return _render_action(request, case, row, _action_form(request, case, row))
    form = _action_form(request, case, row, request.POST)
    if not form.is_valid():
        return _render_action(request, case, row, form, status=400)
    fields = form.service_fields()
    if "parent" in fields:
        try:
            fields["parent"] = access_case_by_number(request.user, fields["parent"].strip())
        except NotAllowed:
            form.add_error("parent", _("no such case in your area"))
            return _render_action(request, case, row, form, status=400)
    try:
        case_act(
            actor=request.user,
            case=case,
            action=act.value,
            version=form.cleaned_data["version"],
            **fields,
        )
    except ConflictError as exc:
        return _conflict(request, case, "; ".join(str(e.message) for e in exc.errors))
    except ServiceError as exc:
        add_service_errors(form, exc)
        return _render_action(request, case, row, form, status=400)
    except NotAllowed:
        raise PermissionDenied from None
    messages.success(request, _("%(action)s: done.") % {"action": act.label})
    return redirect("cases:detail", pk=case.pk)


# --- a department's board -----------------------------------------------------------------


@requires(Perm.CASE_RESPOND)
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cases/board.html",
        {"columns": selectors.board(request.user), "now": timezone.now()},
    )


# --- the list, search and export --------------------------------------------------------------


AREA_CHOICES = 300  # the area filter's list; a district has more areas than a list can show


def _list_areas(request: HttpRequest) -> list[Area]:
    """The areas the filter offers: the first AREA_CHOICES in scope, and the one asked for
    (from a link, say) even when it is further down, so that it filters instead of being
    refused as not a choice."""
    paths = scope_of(request.user).paths_with(Perm.CASE_VIEW)
    if not paths:
        return []
    in_scope = Area.objects.current().filter(within("area_path", paths), level__gte=Level.STREET)
    areas = list(in_scope.order_by("area_path")[:AREA_CHOICES])
    asked = request.GET.get("area", "")
    if asked.isdigit() and len(asked) < 16 and all(a.pk != int(asked) for a in areas):
        areas += list(in_scope.filter(pk=int(asked)))
    return areas


def _filters(request: HttpRequest) -> tuple[CaseFilterForm, selectors.CaseFilter]:
    areas = _list_areas(request)
    form = CaseFilterForm(
        request.GET or None, categories=selectors.grouped_categories(), areas=areas
    )
    data = valid_filters(form)
    area_path = ""
    if data.get("area"):
        area = next((a for a in areas if a.pk == data["area"]), None)
        area_path = area.area_path if area else ""
    return form, selectors.CaseFilter(
        query=data.get("q", "") or "",
        state=data.get("state", "") or "",
        channel=data.get("channel", "") or "",
        category=data.get("category"),
        level=data.get("level", "") or "",
        area_path=area_path,
        overdue=bool(data.get("overdue")),
        since=data.get("since"),
        until=data.get("until"),
    )


@signed_in
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    _ensure_case_user(request)
    form, filters = _filters(request)
    qs = selectors.cases(request.user, filters)
    total = qs[:10001].count()
    page = selectors.keyset_page(qs, request.GET.get("after"))
    if filters.is_phone_search:
        audit(
            actor=request.user,
            action=AuditAction.SEARCH,
            object_type="cases.case",
            changes={"query": "***", "results": [c.pk for c in page.rows]},
        )
    query = request.GET.copy()
    query.pop("after", None)
    now = timezone.now()
    context = {
        "form": form,
        "rows": page.rows,
        "next_after": page.next_after,
        "total": total,
        "capped": total > 10000,
        "query": query.urlencode(),
        "now": now,
        "can_export": scope_of(request.user).has(Perm.CASE_EXPORT),
    }
    template = "cases/list.html#results" if getattr(request, "htmx", False) else "cases/list.html"
    return render(request, template, context)


@requires(Perm.CASE_EXPORT)
@require_GET
def case_export(request: HttpRequest) -> HttpResponse:
    """The list, filtered as on the list page (the same GET parameters), as .xlsx."""
    _, filters = _filters(request)
    exported = export_cases(
        actor=request.user, cases=selectors.cases(request.user, filters), described=filters
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return cast(
        HttpResponse,
        FileResponse(
            exported.file,
            as_attachment=True,
            filename=f"哨件-{stamp}.xlsx",
            content_type=XLSX,
        ),
    )

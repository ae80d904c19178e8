"""The resident portal: report a problem, follow it, rate it; an optional account; the
public replies board; and the staff's page for publishing replies. Public pages show only
what shequ.portal.selectors lets out."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.accounts.decorators import public, requires
from shequ.accounts.middleware import client_ip
from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area
from shequ.cases.models import Case, CasePhoto, Category, Channel, PhotoKind, State
from shequ.core.errors import NotAllowed, ServiceError
from shequ.core.forms import add_service_errors, valid_filters
from shequ.core.paths import within
from shequ.portal import challenge, ratelimit, selectors
from shequ.portal.accounts import is_resident, resident_account_create, resident_authenticate
from shequ.portal.forms import BoardForm, PhoneForm, RateForm, ReplyForm, ReportForm, SignUpForm
from shequ.portal.models import CaseRating, PublicReply
from shequ.portal.services import (
    RATABLE,
    case_rate,
    case_report_by_resident,
    public_reply_publish,
    public_reply_withdraw,
)
from shequ.registry.codes import household_from_token

_NEW = "portal_new_case"
LOOKUPS_PER_HOUR = 60
SIGNUPS_PER_HOUR = 5


def _ip(request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"resident": is_resident(request.user)})


def _household_place(token: str) -> tuple[Any, str]:
    household = household_from_token(token) if token else None
    if household is None or household.house is None:
        return None, ""
    house = household.house
    return household, f"{house.building.address} {house.building} {house}"


def _report_page(request: HttpRequest, form: ReportForm, status: int = 200) -> HttpResponse:
    token = form["household_code"].value() or ""
    _household, place = _household_place(str(token))
    return render(
        request,
        "portal/report.html",
        {
            "form": form,
            "question": challenge.current_question(request),
            "place": place,
            "groups": selectors.report_categories(),
            "map_data": selectors.service_map() if not place else None,
        },
        status=status,
    )


@public
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        challenge.new_question(request)
        form = ReportForm(
            initial={"form_key": secrets.token_urlsafe(16), "household_code": request.GET.get("h")}
        )
        return _report_page(request, form)
    form = ReportForm(request.POST, request.FILES)
    key = str(request.POST.get("form_key") or "")[:40]
    if key:
        # The same form sent again (a flaky network, a double tap): the case it made.
        done = Case.objects.filter(channel=Channel.RESIDENT, external_ref=f"portal-{key}").first()
        if done is not None:
            return redirect("portal:track", code=done.tracking_code)
    if not form.is_valid():
        return _report_page(request, form, 400)
    who = [("report-ip", _ip(request))]
    if is_resident(request.user):
        who.append(("report-user", str(request.user.pk)))
    limit = ratelimit.reports_per_hour()
    if not all(ratelimit.allowed(scope, name, limit=limit) for scope, name in who):
        form.add_error(None, _("Too many reports from here in the last hour. Please try later."))
        return _report_page(request, form, 429)
    if not challenge.check_answer(request, form.cleaned_data["answer"]):
        challenge.new_question(request)
        form.add_error("answer", _("the answer is not right; here is a new question"))
        return _report_page(request, form, 400)
    data = form.cleaned_data
    household, _place = _household_place(data["household_code"])
    if data["household_code"] and household is None:
        challenge.new_question(request)
        form.add_error(None, _("this door code is no longer valid; put a pin on the map instead"))
        return _report_page(request, form, 400)
    try:
        case, _created = case_report_by_resident(
            user=request.user,
            category=data["category"],
            description=data["description"],
            longitude=data["longitude"],
            latitude=data["latitude"],
            household=household,
            address=data["address"],
            photos=data["photos"],
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
            anonymous=data["anonymous"],
            form_key=data["form_key"],
        )
    except ServiceError as exc:
        challenge.new_question(request)
        add_service_errors(form, exc, {"location": "__all__"})
        return _report_page(request, form, 400)
    for scope, name in who:
        ratelimit.count(scope, name)
    request.session[_NEW] = case.tracking_code
    return redirect("portal:track", code=case.tracking_code)


@public
def find(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "")
    if not ratelimit.allowed("lookup-ip", _ip(request), limit=LOOKUPS_PER_HOUR):
        messages.error(request, _("Too many look-ups from here. Please try later."))
        return redirect("portal:home")
    case = selectors.case_by_code(code)
    if case is None:
        ratelimit.count("lookup-ip", _ip(request))
        messages.error(request, _("No report has this tracking code. Check it and try again."))
        return redirect("portal:home")
    return redirect("portal:track", code=case.tracking_code)


def _tracked(code: str) -> Case:
    case = selectors.case_by_code(code)
    if case is None:
        raise Http404
    return case


@public
def track(request: HttpRequest, code: str) -> HttpResponse:
    case = _tracked(code)
    # The "keep this code" banner shows once, right after the report.
    is_new = request.session.get(_NEW) == case.tracking_code
    if is_new:
        del request.session[_NEW]
    rating = CaseRating.objects.filter(case=case).first()
    photos = list(case.photos.filter(kind__in=(PhotoKind.INTAKE, PhotoKind.RESULT)))
    return render(
        request,
        "portal/track.html",
        {
            "case": case,
            "state": selectors.public_state(case),
            "steps": selectors.public_timeline(case),
            "photos": photos,
            "rating": rating,
            "may_rate": rating is None and case.state in RATABLE,
            "rate_form": RateForm(),
            "is_new": is_new,
            "category": case.category.plain_name or case.category.name,
        },
    )


@public
@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    case = _tracked(code)
    form = RateForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}")
        return redirect("portal:track", code=case.tracking_code)
    try:
        case_rate(case=case, user=request.user, **form.cleaned_data)
    except ServiceError as exc:
        for problem in exc.errors:
            messages.error(request, str(problem.message))
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("portal:track", code=case.tracking_code)


@public
def photo(request: HttpRequest, code: str, pk: int) -> FileResponse:
    case = _tracked(code)
    item = get_object_or_404(CasePhoto, pk=pk, case=case)
    response = FileResponse(item.image.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- resident accounts ------------------------------------------------------------------------


@public
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if not ratelimit.allowed("signup-ip", _ip(request), limit=SIGNUPS_PER_HOUR):
                form.add_error(None, _("Too many new accounts from here. Please try later."))
                status = 429
            elif not challenge.check_answer(request, form.cleaned_data["answer"]):
                form.add_error("answer", _("the answer is not right; here is a new question"))
            else:
                try:
                    user = resident_account_create(
                        phone=form.cleaned_data["phone"], password=form.cleaned_data["password"]
                    )
                except ServiceError as exc:
                    add_service_errors(form, exc)
                else:
                    ratelimit.count("signup-ip", _ip(request))
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    messages.success(request, _("Your account is ready."))
                    return redirect("portal:mine")
        challenge.new_question(request)
    else:
        challenge.new_question(request)
    return render(
        request,
        "portal/sign_up.html",
        {"form": form, "question": challenge.current_question(request)},
        status=status,
    )


@public
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = resident_authenticate(
            request, phone=form.cleaned_data["phone"], password=form.cleaned_data["password"]
        )
        if user is not None:
            login(request, user)
            return redirect("portal:mine")
        form.add_error(None, _("The phone number or the password is not right."))
    return render(
        request, "portal/sign_in.html", {"form": form}, status=400 if form.errors else 200
    )


@public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if is_resident(request.user):
        logout(request)
    return redirect("portal:home")


@public
def mine(request: HttpRequest) -> HttpResponse:
    """The signed-in resident's own reports (anyone else is asked to sign in)."""
    if not is_resident(request.user):
        return redirect("portal:sign_in")
    cases = list(selectors.my_cases(request.user)[:100])
    return render(
        request,
        "portal/mine.html",
        {
            "rows": [(c, selectors.public_state(c)) for c in cases],
            "phone": request.user.resident_account.phone_mask,  # type: ignore[union-attr]
        },
    )


# --- public replies (呼声回应) -----------------------------------------------------------------


@public
def replies(request: HttpRequest) -> HttpResponse:
    form = BoardForm(request.GET)
    data = valid_filters(form)
    area_id, category_id = data.get("area"), data.get("category")
    area = Area.objects.filter(pk=area_id).first() if area_id else None
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    query = data.get("q") or ""
    rows = selectors.published_replies(query=query, area=area, category=category)
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/replies.html",
        {
            "page": page,
            "query": query,
            "area": area,
            "category": category,
            "areas": selectors.board_areas(),
            "categories": selectors.board_categories(),
        },
    )


@public
def reply_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        PublicReply.objects.select_related("category", "area"), pk=pk, is_published=True
    )
    return render(request, "portal/reply.html", {"item": item})


def _managed_cases(user: Any) -> Any:
    return Case.objects.filter(within("area_path", scope_of(user).paths_with(Perm.CASE_MANAGE)))


@requires(Perm.CASE_MANAGE)
def staff_replies(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "").strip()[:50]
    closed = (
        _managed_cases(request.user)
        .filter(state=State.CLOSED, public_reply__isnull=True)
        .select_related("category", "lead_department")
    )
    if query:
        closed = closed.filter(Q(number__icontains=query) | Q(title__icontains=query))
    published = PublicReply.objects.visible_to(request.user).select_related("case")
    return render(
        request,
        "portal/staff_replies.html",
        {
            "closed": list(closed.order_by("-closed_at", "-id")[:50]),
            "published": list(published[:100]),
            "query": query,
        },
    )


@requires(Perm.CASE_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_reply_edit(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _managed_cases(request.user).select_related("lead_department").filter(pk=case_pk).first()
    if case is None:
        raise NotAllowed(Perm.CASE_MANAGE)
    existing = PublicReply.objects.filter(case=case).first()
    if request.method == "POST":
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                public_reply_publish(actor=request.user, case=case, **form.cleaned_data)
            except ServiceError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Published on the public replies board."))
                return redirect("portal:staff_replies")
        status = 400
    else:
        initial = (
            {
                "title": existing.title,
                "summary": existing.summary,
                "reply": existing.reply,
                "department_name": existing.department_name,
            }
            if existing
            else {
                "title": case.title,
                "summary": case.description,
                "department_name": case.lead_department.name if case.lead_department else "",
            }
        )
        form = ReplyForm(initial=initial)
        status = 200
    return render(
        request,
        "portal/staff_reply_edit.html",
        {"form": form, "case": case, "existing": existing},
        status=status,
    )


@requires(Perm.CASE_MANAGE)
@require_POST
def staff_reply_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    item = PublicReply.objects.visible_to(request.user).filter(pk=pk).first()
    if item is None:
        raise NotAllowed(Perm.CASE_MANAGE)
    public_reply_withdraw(actor=request.user, item=item)
    messages.success(request, _("Taken off the public board."))
    return redirect("portal:staff_replies")

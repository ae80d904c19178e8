"""Open311 GeoReport v2 over the case engine (docs/open311.md). Every answer is XML or JSON
by the suffix; every refusal is GeoReport's error list with 400, 403, 404 or 413, never a
5xx. Requests are registered through the same service as the resident portal."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from shequ.accounts.decorators import public, requires
from shequ.accounts.roles import Perm
from shequ.areas.models import Area, Level
from shequ.cases.models import FINAL_STATES, Case, CasePhoto, Category, Channel, PhotoKind
from shequ.core.errors import ServiceError
from shequ.core.middleware import nul_field
from shequ.open311 import georeport
from shequ.open311.models import ApiKey
from shequ.open311.services import api_key_find, api_key_issue, api_key_set_active
from shequ.portal.actors import open311_door
from shequ.portal.selectors import public_state
from shequ.portal.services import case_report
from shequ.registry.codes import household_from_token

SPEC = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
STATUSES = ("open", "closed")


def _fmt(fmt: str) -> str | None:
    return fmt if fmt in georeport.FORMATS else None


def _unknown_format(fmt: str) -> HttpResponse:
    return georeport.errors("xml", 404, _("unknown format “%(f)s”: use .xml or .json") % {"f": fmt})


# --- what can be reported ---------------------------------------------------------------------


def _services() -> QuerySet[Category]:
    return (
        Category.objects.filter(is_active=True, children__isnull=True)
        .select_related("parent")
        .order_by("parent__ordering", "parent__code", "ordering", "code")
    )


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.plain_name or category.name,
        "description": category.full_name,
        # No category asks extra questions yet: metadata false, and the definition is an
        # empty attribute list (docs/open311.md).
        "metadata": False,
        "type": "realtime",
        "keywords": category.name,
        "group": category.parent.name if category.parent else "",
    }


@public
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return _unknown_format(fmt)
    base = request.build_absolute_uri(reverse("open311:discovery", args=["xml"])).rsplit("/", 1)[0]
    data = {
        "changeset": w3c_now(),
        "contact": getattr(settings, "SHEQU_OPEN311_CONTACT", ""),
        "key_service": _("Keys are issued by the street's administrator."),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": w3c_now(),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return georeport.render(
        fmt, data, root="discovery", item_names={"endpoints": "endpoint", "formats": "format"}
    )


def w3c_now() -> str:
    return georeport.w3c(timezone.now()) or ""


@public
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return _unknown_format(fmt)
    return georeport.render(
        fmt, [_service(c) for c in _services()], root="services", item="service"
    )


@public
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return _unknown_format(fmt)
    category = _services().filter(code=code).first()
    if category is None:
        return georeport.errors(fmt, 404, _("no service has the code “%(c)s”") % {"c": code})
    return georeport.render(
        fmt,
        {"service_code": category.code, "attributes": []},
        root="service_definition",
        item_names={"attributes": "attribute", "values": "value"},
    )


# --- service requests -----------------------------------------------------------------------


def _open_data(key: ApiKey | None) -> QuerySet[Case]:
    """What a caller may read (decision 0026): residents' own reports that are not anonymous
    (the report form says they are public), and with a key the requests of its channel."""
    condition = Q(channel=Channel.RESIDENT, confidential=False)
    if key is not None:
        condition |= Q(channel=key.channel)
    return Case.objects.filter(condition)


def _public_photo(case: Case) -> CasePhoto | None:
    if case.channel != Channel.RESIDENT or case.confidential:
        return None
    photos = [p for p in case.photos.all() if p.kind == PhotoKind.INTAKE]
    return photos[0] if photos else None


def _request_row(request: HttpRequest, case: Case) -> dict[str, Any]:
    photo = _public_photo(case)
    closed = case.state in FINAL_STATES
    return {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": public_state(case),
        "service_name": case.category.plain_name or case.category.name,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": case.lead_department.name if case.lead_department else None,
        "service_notice": None,
        "requested_datetime": georeport.w3c(case.created_at),
        "updated_datetime": georeport.w3c(case.updated_at),
        "expected_datetime": None if closed else georeport.w3c(case.resolve_by),
        "address": case.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": (
            request.build_absolute_uri(reverse("open311:media", args=[photo.pk, photo.sha256[:32]]))
            if photo
            else None
        ),
    }


def _with_related(rows: QuerySet[Case]) -> QuerySet[Case]:
    return rows.select_related("category", "lead_department").prefetch_related("photos")


def _key_from(request: HttpRequest, body: QueryDict | None = None) -> tuple[str, ApiKey | None]:
    raw = (body.get("api_key") if body is not None else None) or request.GET.get("api_key") or ""
    return raw, api_key_find(raw) if raw else None


def _when(raw: str, name: str) -> dt.datetime:
    value = None
    try:
        value = parse_datetime(raw.strip().replace(" ", "+"))
    except ValueError:
        value = None
    if value is None:
        raise ValueError(
            _("%(name)s is not a date-time like 2026-11-01T08:00:00+08:00") % {"name": name}
        )
    if value.tzinfo is None:
        raise ValueError(
            _("%(name)s has no time zone: add Z or an offset such as +08:00") % {"name": name}
        )
    return value


def _positive(raw: str, name: str, default: int, most: int) -> int:
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ValueError(_("%(name)s must be a positive whole number") % {"name": name})
    return min(int(raw), most)


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    _raw, key = _key_from(request)
    rows = _with_related(_open_data(key))
    params = request.GET
    ids = [p.strip() for p in params.get("service_request_id", "").split(",") if p.strip()]
    if ids:
        # The spec: with ids given, the other parameters are ignored.
        found = {c.number: c for c in rows.filter(number__in=ids[:MAX_PAGE_SIZE])}
        return georeport.render(
            fmt,
            [_request_row(request, found[i]) for i in ids if i in found],
            root="service_requests",
            item="request",
        )
    problems = []
    try:
        start = _when(params["start_date"], "start_date") if params.get("start_date") else None
    except ValueError as exc:
        problems.append(str(exc))
        start = None
    try:
        end = _when(params["end_date"], "end_date") if params.get("end_date") else None
    except ValueError as exc:
        problems.append(str(exc))
        end = None
    statuses = [s.strip() for s in params.get("status", "").split(",") if s.strip()]
    problems += [
        _("status “%(s)s” is neither open nor closed") % {"s": s}
        for s in statuses
        if s not in STATUSES
    ]
    codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
    known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
    problems += [_("no service has the code “%(c)s”") % {"c": c} for c in codes if c not in known]
    try:
        page = _positive(params.get("page", ""), "page", 1, 10**6)
        size = _positive(params.get("page_size", ""), "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    except ValueError as exc:
        problems.append(str(exc))
        page, size = 1, DEFAULT_PAGE_SIZE
    if start and end and start > end:
        problems.append(_("start_date is after end_date"))
    if problems:
        return georeport.errors(fmt, 400, *problems)
    if start is None and end is None:
        end = timezone.now()
    if start is None and end is not None:
        start = end - DEFAULT_WINDOW
    if end is None and start is not None:
        end = start + DEFAULT_WINDOW
    rows = rows.filter(created_at__gte=start, created_at__lte=end)
    if codes:
        rows = rows.filter(category__code__in=codes)
    if statuses and set(statuses) != set(STATUSES):
        final = [s.value for s in FINAL_STATES]
        rows = (
            rows.filter(state__in=final)
            if statuses == ["closed"]
            else rows.exclude(state__in=final)
        )
    offset = (page - 1) * size
    chosen = list(rows.order_by("-created_at", "-id")[offset : offset + size])
    return georeport.render(
        fmt, [_request_row(request, c) for c in chosen], root="service_requests", item="request"
    )


def _body(request: HttpRequest) -> QueryDict:
    content_type = request.content_type or ""
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise ValueError(
            _(
                "send the request form-encoded (application/x-www-form-urlencoded or multipart/form-data)"
            )
        )
    field = nul_field(request.POST)
    if field is not None:
        raise ValueError(f"{field}: {_('Null characters are not allowed.')}")
    return request.POST


def _float(raw: str, name: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(_("%(name)s is not a number") % {"name": name}) from None
    if not math.isfinite(value):  # NaN, infinity
        raise ValueError(_("%(name)s is not a number") % {"name": name})
    return value


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        body = _body(request)
        files = request.FILES.getlist("media")
    except RequestDataTooBig:
        return georeport.errors(fmt, 413, _("the request is too large"))
    except (TooManyFieldsSent, TooManyFilesSent):
        return georeport.errors(fmt, 400, _("the request has too many fields"))
    except MultiPartParserError:
        return georeport.errors(fmt, 400, _("the multipart body cannot be read"))
    except ValueError as exc:
        return georeport.errors(fmt, 400, str(exc))
    raw, key = _key_from(request, body)
    if not raw:
        return georeport.errors(fmt, 403, _("api_key is required to post a request"))
    if key is None:
        return georeport.errors(fmt, 403, _("api_key is not valid"))
    problems: list[str] = []
    code = body.get("service_code", "").strip()
    category = _services().filter(code=code).first() if code else None
    if not code:
        problems.append(_("service_code is required"))
    elif category is None:
        problems.append(_("no service has the code “%(c)s”") % {"c": code})
    attributes = [k for k in body if k.startswith("attribute[")]
    problems += [
        _("%(a)s is not an attribute of this service") % {"a": name} for name in attributes
    ]
    lat_raw, long_raw = body.get("lat", "").strip(), body.get("long", "").strip()
    latitude = longitude = None
    if lat_raw or long_raw:
        if not (lat_raw and long_raw):
            problems.append(_("give both lat and long"))
        else:
            try:
                latitude, longitude = _float(lat_raw, "lat"), _float(long_raw, "long")
            except ValueError as exc:
                problems.append(str(exc))
    address = body.get("address_string", "").strip()
    address_id = body.get("address_id", "").strip()
    household = household_from_token(address_id) if address_id else None
    if address_id and household is None:
        problems.append(_("address_id is not a known household code"))
    if latitude is None and not address and household is None and not (lat_raw or long_raw):
        problems.append(_("give lat and long, address_string or address_id"))
    if address and latitude is None and household is None and key.area is None:
        problems.append(_("this key takes requests with lat and long only"))
    description = body.get("description", "").strip()
    media_url = body.get("media_url", "").strip()
    if media_url:
        picture = _("Picture:")
        description = f"{description}\n{picture} {media_url[:500]}".strip()
    if problems:
        return georeport.errors(fmt, 400, *problems)
    name = f"{body.get('last_name', '').strip()}{body.get('first_name', '').strip()}"
    idem = request.headers.get("Idempotency-Key", "").strip()
    if len(idem) > 40:
        return georeport.errors(fmt, 400, _("Idempotency-Key is at most 40 characters"))
    try:
        case, created = case_report(
            door=open311_door(key.name),
            channel=key.channel,
            category=category,
            description=description or (category.plain_name or category.name if category else ""),
            longitude=longitude,
            latitude=latitude,
            household=household,
            address=address,
            photos=files,
            reporter_name=name,
            reporter_phone=body.get("phone", "").strip(),
            external_ref=f"o311-{key.pk}-{idem}" if idem else "",
            fallback_area=key.area,
        )
    except ServiceError as exc:
        return georeport.errors(
            fmt, 400, *(f"{_field_name(e.field)}: {e.message}" for e in exc.errors)
        )
    row = {
        "service_request_id": case.number,
        "token": case.tracking_code,
        "service_notice": None,
        "account_id": None,
    }
    return georeport.render(
        fmt, [row], root="service_requests", item="request", status=201 if created else 200
    )


_FIELDS = {
    "reporter_phone": "phone",
    "reporter_name": "first_name",
    "location": "lat/long",
    "category": "service_code",
    "photos": "media",
    "household": "address_id",
}


def _field_name(name: str) -> str:
    return _FIELDS.get(name, name)


@public
@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return _unknown_format(fmt)
    if request.method == "POST":
        return _post_request(request, fmt)
    return _list_requests(request, fmt)


@public
def request_detail(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return _unknown_format(fmt)
    _raw, key = _key_from(request)
    case = _with_related(_open_data(key)).filter(number=number).first()
    if case is None:
        return georeport.errors(fmt, 404, _("no request has the id “%(i)s”") % {"i": number})
    return georeport.render(
        fmt, [_request_row(request, case)], root="service_requests", item="request"
    )


@public
def token(request: HttpRequest, value: str, fmt: str) -> HttpResponse:
    if not _fmt(fmt):
        return _unknown_format(fmt)
    case = Case.objects.filter(tracking_code=value.upper()).only("number", "tracking_code").first()
    if case is None:
        return georeport.errors(fmt, 404, _("no request has the token “%(t)s”") % {"t": value})
    return georeport.render(
        fmt,
        [{"service_request_id": case.number, "token": case.tracking_code}],
        root="service_requests",
        item="request",
    )


@public
def media(request: HttpRequest, pk: int, digest: str) -> FileResponse:
    photo = (
        CasePhoto.objects.select_related("case")
        .filter(pk=pk, kind=PhotoKind.INTAKE, sha256__startswith=digest[:32])
        .first()
    )
    if photo is None or len(digest) < 32 or _public_photo(photo.case) != photo:
        raise Http404
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- the administrators' key page ------------------------------------------------------------


@requires(Perm.CASE_CONFIGURE)
@require_http_methods(["GET", "POST"])
def keys(request: HttpRequest) -> HttpResponse:
    issued = None
    errors: list[str] = []
    if request.method == "POST":
        area = None
        area_id = request.POST.get("area", "")
        if area_id:
            area = Area.objects.filter(pk=area_id if area_id.isdigit() else 0).first()
            if area is None:
                errors.append(_("choose a current street"))
        if not errors:
            try:
                _key, issued = api_key_issue(
                    actor=request.user,
                    name=request.POST.get("name", ""),
                    channel=request.POST.get("channel", ""),
                    area=area,
                )
            except ServiceError as exc:
                errors = [str(e.message) for e in exc.errors]
    streets = Area.objects.current().filter(level=Level.STREET).order_by("code")
    return render(
        request,
        "open311/keys.html",
        {
            "keys": ApiKey.objects.select_related("area", "created_by"),
            "issued": issued,
            "errors": errors,
            "channels": Channel.choices,
            "streets": streets,
        },
        status=400 if errors else 200,
    )


@requires(Perm.CASE_CONFIGURE)
@require_POST
def key_active(request: HttpRequest, pk: int) -> HttpResponse:
    key = ApiKey.objects.filter(pk=pk).first()
    if key is None:
        raise Http404
    api_key_set_active(actor=request.user, key=key, active=request.POST.get("active") == "1")
    messages.success(request, _("Saved."))
    return redirect("open311:keys")

"""The case API (design guide §8): a thin twin of the case pages over the same services and
access helpers, with the one error shape, and idempotency keys on intake and on every
transition (decision 0022).

Status codes: 404 for a case the caller may not see (the same as a missing one), 403 for an
action or a reveal that is not the caller's on a case they see, 409 for an action the case's
state or version does not allow and for a reused idempotency key, 400 naming each field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, permissions, serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Department
from shequ.cases import idempotency
from shequ.cases.access import access_case, actor_kinds, visible_cases
from shequ.cases.categories import (
    calendar_export,
    calendar_import,
    category_export,
    category_import,
)
from shequ.cases.listing import CaseFilter, filter_cases
from shequ.cases.models import Case, CaseLevel, CasePhoto, Category, Channel, State
from shequ.cases.reporter import reveal_reporter
from shequ.cases.serializers import (
    ActSerializer,
    CaseDetailSerializer,
    CaseRevealedSerializer,
    CaseRevealSerializer,
    CaseSerializer,
    CategorySerializer,
    EventSerializer,
    ImportSummarySerializer,
    IntakeSerializer,
)
from shequ.cases.services import case_act, case_register
from shequ.cases.workflow import Action, transition_for
from shequ.core.api import ERRORS, HasPerm, KeysetPagination
from shequ.core.errors import FieldError, NotAllowed, ServiceError
from shequ.registry.models import House, Household

ERROR_RESPONSES = {400: ERRORS, 403: ERRORS, 404: ERRORS, 409: ERRORS}
IDEMPOTENCY_HEADER = OpenApiParameter(
    idempotency.HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any string of up to 100 characters, new for each new request. Sending the same "
        "request again with the same key returns the first answer and does nothing twice; "
        "the same key with a different body is refused with 409. Keys are kept for 24 hours."
    ),
)
REPLAYED = "Idempotent-Replayed"
# Who may read cases at all: those who keep an area's cases, and departments (who see the
# cases whistled to them).
READERS = (Perm.CASE_VIEW, Perm.CASE_RESPOND)


class ReadsCases(permissions.BasePermission):
    """Holds a case permission somewhere: the case itself is checked by ``access_case``."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        scope = scope_of(request.user)
        return any(scope.has(perm) for perm in READERS)


class ReadsOrTakesIn(ReadsCases):
    """GET: reads cases; POST: registers them."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method != "POST":
            return super().has_permission(request, view)
        user = request.user
        return bool(user and user.is_authenticated and scope_of(user).has(Perm.CASE_INTAKE))


class NewestFirst(KeysetPagination):
    ordering = "-id"


def _detail(request: Request, case: Case, status: int = 200, *, replayed: bool = False) -> Response:
    fresh = (
        Case.objects.select_related("category", "category__parent", "area", "parent")
        .prefetch_related("assignments__department", "photos")
        .get(pk=case.pk)
    )
    return _described(request, fresh, status, replayed=replayed)


def _described(
    request: Request, case: Case, status: int = 200, *, replayed: bool = False
) -> Response:
    """``case`` with its category (and its parent), area, parent case, assignments and photos
    at hand."""
    response = Response(
        CaseDetailSerializer(case, context={"request": request}).data, status=status
    )
    if replayed:
        response[REPLAYED] = "true"
    return response


def _fields_of(request: Request) -> Any:
    """The body's fields without its files (those are hashed by content)."""
    data = request.data
    if hasattr(data, "lists"):
        return {
            key: values[0] if len(values) == 1 else values
            for key, values in data.lists()
            if key not in request.FILES
        }
    return data


def _digest(request: Request) -> str:
    return idempotency.body_hash(request.path, _fields_of(request), request.FILES)


def _valid(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- cases ---------------------------------------------------------------------------------

LIST_PARAMETERS = [
    OpenApiParameter("state", str, enum=State.values),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("category", str, description="A category code; a parent finds its children"),
    OpenApiParameter("level", str, enum=CaseLevel.values),
    OpenApiParameter("area", int, description="An area id: the cases in it and under it"),
    OpenApiParameter("overdue", bool),
    OpenApiParameter("q", str, description="Two or more characters of the title or description"),
]


def _case_filter(request: Request) -> CaseFilter:
    params = request.query_params
    errors: list[FieldError] = []
    for name, allowed in (
        ("state", State.values),
        ("channel", Channel.values),
        ("level", CaseLevel.values),
    ):
        if params.get(name) and params[name] not in allowed:
            errors.append(FieldError(name, _("not one of %(v)s") % {"v": ", ".join(allowed)}))
    area = None
    if params.get("area"):
        area = Area.objects.filter(pk=_int(params["area"], "area", errors) or 0).first()
        if area is None and not errors:
            errors.append(FieldError("area", _("no such area")))
    overdue = None
    if params.get("overdue"):
        overdue = {"true": True, "1": True, "false": False, "0": False}.get(
            params["overdue"].lower()
        )
        if overdue is None:
            errors.append(FieldError("overdue", _("true or false")))
    if errors:
        raise ServiceError.of(errors)
    return CaseFilter(
        state=params.get("state", ""),
        channel=params.get("channel", ""),
        category=params.get("category", "")[:20],
        level=params.get("level", ""),
        area=area,
        overdue=overdue,
        query=params.get("q", ""),
    )


def _int(raw: str, field: str, errors: list[FieldError]) -> int | None:
    try:
        return int(raw)
    except ValueError:
        errors.append(FieldError(field, _("a whole number")))
        return None


class CaseListCreate(generics.ListAPIView):  # type: ignore[type-arg]
    """GET: the cases the caller may see, newest first (keyset pagination). POST: take a
    case in (JSON, or multipart with ``photos`` as files)."""

    serializer_class = CaseSerializer
    pagination_class = NewestFirst
    permission_classes = [ReadsOrTakesIn]
    parser_classes = [JSONParser, MultiPartParser]
    filter_backends = ()
    shequ_access = "perm:case.view"

    @extend_schema(parameters=LIST_PARAMETERS, responses={200: CaseSerializer(many=True)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return filter_cases(self.request.user, _case_filter(self.request))

    @extend_schema(
        request={
            "application/json": IntakeSerializer,
            "multipart/form-data": IntakeSerializer,
        },
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            201: OpenApiResponse(CaseDetailSerializer, description="Registered"),
            200: OpenApiResponse(
                CaseDetailSerializer,
                description="The same external reference (or idempotency key) was seen before",
            ),
            **ERROR_RESPONSES,
        },
    )
    def post(self, request: Request) -> Response:
        key = idempotency.clean_key(request.headers.get(idempotency.HEADER))
        data = _valid(IntakeSerializer(data=request.data))
        user = request.user
        errors: list[FieldError] = []
        category = (
            Category.objects.select_related("parent")
            .filter(code=data["category"].strip(), is_active=True)
            .first()
        )
        if category is None:
            errors.append(FieldError("category", _("no active category has this code")))
        house = household = area = None
        if data["house"] is not None:
            house = (
                House.objects.visible_to(user, Perm.CASE_INTAKE)
                .select_related("building__area")
                .filter(pk=data["house"])
                .first()
            )
            if house is None:
                errors.append(FieldError("house", _("no such house in your area")))
        if data["household"] is not None:
            household = (
                Household.objects.visible_to(user, Perm.CASE_INTAKE)
                .select_related("house__building__area")
                .filter(pk=data["household"])
                .first()
            )
            if household is None:
                errors.append(FieldError("household", _("no such household in your area")))
        if data["area"] is not None:
            # Not its boundary: a point is placed by its own query (services._locate_point).
            area = Area.objects.defer("boundary").filter(pk=data["area"]).first()
            if area is None:
                errors.append(FieldError("area", _("no such area")))
        if errors:
            raise ServiceError.of(errors)

        new_photos: list[CasePhoto] = []

        def work() -> tuple[Case, int]:
            registered = case_register(
                actor=user,
                channel=data["channel"],
                external_ref=data["external_ref"],
                category=category,
                level=data["level"],
                city_level=data["city_level"],
                title=data["title"],
                description=data["description"],
                reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"],
                anonymous=data["anonymous"],
                confidential=data["confidential"],
                longitude=data["longitude"],
                latitude=data["latitude"],
                house=house,
                household=household,
                address=data["address"],
                area=area,
                photos=data["photos"],
            )
            new_photos[:] = registered.photos
            return registered.case, 201 if registered.created else 200

        outcome = idempotency.run_once(
            actor=user,
            scope=idempotency.SCOPE_CREATE,
            key=key,
            digest=_digest(request),
            work=work,
        )
        if outcome.status == 201 and not outcome.replayed:
            # Created by this request: the service's case is what the database holds (its
            # category, area and photos are the objects written; a new case has no parent
            # and no departments yet), so it is described without reading it back.
            case = outcome.case
            case._prefetched_objects_cache = {"assignments": [], "photos": new_photos}  # type: ignore[attr-defined]
            return _described(request, case, 201)
        return _detail(request, outcome.case, outcome.status, replayed=outcome.replayed)


class CaseDetail(APIView):
    """One case: the reporter masked (hidden when confidential from those who handle rather
    than keep the case), departments, deadlines, photos, ``version`` and the ``actions`` the
    caller may take now."""

    permission_classes = [ReadsCases]
    shequ_access = "perm:case.view"

    @extend_schema(responses={200: CaseDetailSerializer, 403: ERRORS, 404: ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, access_case(request.user, pk))


class CaseEvents(APIView):
    """The case's timeline, oldest first."""

    permission_classes = [ReadsCases]
    shequ_access = "perm:case.view"

    @extend_schema(responses={200: EventSerializer(many=True), 403: ERRORS, 404: ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        case = access_case(request.user, pk)
        events = case.events.select_related("department").order_by("at", "id")
        return Response(EventSerializer(events, many=True).data)


def _act_fields(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The body's ids as the objects the service takes; an unknown id is named."""
    errors: list[FieldError] = []
    fields: dict[str, Any] = {
        name: data[name]
        for name in ("reason", "note", "comment", "days", "reached", "resolution", "satisfaction")
    }
    fields["photos"] = data["photos"]
    departments = {
        d.pk: d
        for d in Department.objects.filter(
            pk__in=[data["lead_department"] or 0, *data["co_departments"]]
        )
    }
    fields["lead_department"] = None
    if data["lead_department"] is not None:
        fields["lead_department"] = departments.get(data["lead_department"])
        if fields["lead_department"] is None:
            errors.append(FieldError("lead_department", _("no such department")))
    fields["co_departments"] = []
    for pk in data["co_departments"]:
        if pk not in departments:
            errors.append(
                FieldError("co_departments", _("no such department: %(id)s") % {"id": pk})
            )
        else:
            fields["co_departments"].append(departments[pk])
    fields["area"] = None
    if data["area"] is not None:
        fields["area"] = Area.objects.filter(pk=data["area"]).first()
        if fields["area"] is None:
            errors.append(FieldError("area", _("no such area")))
    fields["parent"] = None
    if data["parent"]:
        fields["parent"] = visible_cases(user).filter(number=data["parent"].strip()).first()
        if fields["parent"] is None:
            errors.append(FieldError("parent", _("no such case in your area")))
    if errors:
        raise ServiceError.of(errors)
    return fields


class CaseAct(APIView):
    """Take a workflow action (``docs/workflow.md`` lists them, who may take each from which
    state and which fields it needs). Multipart is accepted too, for ``photos`` on
    ``resolve``."""

    permission_classes = [ReadsCases]
    parser_classes = [JSONParser, MultiPartParser]
    shequ_access = "perm:case.view"

    @extend_schema(
        request={"application/json": ActSerializer, "multipart/form-data": ActSerializer},
        parameters=[
            IDEMPOTENCY_HEADER,
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=Action.values),
        ],
        responses={200: CaseDetailSerializer, **ERROR_RESPONSES},
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        user = request.user
        case = access_case(user, pk)
        if action not in Action.values:
            raise Http404
        row = transition_for(action, case.state)
        if row is not None and not (row.actors & actor_kinds(user, case)):
            raise PermissionDenied
        key = idempotency.clean_key(request.headers.get(idempotency.HEADER))
        data = _valid(ActSerializer(data=request.data))
        fields = _act_fields(user, data)

        def work() -> tuple[Case, int]:
            try:
                done = case_act(
                    actor=user, case=case, action=action, version=data["version"], **fields
                )
            except NotAllowed:
                # The case is the caller's to see, the action is not theirs to take.
                raise PermissionDenied from None
            return done, 200

        outcome = idempotency.run_once(
            actor=user,
            scope=idempotency.SCOPE_ACT,
            key=key,
            digest=_digest(request),
            work=work,
            lock=lambda: Case.objects.select_for_update().filter(pk=case.pk).exists(),
        )
        return _detail(request, outcome.case, outcome.status, replayed=outcome.replayed)


class CaseReveal(APIView):
    """The reporter's full name or phone, for a follow-up call: with a reason, audited."""

    permission_classes = [HasPerm]
    required_perm = Perm.PERSONAL_REVEAL
    shequ_access = "perm:personal.reveal"

    @extend_schema(
        request=CaseRevealSerializer, responses={200: CaseRevealedSerializer, **ERROR_RESPONSES}
    )
    def post(self, request: Request, pk: int) -> Response:
        case = access_case(request.user, pk)
        data = _valid(CaseRevealSerializer(data=request.data))
        try:
            value = reveal_reporter(
                actor=request.user, case=case, field=data["field"], reason=data["reason"]
            )
        except NotAllowed:
            raise PermissionDenied from None
        return Response({"value": value})


# --- categories and the calendar -----------------------------------------------------------


class CategoryTree(APIView):
    """Every category, children nested under their parent (what intake forms offer)."""

    permission_classes = [HasPerm]
    shequ_access = "signed_in"

    @extend_schema(responses={200: CategorySerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = list(Category.objects.order_by("ordering", "code"))
        children: dict[int | None, list[Category]] = {}
        for row in rows:
            children.setdefault(row.parent_id, []).append(row)
        context = {"request": request, "children": children}
        return Response(CategorySerializer(children.get(None, []), many=True, context=context).data)


FILE_BODY = {
    "application/json": {"type": "object"},
    "multipart/form-data": {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
    },
}


def _payload(request: Request) -> Any:
    upload = request.FILES.get("file")
    if upload is not None:
        return upload.read()
    if isinstance(request.data, dict) and "format" in request.data:
        return dict(request.data)
    raise ServiceError.single("file", _("send the file as JSON, or upload it as “file”"))


def _summary(summary: Any) -> Response:
    return Response(
        {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged}
    )


class CategoryExport(APIView):
    """The categories in the file format that import reads (``shequ-categories-1``)."""

    permission_classes = [HasPerm]
    required_perm = Perm.CASE_CONFIGURE
    shequ_access = "perm:case.configure"

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 403: ERRORS})
    def get(self, request: Request) -> Response:
        return Response(category_export())


class CategoryImport(APIView):
    """Create or update categories from a ``shequ-categories-1`` file (JSON body or a
    ``file`` upload): all or nothing; the same file twice changes nothing."""

    permission_classes = [HasPerm]
    parser_classes = [JSONParser, MultiPartParser]
    required_perm = Perm.CASE_CONFIGURE
    shequ_access = "perm:case.configure"

    @extend_schema(request=FILE_BODY, responses={200: ImportSummarySerializer, **ERROR_RESPONSES})
    def post(self, request: Request) -> Response:
        return _summary(category_import(actor=request.user, payload=_payload(request)))


class CalendarExport(APIView):
    """The holiday calendar (``shequ-calendar-1``): holidays and make-up working days."""

    permission_classes = [HasPerm]
    required_perm = Perm.CASE_CONFIGURE
    shequ_access = "perm:case.configure"

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 403: ERRORS})
    def get(self, request: Request) -> Response:
        return Response(calendar_export())


class CalendarImport(APIView):
    """Add or change calendar days from a ``shequ-calendar-1`` file: all or nothing."""

    permission_classes = [HasPerm]
    parser_classes = [JSONParser, MultiPartParser]
    required_perm = Perm.CASE_CONFIGURE
    shequ_access = "perm:case.configure"

    @extend_schema(request=FILE_BODY, responses={200: ImportSummarySerializer, **ERROR_RESPONSES})
    def post(self, request: Request) -> Response:
        return _summary(calendar_import(actor=request.user, payload=_payload(request)))

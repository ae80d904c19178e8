"""Register pages: statistics, search, buildings as floors × entrances, households with their
history, the grid worker's phone actions, door labels and the household-code scan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.accounts.decorators import public, requires
from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Level
from shequ.areas.selectors import access_area, breadcrumbs, top_areas
from shequ.core.actions import submit
from shequ.core.audit import AuditAction, audit
from shequ.core.errors import NotAllowed, ServiceError
from shequ.core.forms import add_service_errors, valid_filters
from shequ.core.paths import within
from shequ.registry import selectors, stats
from shequ.registry.codes import household_from_token, household_token, qr_svg
from shequ.registry.colours import PRECEDENCE, counts_without_care, hide_care
from shequ.registry.forms import (
    BuildingForm,
    BuildingHeadForm,
    HouseForm,
    MoveInForm,
    MoveOutForm,
    PhoneForm,
    RejoinForm,
    ResidentEditForm,
    ResidentForm,
    ResidentSearchForm,
    RevealForm,
    UnitForm,
    VisitForm,
)
from shequ.registry.models import Building, CareTag, Colour, House, Household, Residency, Resident
from shequ.registry.personal import id_number_index, reveal
from shequ.registry.services import (
    ResidentData,
    building_create,
    building_set_head,
    clean_resident,
    house_create,
    household_code_renew,
    household_create,
    household_move_in,
    household_move_out,
    household_update,
    resident_add,
    resident_move_in,
    resident_move_out,
    resident_update,
    unit_add,
    visit_add,
)

PAGE = 50


def _parse_day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _legend(
    counts: dict[tuple[str, str], int] | None = None, *, show_care: bool = True
) -> list[dict[str, Any]]:
    return [
        {"key": c.value, "label": c.label, "count": (counts or {}).get(("colour", c.value), 0)}
        for c in PRECEDENCE
        if show_care or c != Colour.CARE
    ]


# --- statistics and search ------------------------------------------------------------------


@requires(Perm.REGISTER_VIEW)
def register_home(request: HttpRequest) -> HttpResponse:
    """Statistics of one area (default: the user's own), read from the rollups."""
    raw = request.GET.get("area")
    if raw:
        area = access_area(request.user, raw, Perm.REGISTER_VIEW)
    else:
        tops = [
            a
            for a in top_areas(request.user)
            if scope_of(request.user).allows(Perm.REGISTER_VIEW, a.area_path)
        ]
        if not tops:
            raise NotAllowed(Perm.REGISTER_VIEW)
        area = tops[0]
    counts = stats.counts_for(area.area_path)
    birth_years = {key: n for (measure, key), n in counts.items() if measure == "birth_year"}
    show_care = selectors.may_see_care(request.user, area.area_path)
    children = (
        list(Area.objects.current().filter(parent=area).order_by("code"))
        if area.level < Level.SUBGRID
        else []
    )
    child_counts = (
        {c.pk: stats.counts_for(c.area_path) for c in children} if len(children) <= 60 else {}
    )
    buildings = (
        # a grid's buildings, including those of its subgrids
        list(
            Building.objects.filter(within("area_path", [area.area_path])).order_by(
                "estate", "number"
            )[:300]
        )
        if area.level >= Level.GRID
        else []
    )
    return render(
        request,
        "registry/home.html",
        {
            "area": area,
            "crumbs": breadcrumbs(request.user, area),
            "counts": counts,
            "residents": counts.get(("residents", ""), 0),
            "households": counts.get(("households", ""), 0),
            "registered": counts.get(("residency", Residency.REGISTERED), 0),
            "non_local": counts.get(("residency", Residency.NON_LOCAL), 0),
            "party_members": counts.get(("party_members", ""), 0),
            "ages": stats.age_bands(birth_years, timezone.localdate()),
            "legend": _legend(
                counts if show_care else counts_without_care(area.area_path, counts),
                show_care=show_care,
            ),
            "care": [(t.label, counts.get(("care_tag", t.value), 0)) for t in CareTag]
            if show_care
            else None,
            "children": [
                (
                    c,
                    child_counts.get(c.pk, {}).get(("households", ""), 0),
                    child_counts.get(c.pk, {}).get(("residents", ""), 0),
                    child_counts.get(c.pk, {}).get(("residency", Residency.NON_LOCAL), 0),
                )
                for c in children
            ],
            "buildings": buildings,
            "form": ResidentSearchForm(),
            "can_import": scope_of(request.user).allows(Perm.REGISTER_IMPORT, area.area_path),
            "my_areas": [
                a
                for a in top_areas(request.user)
                if scope_of(request.user).allows(Perm.REGISTER_VIEW, a.area_path)
            ],
            "building_form": BuildingForm()
            if area.level >= Level.GRID
            and scope_of(request.user).allows(Perm.REGISTER_EDIT, area.area_path)
            else None,
        },
    )


@requires(Perm.REGISTER_VIEW)
def resident_list(request: HttpRequest) -> HttpResponse:
    form = ResidentSearchForm(request.GET or None)
    data = valid_filters(form)
    area_path = ""
    if request.GET.get("area"):
        area_path = access_area(request.user, request.GET["area"], Perm.REGISTER_VIEW).area_path
    filters = selectors.ResidentFilter(
        query=data.get("q", ""),
        area_path=area_path,
        residency=data.get("residency", ""),
        care_tag=data.get("tag", "") if scope_of(request.user).has(Perm.CARE_VIEW) else "",
        colour=data.get("colour", ""),
        age_band=data.get("age", ""),
    )
    qs = selectors.residents(request.user, filters)
    total = qs[:10001].count()
    after = request.GET.get("after", "")
    page_qs = qs.filter(pk__gt=int(after)) if after.isdigit() else qs
    rows = list(page_qs[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    if filters.is_personal_search:
        audit(
            actor=request.user,
            action=AuditAction.SEARCH,
            object_type="registry.resident",
            changes={"query": "***", "results": [r.pk for r in rows]},
        )
    tags = selectors.care_tags_by_resident([r.pk for r in rows], user=request.user)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "rows": [(r, _labels(tags.get(r.pk, []))) for r in rows],
        "total": total,
        "capped": total > 10000,
        "next_after": rows[-1].pk if more and rows else None,
        "query": query.urlencode(),
        "show_care": scope_of(request.user).has(Perm.CARE_VIEW),
        "can_export": scope_of(request.user).has(Perm.REGISTER_EXPORT),
        "can_reveal": scope_of(request.user).has(Perm.PERSONAL_REVEAL),
        "export_params": [(name, value) for name, value in query.items() if value],
    }
    template = (
        "registry/resident_list.html#results"
        if getattr(request, "htmx", False)
        else "registry/resident_list.html"
    )
    return render(request, template, context)


# --- residents --------------------------------------------------------------------------------


@requires(Perm.REGISTER_VIEW)
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.access_resident(request.user, pk)
    scope = scope_of(request.user)
    show_care = selectors.may_see_care(request.user, resident.area_path)
    return render(
        request,
        "registry/resident.html",
        {
            "resident": resident,
            "household": resident.household,
            "tags": _labels(
                selectors.care_tags_by_resident([resident.pk], user=request.user).get(
                    resident.pk, []
                )
            )
            if show_care
            else None,
            "stays": resident.stays.select_related("household__house__building").order_by(
                "-valid_from"
            ),
            "can_reveal": scope.allows(Perm.PERSONAL_REVEAL, resident.area_path),
            "can_edit": scope.allows(Perm.REGISTER_EDIT, resident.area_path),
            "reveal_id": RevealForm(initial={"field": "id_number"}, auto_id="id_reveal_id_%s"),
            "reveal_phone": RevealForm(initial={"field": "phone"}, auto_id="id_reveal_phone_%s"),
            "phone_form": PhoneForm(),
            "move_form": MoveOutForm(),
            "edit_form": ResidentEditForm(
                show_care=show_care,
                initial={
                    "relation": resident.relation,
                    "residency": resident.residency,
                    "ethnicity": resident.ethnicity,
                    "workplace": resident.workplace,
                    "is_party_member": resident.is_party_member,
                    "care_tags": selectors.care_tags_by_resident([resident.pk]).get(resident.pk, [])
                    if show_care
                    else [],
                },
            ),
        },
    )


@requires(Perm.PERSONAL_REVEAL)
@require_POST
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.access_resident(request.user, pk, Perm.PERSONAL_REVEAL)
    form = RevealForm(request.POST)
    value, error = "", ""
    if form.is_valid():
        try:
            value = reveal(
                actor=request.user,
                obj=resident,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            error = str(exc.errors[0].message)
    else:
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    return render(
        request,
        "registry/_revealed.html",
        {"value": value, "error": error, "field": request.POST.get("field", "")},
        status=400 if error else 200,
    )


@requires(Perm.REGISTER_EDIT)
@require_POST
def resident_phone(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.access_resident(request.user, pk, Perm.REGISTER_EDIT)
    submit(
        request,
        PhoneForm(request.POST),
        lambda data: resident_update(actor=request.user, resident=resident, phone=data["phone"]),
        _("Phone of %(name)s changed.") % {"name": resident.name},
        _field_label,
    )
    return _back(request, resident)


@requires(Perm.REGISTER_EDIT)
@require_POST
def resident_move_out_view(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.access_resident(request.user, pk, Perm.REGISTER_EDIT)
    submit(
        request,
        MoveOutForm(request.POST),
        lambda data: resident_move_out(
            actor=request.user, resident=resident, on=data["on"], note=data["note"]
        ),
        _("%(name)s has moved out.") % {"name": resident.name},
        _field_label,
    )
    return _back(request, resident)


def _labels(tags: list[str]) -> list[str]:
    return [str(CareTag(t).label) for t in tags if t in CareTag.values]


def _back(request: HttpRequest, resident: Any) -> HttpResponse:
    if resident.household_id:
        return redirect("registry:household", pk=resident.household_id)
    return redirect("registry:resident", pk=resident.pk)


def _field_label(name: str) -> str:
    try:
        return str(getattr(Resident._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


# --- buildings, houses, households --------------------------------------------------------------


@requires(Perm.REGISTER_VIEW)
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.access_building(request.user, pk)
    show_care = selectors.may_see_care(request.user, building.area_path)
    grid = selectors.building_grid(building)
    if not show_care:
        hide_care([h for _floor, cells in grid for houses in cells for h in houses])
    return render(
        request,
        "registry/building.html",
        {
            "building": building,
            "crumbs": breadcrumbs(request.user, building.area),
            "grid": grid,
            "entrances": range(1, building.entrances + 1),
            "legend": _legend(show_care=show_care),
            "can_edit": scope_of(request.user).allows(Perm.REGISTER_EDIT, building.area_path),
            "head_form": BuildingHeadForm(
                residents=_building_residents(building), initial={"head": building.head_id}
            ),
            "house_form": HouseForm(),
        },
    )


@requires(Perm.REGISTER_VIEW)
def building_labels(request: HttpRequest, pk: int) -> HttpResponse:
    """A4 sheets of door labels: one QR code per household, with its address."""
    building = selectors.access_building(request.user, pk)
    households = (
        Household.objects.filter(house__building=building)
        .select_related("house")
        .order_by("house__entrance", "house__floor", "house__room", "pk")
    )
    labels = [
        {"house": h.house, "qr": qr_svg(request.build_absolute_uri(f"/h/{household_token(h)}/"))}
        for h in households
    ]
    return render(request, "registry/labels.html", {"building": building, "labels": labels})


@requires(Perm.REGISTER_VIEW)
def house_detail(request: HttpRequest, pk: int) -> HttpResponse:
    house = selectors.access_house(request.user, pk)
    if not selectors.may_see_care(request.user, house.area_path):
        hide_care([house])
    return render(
        request,
        "registry/house.html",
        {
            "house": house,
            "households": house.households.order_by("pk"),
            "past": house.household_stays.filter(valid_to__isnull=False)
            .select_related("household")
            .order_by("-valid_to"),
            "units": selectors.units_in(house),
            "colour": Colour(house.colour),
            "can_edit": scope_of(request.user).allows(Perm.REGISTER_EDIT, house.area_path),
            "unit_form": UnitForm(),
        },
    )


@requires(Perm.REGISTER_VIEW)
@require_http_methods(["GET", "POST"])
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.access_household(request.user, pk)
    scope = scope_of(request.user)
    can_edit = scope.allows(Perm.REGISTER_EDIT, household.area_path)
    show_care = selectors.may_see_care(request.user, household.area_path)
    on = _parse_day(request.GET.get("on"))
    form = ResidentForm(request.POST or None, show_care=show_care, prefix="member")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                member = ResidentData(
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    gender=data["gender"],
                    birth_date=data["birth_date"],
                    ethnicity=data["ethnicity"],
                    residency=data["residency"],
                    relation=data["relation"],
                    workplace=data["workplace"],
                    is_party_member=data["is_party_member"],
                    care_tags=tuple(data.get("care_tags") or ()),
                )
                added = resident_add(
                    actor=request.user,
                    household=household,
                    data=member,
                    clean=clean_resident(member, viewer=request.user),
                    on=data["on"],
                )
            except ServiceError as exc:
                add_service_errors(form, exc)
                for error in exc.errors:
                    if error.link:
                        messages.warning(request, str(error.message))
            else:
                messages.success(
                    request, _("%(name)s added to the household.") % {"name": added.name}
                )
                return redirect("registry:household", pk=household.pk)
    members = selectors.current_members(household)
    tags = (
        selectors.care_tags_by_resident([m.pk for m in members], user=request.user)
        if show_care
        else {}
    )
    house = household.house
    return render(
        request,
        "registry/household.html",
        {
            "household": household,
            "house": house,
            "crumbs": breadcrumbs(request.user, house.building.area) if house else [],
            "members": [(m, _labels(tags.get(m.pk, []))) for m in members],
            "on": on,
            "then": selectors.household_members_on(household, on) if on else None,
            "then_house": selectors.household_house_on(household, on) if on else None,
            "visits": selectors.visits(household),
            "can_edit": can_edit,
            "form": form,
            "phone_form": PhoneForm(),
            "move_form": MoveOutForm(),
            "visit_form": VisitForm(),
            "rejoin_form": RejoinForm(),
            "move_in_form": MoveInForm(houses=_houses_for(request, household))
            if can_edit and house is None
            else None,
            "history": household.stays.select_related("resident").order_by("-valid_from")[:30],
        },
        status=400 if form.errors else 200,
    )


def _houses_for(request: HttpRequest, household: Any) -> Any:
    """Houses a household may move into from its page: those of its own grid (where it last
    lived) that the user may edit; a move further away starts from the other grid's page."""
    return (
        House.objects.visible_to(request.user, Perm.REGISTER_EDIT)
        .filter(area_path=household.area_path)
        .select_related("building")
        .order_by("building", "entrance", "floor", "room")
    )


@requires(Perm.REGISTER_EDIT)
@require_POST
def household_move_out_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
    submit(
        request,
        MoveOutForm(request.POST),
        lambda data: household_move_out(
            actor=request.user, household=household, on=data["on"], note=data["note"]
        ),
        _("The household has moved out."),
    )
    return redirect("registry:household", pk=household.pk)


@requires(Perm.REGISTER_EDIT)
@require_POST
def household_move_in_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
    submit(
        request,
        MoveInForm(request.POST, houses=_houses_for(request, household)),
        lambda data: household_move_in(
            actor=request.user, household=household, house=data["house"], on=data["on"]
        ),
        _("The household has moved in."),
    )
    return redirect("registry:household", pk=household.pk)


@requires(Perm.REGISTER_EDIT)
@require_POST
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
    submit(
        request,
        VisitForm(request.POST),
        lambda data: visit_add(actor=request.user, household=household, note=data["note"]),
        _("Visit recorded."),
    )
    return redirect("registry:household", pk=household.pk)


@requires(Perm.REGISTER_EDIT)
@require_POST
def household_code_renew_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
    household_code_renew(actor=request.user, household=household)
    messages.success(
        request,
        _(
            "A new household code was made; print a new label. The old one no longer opens this household."
        ),
    )
    return redirect("registry:household", pk=household.pk)


# --- the scan ---------------------------------------------------------------------------------


@public
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """What a scanned door label opens: the household for staff who may see it; for anyone
    else a public page about the address, with no personal data."""
    household = household_from_token(token)
    if household is None:
        raise Http404
    if request.user.is_authenticated and scope_of(request.user).allows(
        Perm.REGISTER_VIEW, household.area_path
    ):
        return redirect("registry:household", pk=household.pk)
    house = household.house
    return render(
        request,
        "registry/scan_public.html",
        {
            "address": house.building.address if house else "",
            "place": f"{house.building} {house.entrance}单元 {house.room}" if house else "",
            "token": token,
        },
    )


@requires(Perm.REGISTER_EDIT)
@require_POST
def resident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.access_resident(request.user, pk, Perm.REGISTER_EDIT)
    submit(
        request,
        ResidentEditForm(
            request.POST, show_care=selectors.may_see_care(request.user, resident.area_path)
        ),
        lambda data: resident_update(actor=request.user, resident=resident, **data),
        _("Details of %(name)s saved.") % {"name": resident.name},
        _field_label,
    )
    return redirect("registry:resident", pk=resident.pk)


def _building_residents(building: Building) -> Any:
    return Resident.objects.filter(
        household__house__building=building, moved_out_on__isnull=True
    ).order_by("name")


@requires(Perm.REGISTER_EDIT)
@require_POST
def building_head(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the elected building head (楼栋长) — one of the building's residents."""
    building = selectors.access_building(request.user, pk, Perm.REGISTER_EDIT)
    submit(
        request,
        BuildingHeadForm(request.POST, residents=_building_residents(building)),
        lambda data: building_set_head(
            actor=request.user, building=building, resident=data["head"]
        ),
        _("Building head saved."),
    )
    return redirect("registry:building", pk=building.pk)


@requires(Perm.REGISTER_EDIT)
@require_POST
def household_party_center(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark or unmark a party-member central household (党员中心户)."""
    household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)
    household_update(
        actor=request.user, household=household, is_party_center=request.POST.get("value") == "1"
    )
    return redirect("registry:household", pk=household.pk)


@requires(Perm.REGISTER_EDIT)
@require_POST
def building_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A building in a grid or subgrid (pk is the area's)."""
    area = access_area(request.user, pk, Perm.REGISTER_EDIT)
    submit(
        request,
        BuildingForm(request.POST),
        lambda data: building_create(actor=request.user, area=area, **data),
        _("Building added."),
    )
    return redirect(f"{reverse('registry:home')}?area={area.pk}")


@requires(Perm.REGISTER_EDIT)
@require_POST
def house_new(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.access_building(request.user, pk, Perm.REGISTER_EDIT)
    submit(
        request,
        HouseForm(request.POST),
        lambda data: house_create(actor=request.user, building=building, **data),
        _("House added."),
    )
    return redirect("registry:building", pk=building.pk)


@requires(Perm.REGISTER_EDIT)
@require_POST
def household_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A new household moves into a house (pk is the house's); its members are added next."""
    house = selectors.access_house(request.user, pk, Perm.REGISTER_EDIT)
    household = household_create(actor=request.user, house=house)
    messages.success(request, _("New household registered: add its members."))
    return redirect("registry:household", pk=household.pk)


@requires(Perm.REGISTER_EDIT)
@require_POST
def unit_new(request: HttpRequest, pk: int) -> HttpResponse:
    house = selectors.access_house(request.user, pk, Perm.REGISTER_EDIT)
    submit(
        request,
        UnitForm(request.POST),
        lambda data: unit_add(actor=request.user, house=house, **data),
        _("Unit added."),
    )
    return redirect("registry:house", pk=house.pk)


@requires(Perm.REGISTER_EDIT)
@require_POST
def household_rejoin(request: HttpRequest, pk: int) -> HttpResponse:
    """Someone already in the register joins this household: back from elsewhere, or moving
    from another household (their old stay ends the same day)."""
    household = selectors.access_household(request.user, pk, Perm.REGISTER_EDIT)

    def join(data: dict[str, Any]) -> object:
        resident = (
            Resident.objects.visible_to(request.user, Perm.REGISTER_EDIT)
            .filter(id_number_bidx=id_number_index(data["id_number"]))
            .first()
        )
        if resident is None:
            raise ServiceError.single(
                "id_number",
                _(
                    "nobody with this ID number is in the register of your areas; add them as a new member"
                ),
            )
        return resident_move_in(
            actor=request.user,
            resident=resident,
            household=household,
            relation=data["relation"],
            on=data["on"],
        )

    submit(request, RejoinForm(request.POST), join, _("Moved into the household."))
    return redirect("registry:household", pk=household.pk)

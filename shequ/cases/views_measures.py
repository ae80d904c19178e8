"""The measures page (考核指标): counts and rates of an area over a period, by area, department,
category, level or channel, read from the rollups. Parse → access → selector → respond."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from shequ.accounts.decorators import signed_in
from shequ.areas.models import Area
from shequ.cases.selectors_measures import (
    GROUPS,
    PERIODS,
    Group,
    PeriodKind,
    Report,
    access_measure_area,
    may_see_measures,
    measure_areas,
    measure_departments,
    measures_report,
    period_of,
    weights,
)
from shequ.core.errors import NotAllowed, ServiceError
from shequ.core.forms import StyledForm, add_service_errors
from shequ.core.paths import ancestors


class MeasuresForm(StyledForm):
    area = forms.IntegerField(required=False, widget=forms.HiddenInput)
    period = forms.ChoiceField(label=_("Period"), choices=list(PERIODS.items()), required=False)
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group = forms.ChoiceField(label=_("Group by"), choices=list(GROUPS.items()), required=False)


def parse_request(user: Any, data: Any) -> tuple[MeasuresForm, Report | None]:
    """The form and, when it is valid, the report (shared by the page and the API).
    NotAllowed when the area is not the user's."""
    form = MeasuresForm(data)
    if not form.is_valid():
        return form, None
    raw_area = form.cleaned_data.get("area")
    if raw_area:
        area: Area = access_measure_area(user, raw_area)
    else:
        tops = measure_areas(user)
        if not tops:
            raise NotAllowed("case.view")
        area = tops[0]
    departments = measure_departments(user, area)
    try:
        period = period_of(
            form.cleaned_data.get("period") or PeriodKind.THIS_MONTH,
            form.cleaned_data.get("start"),
            form.cleaned_data.get("end"),
        )
        report = measures_report(
            area=area,
            period=period,
            group=form.cleaned_data.get("group") or Group.AREA,
            departments=departments,
        )
    except ServiceError as exc:
        add_service_errors(form, exc)
        form.area_obj = area  # type: ignore[attr-defined]
        return form, None
    return form, report


def _chart(report: Report) -> dict[str, Any]:
    rows = [r for r in report.rows if r.figures.received or r.figures.due]
    return {
        "labels": [r.label for r in rows],
        "received": [r.figures.received for r in rows],
        "closure": [
            float(r.figures.closure_rate) if r.figures.closure_rate is not None else None
            for r in rows
        ],
        "names": {"received": str(_("Received")), "closure": str(_("Closure rate (%)"))},
    }


def _crumbs(user: Any, area: Area) -> list[tuple[str, int | None]]:
    """The areas above and including ``area``, each linked when its measures are the user's."""
    rows = {
        a.area_path: a
        for a in Area.objects.current().filter(area_path__in=ancestors(area.area_path))
    }
    crumbs = []
    for path in ancestors(area.area_path):
        node = rows.get(path)
        if node is None:
            continue
        try:
            measure_departments(user, node)
            crumbs.append((node.name, node.pk))
        except NotAllowed:
            crumbs.append((node.name, None))
    return crumbs


@signed_in
def measures(request: HttpRequest) -> HttpResponse:
    if not may_see_measures(request.user):
        raise PermissionDenied
    form, report = parse_request(request.user, request.GET)
    area = report.area if report else getattr(form, "area_obj", None)
    response_w, resolution_w, satisfaction_w = weights()
    context = {
        "form": form,
        "report": report,
        "area": area,
        "my_areas": measure_areas(request.user),
        "crumbs": _crumbs(request.user, area) if area else [],
        "groups": GROUPS,
        "periods": PERIODS,
        "weights": {
            "response": response_w,
            "resolution": resolution_w,
            "satisfaction": satisfaction_w,
        },
        "chart": _chart(report) if report else None,
    }
    return render(request, "cases/measures.html", context)

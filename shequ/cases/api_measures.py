"""The API twin of the measures page: the same form, selector and scope; one error shape."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.cases.selectors_measures import GROUPS, PERIODS, may_see_measures, weights
from shequ.cases.views_measures import parse_request
from shequ.core.errors import FieldError, ServiceError


class MeasuresView(APIView):
    """Counts and rates (考核指标) of an area over a period, grouped by one dimension; the
    definitions are in docs/measures.md. Without ``area``: the caller's own highest area.
    A department handler gets the cases their department leads."""

    permission_classes = [permissions.IsAuthenticated]
    shequ_access = "signed_in"

    @extend_schema(
        parameters=[
            OpenApiParameter("area", int),
            OpenApiParameter("period", str, enum=list(PERIODS)),
            OpenApiParameter("start", str, description="YYYY-MM-DD, with period=custom"),
            OpenApiParameter("end", str, description="YYYY-MM-DD, with period=custom"),
            OpenApiParameter("group", str, enum=list(GROUPS)),
        ],
        responses={200: dict},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_see_measures(request.user):
            raise PermissionDenied
        form, report = parse_request(request.user, request.query_params)
        if report is None:
            raise ServiceError.of(
                [
                    FieldError(name or "request", str(message))
                    for name, messages in form.errors.items()
                    for message in messages
                ]
            )
        response_w, resolution_w, satisfaction_w = weights()
        return Response(
            {
                "area": {
                    "id": report.area.pk,
                    "code": report.area.code,
                    "name": report.area.name,
                },
                "period": {
                    "kind": report.period.kind,
                    "start": report.period.start.isoformat(),
                    "end": report.period.end.isoformat(),
                },
                "group": report.group,
                "departments": sorted(report.department_only)
                if report.department_only is not None
                else None,
                "weights": {
                    "response": response_w,
                    "resolution": resolution_w,
                    "satisfaction": satisfaction_w,
                },
                "total": report.total.as_dict(),
                "rows": [
                    {"key": str(row.key), "label": row.label, "area_id": row.area_id}
                    | row.figures.as_dict()
                    for row in report.rows
                ],
            }
        )

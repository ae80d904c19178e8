"""API twin of the case list's export (shequ/cases/views.py ``case_export``): the cases the
caller may export, filtered with the parameters of ``cases/``, as .xlsx; one audit record."""

from __future__ import annotations

from typing import cast

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from shequ.accounts.roles import Perm
from shequ.cases import selectors
from shequ.cases.api import LIST_PARAMETERS, _case_filter
from shequ.cases.export import export_cases
from shequ.cases.models import Category
from shequ.core.api import XLSX, HasPerm, XlsxRenderer


class CaseExport(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.CASE_EXPORT
    shequ_access = "perm:case.export"
    renderer_classes = [JSONRenderer, XlsxRenderer]

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The .xlsx")},
    )
    def get(self, request: Request) -> HttpResponse:
        checked = _case_filter(request)  # the list's checks: a bad parameter is a 400
        category = (
            Category.objects.filter(code=checked.category).values_list("pk", flat=True).first()
            if checked.category
            else None
        )
        filters = selectors.CaseFilter(
            query=checked.query,
            state=checked.state,
            channel=checked.channel,
            category=category if checked.category else None,
            level=checked.level,
            area_path=checked.area.area_path if checked.area else "",
            overdue=bool(checked.overdue),
        )
        cases = selectors.cases(request.user, filters)
        if checked.category and category is None:
            cases = cases.none()
        exported = export_cases(actor=request.user, cases=cases, described=filters)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return cast(
            HttpResponse,
            FileResponse(
                exported.file, as_attachment=True, filename=f"哨件-{stamp}.xlsx", content_type=XLSX
            ),
        )

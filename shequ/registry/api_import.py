"""API twins of the register sheet import (upload → status → commit or cancel) and of the
resident export: the same pipeline and export as the pages (shequ/registry/views_import.py),
the same scope, the one error shape."""

from __future__ import annotations

from typing import Any, cast

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.selectors import access_area
from shequ.core.api import MAX_ID, XLSX, HasPerm, XlsxRenderer
from shequ.core.errors import NotAllowed, ServiceError
from shequ.registry.models import CareTag, Colour, ImportJob, Residency
from shequ.registry.personal import MIN_REASON
from shequ.registry.selectors import AGE_RANGES, ResidentFilter, residents
from shequ.registry.sheets import export, pipeline


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    processed = serializers.SerializerMethodField()
    created = serializers.SerializerMethodField()
    preview = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = (
            "id",
            "area",
            "file_name",
            "status",
            "valid_only",
            "total_rows",
            "valid_rows",
            "processed",
            "error_count",
            "errors",
            "warnings",
            "preview",
            "created",
            "created_at",
            "finished_at",
        )

    def get_processed(self, job: ImportJob) -> int:
        return pipeline.processed_rows(job)

    def get_created(self, job: ImportJob) -> dict[str, Any]:
        """What a finished import wrote, by kind."""
        return dict(job.summary.get("created", {}))

    def get_preview(self, job: ImportJob) -> dict[str, Any]:
        """What a checked import would write, by kind."""
        return dict(job.summary.get("preview", {}))


class UploadSerializer(serializers.Serializer[Any]):
    area = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="A community, grid or subgrid to import into."
    )
    file = serializers.FileField(help_text=".xlsx, .xls or .csv (UTF-8 or GBK), at most 50 MB")


class CommitSerializer(serializers.Serializer[Any]):
    valid_only = serializers.BooleanField(
        default=False,
        help_text="Write only the valid rows (otherwise every row, which needs no error).",
    )


def _access_job(user: Any, pk: int) -> ImportJob:
    job: ImportJob | None = (
        ImportJob.objects.visible_to(user, Perm.REGISTER_IMPORT)
        .select_related("area", "created_by")
        .filter(pk=pk)
        .first()
    )
    if job is None:
        raise NotAllowed(Perm.REGISTER_IMPORT)
    return job


class ImportJobs(generics.ListAPIView):  # type: ignore[type-arg]
    """Import jobs in the caller's areas, oldest first (GET); POST uploads a sheet as a new
    job, which is checked at once (or by the worker): read its status until ``validated``,
    then commit or cancel it."""

    serializer_class = ImportJobSerializer
    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_IMPORT
    shequ_access = "perm:register.import"
    parser_classes = [MultiPartParser]

    def get_queryset(self) -> Any:
        return ImportJob.objects.visible_to(self.request.user, Perm.REGISTER_IMPORT)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer}, responses={201: ImportJobSerializer}
    )
    def post(self, request: Request) -> Response:
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        area = access_area(request.user, body.validated_data["area"], Perm.REGISTER_IMPORT)
        job = pipeline.import_upload(
            actor=request.user, area=area, upload=body.validated_data["file"]
        )
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=201)


class ImportJobDetail(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_IMPORT
    shequ_access = "perm:register.import"

    @extend_schema(responses={200: ImportJobSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ImportJobSerializer(_access_job(request.user, pk)).data)


class ImportCommit(APIView):
    """Write a checked import: every row (none may have an error) or only the valid ones."""

    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_IMPORT
    shequ_access = "perm:register.import"
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=CommitSerializer, responses={200: ImportJobSerializer})
    def post(self, request: Request, pk: int) -> Response:
        job = _access_job(request.user, pk)
        body = CommitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = pipeline.import_commit(
            actor=request.user, job=job, valid_only=body.validated_data["valid_only"]
        )
        done.refresh_from_db()
        return Response(ImportJobSerializer(done).data)


class ImportCancel(APIView):
    """Cancel an import that is not written yet; its file is deleted."""

    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_IMPORT
    shequ_access = "perm:register.import"

    @extend_schema(request=None, responses={200: ImportJobSerializer})
    def post(self, request: Request, pk: int) -> Response:
        job = _access_job(request.user, pk)
        return Response(
            ImportJobSerializer(pipeline.import_cancel(actor=request.user, job=job)).data
        )


class ResidentExport(APIView):
    """The resident list as .xlsx, filtered as ``residents/`` is. ID numbers and phones are
    masked unless ``reason`` is given (and the caller may reveal them there); every export
    is one audit record."""

    permission_classes = [HasPerm]
    required_perm = Perm.REGISTER_EXPORT
    shequ_access = "perm:register.export"
    renderer_classes = [JSONRenderer, XlsxRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("area", int),
            OpenApiParameter("residency", str, enum=Residency.values),
            OpenApiParameter("colour", str, enum=Colour.values),
            OpenApiParameter("tag", str, enum=CareTag.values),
            OpenApiParameter("age", str, enum=list(AGE_RANGES)),
            OpenApiParameter(
                "reason",
                str,
                description=f"Why full ID numbers and phones are needed (at least {MIN_REASON} "
                "characters); without it they are masked.",
            ),
        ],
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The .xlsx file"),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        params = request.query_params
        area_path = ""
        if params.get("area"):
            area_path = access_area(request.user, params["area"], Perm.REGISTER_VIEW).area_path
        filters = ResidentFilter(
            query=params.get("q", "")[:40],
            area_path=area_path,
            residency=params.get("residency", ""),
            care_tag=params.get("tag", "") if scope_of(request.user).has(Perm.CARE_VIEW) else "",
            colour=params.get("colour", ""),
            age_band=params.get("age", ""),
        )
        reason = " ".join(params.get("reason", "").split())
        if reason and len(reason) < MIN_REASON:
            raise ServiceError.single(
                "reason", _("say why (at least %(n)d characters)") % {"n": MIN_REASON}
            )
        exported = export.export_residents(
            actor=request.user,
            residents=residents(request.user, filters),
            described=filters,
            reveal_reason=reason,
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return cast(
            HttpResponse,
            FileResponse(
                exported.file,
                as_attachment=True,
                filename=f"居民台账-{stamp}.xlsx",
                content_type=XLSX,
            ),
        )

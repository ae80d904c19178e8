"""The site's URLs plus ``POST /bench/floor/``: the least a creating API endpoint does — the
same middleware, DRF's session authentication and JSON parsing, a two-field body checked
by a serializer, one row written through the ORM in a transaction (an audit record), a
small JSON answer with 201. ``bench/case_intake.py --floor`` measures it beside /health and
the intake, to show how far below it the intake can go on this stack."""

from typing import Any

from django.db import transaction
from django.urls import path
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as site_urlpatterns
from shequ.core.audit import AuditAction, audit


class FloorBody(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=4000)


class Floor(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def post(self, request: Request) -> Response:
        body = FloorBody(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            record = audit(
                actor=request.user,
                action=AuditAction.CREATE,
                object_type="bench.floor",
                object_id="0",
                object_repr=body.validated_data["title"],
            )
        return Response({"id": record.pk, "title": record.object_repr}, status=201)


urlpatterns = [*site_urlpatterns, path("bench/floor/", Floor.as_view())]

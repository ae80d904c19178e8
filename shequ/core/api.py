"""What every API endpoint shares: one error shape, keyset pagination, the access rule."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.fields import SkipField
from rest_framework.pagination import CursorPagination
from rest_framework.relations import PKOnlyObject
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import BindingDict
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.core.errors import NotAllowed, ServiceError

# The largest id (a BigAutoField) and the largest plain integer column: a bigger number in a
# body is refused by the serializer, not passed on to the database to overflow there.
MAX_ID = 2**63 - 1
MAX_INT = 2**31 - 1


_SHARED_LOCK = threading.Lock()


class SharedFields:
    """A serializer whose field objects are built once per class and shared by its instances.

    DRF builds every field of a serializer again for each instance: it deep-copies the
    declared fields and, for a ModelSerializer, reads the model and builds the rest — for the
    case detail's ~50 fields about a quarter of a ``POST /api/v1/cases/`` (bench/README.md,
    "Case intake"). A built field holds no state of a request: reading a value
    (``get_attribute``, ``to_representation``) and checking one (``run_validation``) use only
    what the field was built with. What does depend on the instance is a
    ``SerializerMethodField`` (it calls a method of its serializer, which reads the
    serializer's context), so ``to_representation`` calls those methods on ``self``.

    Only for serializers none of whose other fields read ``self.context`` (no hyperlinks, no
    ``CurrentUserDefault``, no context-dependent defaults): the shared fields are bound to a
    template instance that has no context. ``shequ/cases/tests/test_shared_fields.py`` compares the output
    and the errors with DRF's own per-instance fields.
    """

    _shared: ClassVar[
        dict[type, tuple[BindingDict, tuple[serializers.Field[Any, Any, Any, Any], ...]]]
    ] = {}

    @classmethod
    def _shared_fields(
        cls,
    ) -> tuple[BindingDict, tuple[serializers.Field[Any, Any, Any, Any], ...]]:
        shared = SharedFields._shared.get(cls)
        if shared is None:
            with _SHARED_LOCK:
                shared = SharedFields._shared.get(cls)
                if shared is None:
                    template: Any = cls()
                    fields = BindingDict(template)
                    for name, field in template.get_fields().items():
                        fields[name] = field
                    readable = tuple(f for f in fields.values() if not f.write_only)
                    shared = SharedFields._shared[cls] = (fields, readable)
        return shared

    @property
    def fields(self) -> BindingDict:
        return self._shared_fields()[0]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """DRF's ``Serializer.to_representation`` over the shared fields, with the method
        fields called on this instance."""
        ret: dict[str, Any] = {}
        for field in self._shared_fields()[1]:
            name: str = field.field_name  # type: ignore[assignment]  # set by bind()
            if isinstance(field, serializers.SerializerMethodField):
                ret[name] = getattr(self, field.method_name)(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check is None else field.to_representation(attribute)
        return ret


class ErrorSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    message = serializers.CharField()
    location = serializers.CharField(required=False)
    link = serializers.CharField(required=False)


class ErrorsSerializer(serializers.Serializer[Any]):
    """The one error shape of the API."""

    errors = ErrorSerializer(many=True)  # type: ignore[assignment]


ERRORS = OpenApiResponse(ErrorsSerializer, description="The one error shape")


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            name = "non_field" if key == "non_field_errors" else str(key)
            out += _flatten(value, f"{prefix}.{name}" if prefix else name)
        return out
    if isinstance(detail, list):
        return [item for value in detail for item in _flatten(value, prefix)]
    return [{"field": prefix or "request", "message": str(detail)}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error is ``{"errors": [{"field": ..., "message": ...}]}``."""
    if isinstance(exc, ServiceError):
        code = (
            status.HTTP_409_CONFLICT
            if exc.__class__.__name__ == "ConflictError"
            else status.HTTP_400_BAD_REQUEST
        )
        return Response({"errors": [e.as_dict() for e in exc.errors]}, status=code)
    if isinstance(exc, NotAllowed | Http404):
        return Response(
            {"errors": [{"field": "id", "message": _("Not found.")}]},
            status=status.HTTP_404_NOT_FOUND,
        )
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        # Django would answer these with its HTML 400 page; say what was wrong instead.
        return Response(
            {"errors": [{"field": "request", "message": _("The request is too large.")}]},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = {
            "errors": _flatten(
                response.data.get("detail", response.data)
                if isinstance(response.data, dict) and "detail" in response.data
                else response.data
            )
        }
    return response


class KeysetPagination(CursorPagination):
    """Cursor (keyset) pagination on the primary key: stable and fast on big tables."""

    ordering = "id"
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"


class HasPerm(permissions.BasePermission):
    """The view's ``required_perm`` held somewhere; objects are scoped by the queryset."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        perm: Perm | None = getattr(view, "required_perm", None)
        if not request.user or not request.user.is_authenticated:
            return False
        return perm is None or scope_of(request.user).has(perm)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class XlsxRenderer(BaseRenderer):
    """Lets an export endpoint answer its .xlsx file (a FileResponse, passed through) while
    its errors stay JSON."""

    media_type = XLSX
    format = "xlsx"
    charset = None

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return data

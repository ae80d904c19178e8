"""API twins of the staff's public-reply pages (呼声回应, shequ/portal/views.py): closed
cases waiting for a reply and the published ones, publishing (or editing) a case's reply,
and taking one off the board. The same services and scope (the caller's CASE_MANAGE areas)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.cases.models import Case, State
from shequ.core.api import HasPerm
from shequ.core.errors import NotAllowed
from shequ.core.paths import within
from shequ.portal.models import PublicReply
from shequ.portal.services import public_reply_publish, public_reply_withdraw


class PublicReplySerializer(serializers.ModelSerializer[PublicReply]):
    case_number = serializers.CharField(source="case.number", read_only=True)

    class Meta:
        model = PublicReply
        fields = (
            "id",
            "case",
            "case_number",
            "area",
            "category",
            "title",
            "summary",
            "reply",
            "department_name",
            "is_published",
            "published_at",
        )


class WaitingCaseSerializer(serializers.ModelSerializer[Case]):
    class Meta:
        model = Case
        fields = ("id", "number", "title", "closed_at")


class StaffRepliesSerializer(serializers.Serializer[Any]):
    waiting = WaitingCaseSerializer(many=True, help_text="Closed cases without a reply (50).")
    published = PublicReplySerializer(many=True, help_text="Replies on the board (100).")


class ReplySerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=100)
    summary = serializers.CharField(
        max_length=2000, help_text="What residents asked: remove names, phones, house numbers."
    )
    reply = serializers.CharField(max_length=2000)
    department_name = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )


def _managed_cases(user: Any) -> Any:
    return Case.objects.filter(within("area_path", scope_of(user).paths_with(Perm.CASE_MANAGE)))


class _Manages(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.CASE_MANAGE
    shequ_access = "perm:case.manage"


class StaffReplies(_Manages):
    """``q``: part of a case number or title, to find a closed case."""

    @extend_schema(parameters=[OpenApiParameter("q", str)], responses=StaffRepliesSerializer)
    def get(self, request: Request) -> Response:
        query = (request.query_params.get("q") or "").strip()[:50]
        waiting = _managed_cases(request.user).filter(state=State.CLOSED, public_reply__isnull=True)
        if query:
            waiting = waiting.filter(Q(number__icontains=query) | Q(title__icontains=query))
        published = PublicReply.objects.visible_to(request.user).select_related("case")
        return Response(
            StaffRepliesSerializer(
                {
                    "waiting": waiting.order_by("-closed_at", "-id")[:50],
                    "published": published[:100],
                }
            ).data
        )


class CaseReply(_Manages):
    """Publish a closed case's reply on the public board, or edit the one published."""

    @extend_schema(request=ReplySerializer, responses={200: PublicReplySerializer})
    def post(self, request: Request, case_pk: int) -> Response:
        case = _managed_cases(request.user).filter(pk=case_pk).first()
        if case is None:
            raise NotAllowed(Perm.CASE_MANAGE)
        body = ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = public_reply_publish(actor=request.user, case=case, **body.validated_data)
        return Response(PublicReplySerializer(item).data)


class ReplyWithdraw(_Manages):
    """Take a reply off the public board."""

    @extend_schema(request=None, responses={200: PublicReplySerializer})
    def post(self, request: Request, pk: int) -> Response:
        item = PublicReply.objects.visible_to(request.user).filter(pk=pk).first()
        if item is None:
            raise NotAllowed(Perm.CASE_MANAGE)
        return Response(
            PublicReplySerializer(public_reply_withdraw(actor=request.user, item=item)).data
        )

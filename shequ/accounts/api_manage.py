"""API twins of the administrators' account pages (shequ/accounts/views.py): accounts in
scope, a new account, roles granted and ended, an account switched off or on, a password
set, a lockout lifted and a second factor reset. The same services, the same scope (an
account outside the caller's areas is a 404), the one error shape."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shequ.accounts.access import access_user, users_in_scope
from shequ.accounts.api import MembershipSerializer
from shequ.accounts.models import Membership, User
from shequ.accounts.roles import GridDuty, Perm, Role
from shequ.accounts.services import (
    SEPARATED_ROLES,
    account_unlock,
    membership_end,
    membership_grant,
    password_set,
    second_factor_reset,
    user_create,
    user_set_active,
)
from shequ.areas.models import Area, Department, Organization
from shequ.core.api import MAX_ID, HasPerm
from shequ.core.errors import FieldError, NotAllowed, ServiceError


class UserSerializer(serializers.ModelSerializer[User]):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "username", "full_name", "is_active", "memberships")

    @extend_schema_field(MembershipSerializer(many=True))
    def get_memberships(self, user: User) -> list[dict[str, Any]]:
        rows = Membership.objects.active().filter(user=user).order_by("pk")
        return MembershipSerializer(rows, many=True).data  # type: ignore[return-value]


class NewUserSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    full_name = serializers.CharField(max_length=60)
    password = serializers.CharField(
        max_length=128,
        write_only=True,
        help_text="At least 10 characters, not all digits, not a common password.",
    )


GRANTABLE = [r for r in Role if r not in SEPARATED_ROLES]


class GrantSerializer(serializers.Serializer[Any]):
    """A role bound to an area, a department or an organization (which one the role needs)."""

    role = serializers.ChoiceField(choices=[(r.value, r.label) for r in GRANTABLE])
    area = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    department = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    organization = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    grid_duty = serializers.ChoiceField(choices=GridDuty.choices, required=False, allow_blank=True)
    title = serializers.CharField(max_length=60, required=False, allow_blank=True)
    valid_from = serializers.DateField(required=False, allow_null=True)


class ActiveSerializer(serializers.Serializer[Any]):
    active = serializers.BooleanField()


class PasswordSerializer(serializers.Serializer[Any]):
    password = serializers.CharField(max_length=128, write_only=True)


class UserList(generics.ListAPIView):  # type: ignore[type-arg]
    """Accounts in the caller's areas (``q``: part of a username or a name); POST creates
    an account (administrators), which is then given a role."""

    serializer_class = UserSerializer
    permission_classes = [HasPerm]
    shequ_access = "perm:user.view"

    @property
    def required_perm(self) -> Perm:
        return Perm.USER_VIEW if self.request.method in SAFE_METHODS else Perm.USER_MANAGE

    def get_queryset(self) -> Any:
        users = users_in_scope(self.request.user, Perm.USER_VIEW)
        query = self.request.query_params.get("q", "").strip()[:60]
        if query:
            users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
        return users

    @extend_schema(parameters=[OpenApiParameter("q", str)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=NewUserSerializer, responses={201: UserSerializer})
    def post(self, request: Request) -> Response:
        body = NewUserSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = user_create(actor=request.user, **body.validated_data)
        return Response(UserSerializer(user).data, status=201)


class UserDetail(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.USER_VIEW
    shequ_access = "perm:user.view"

    @extend_schema(responses={200: UserSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(UserSerializer(access_user(request.user, pk)).data)


class _Manages(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.USER_MANAGE
    shequ_access = "perm:user.manage"


def _bound(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The ids of the body as the objects the service takes, from the caller's scope."""
    found: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, model in (("area", Area), ("department", Department), ("organization", Organization)):
        pk = data.pop(name, None)
        if pk is None:
            continue
        queryset: Any = model.objects.visible_to(user, Perm.USER_MANAGE)
        found[name] = queryset.filter(pk=pk).first()
        if found[name] is None:
            errors.append(FieldError(name, _("not found in your areas")))
    if errors:
        raise ServiceError(errors)
    return {**{k: v for k, v in data.items() if v not in (None, "")}, **found}


class UserMemberships(_Manages):
    """Grant a role. Separated roles (administrator, security administrator, auditor) are
    not granted here."""

    @extend_schema(request=GrantSerializer, responses={201: MembershipSerializer})
    def post(self, request: Request, pk: int) -> Response:
        subject = access_user(request.user, pk)
        body = GrantSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = membership_grant(
            actor=request.user, user=subject, **_bound(request.user, dict(body.validated_data))
        )
        return Response(MembershipSerializer(membership).data, status=201)


class MembershipEnd(_Manages):
    """End a role today."""

    @extend_schema(request=None, responses={200: MembershipSerializer})
    def post(self, request: Request, pk: int, membership_id: int) -> Response:
        subject = access_user(request.user, pk)
        membership = (
            Membership.objects.visible_to(request.user, Perm.USER_MANAGE)
            .filter(user=subject, pk=membership_id)
            .first()
        )
        if membership is None:
            raise NotAllowed(Perm.USER_MANAGE)
        return Response(
            MembershipSerializer(membership_end(actor=request.user, membership=membership)).data
        )


class UserActive(_Manages):
    """Switch an account off (it can no longer log in) or back on."""

    @extend_schema(request=ActiveSerializer, responses={200: UserSerializer})
    def post(self, request: Request, pk: int) -> Response:
        subject = access_user(request.user, pk)
        body = ActiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = user_set_active(
            actor=request.user, user=subject, active=body.validated_data["active"]
        )
        return Response(UserSerializer(done).data)


class UserPassword(_Manages):
    """Set a new password for someone (they are asked to change it at their next login)."""

    @extend_schema(request=PasswordSerializer, responses={204: None})
    def post(self, request: Request, pk: int) -> Response:
        subject = access_user(request.user, pk)
        body = PasswordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        password_set(actor=request.user, user=subject, password=body.validated_data["password"])
        return Response(status=204)


class _Secures(APIView):
    permission_classes = [HasPerm]
    required_perm = Perm.SECURITY_MANAGE
    shequ_access = "perm:security.manage"


class CountSerializer(serializers.Serializer[Any]):
    removed = serializers.IntegerField()


class UserUnlock(_Secures):
    """Lift a login lockout before it runs out (security administrators)."""

    @extend_schema(request=None, responses={200: CountSerializer})
    def post(self, request: Request, pk: int) -> Response:
        subject = access_user(request.user, pk)
        return Response({"removed": account_unlock(actor=request.user, user=subject)})


class UserSecondFactorReset(_Secures):
    """Remove the account's second factor (a lost phone); they enrol again at next login."""

    @extend_schema(request=None, responses={200: CountSerializer})
    def post(self, request: Request, pk: int) -> Response:
        subject = access_user(request.user, pk)
        return Response({"removed": second_factor_reset(actor=request.user, user=subject)})

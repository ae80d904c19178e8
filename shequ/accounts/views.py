"""Login, second factor, password, and the administrators' account pages."""

from __future__ import annotations

from typing import Any

import django_otp
from axes.helpers import get_cool_off, get_lockout_message
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.accounts import otp
from shequ.accounts.access import access_user, users_in_scope
from shequ.accounts.decorators import public, requires, signed_in
from shequ.accounts.forms import (
    AdminPasswordForm,
    LoginForm,
    MembershipForm,
    PasswordChangeForm,
    TokenForm,
    UserCreateForm,
)
from shequ.accounts.models import Membership, User
from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
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
from shequ.core.audit import AuditAction, audit
from shequ.core.errors import NotAllowed, ServiceError
from shequ.core.forms import add_service_errors


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _limits() -> dict[str, int]:
    return {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "lockout_minutes": round(settings.AXES_COOLOFF_TIME * 60),
        "idle_minutes": settings.SHEQU_IDLE_TIMEOUT_SECONDS // 60,
    }


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """What django-axes shows once an account is locked."""
    return render(
        request,
        "accounts/login.html",
        {
            "form": LoginForm(),
            "locked": True,
            "lockout_message": get_lockout_message(),
            **_limits(),
        },
        status=429,
    )


@public
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    failed = False
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            audit(
                actor=username,
                action=AuditAction.LOCKOUT,
                object_type="accounts.user",
                object_repr=username,
            )
            return locked_out(request)
        if user is None:
            audit(
                actor=username,
                action=AuditAction.LOGIN_FAILED,
                object_type="accounts.user",
                object_repr=username,
            )
            failed = True
        else:
            login(request, user)
            audit(actor=user, action=AuditAction.LOGIN, obj=user)
            if user.preferred_language:
                request.session["_language"] = user.preferred_language
            if otp.needs_second_factor(user):
                return redirect(f"{_otp_url()}?next={_safe_next(request)}")
            return redirect(_safe_next(request))
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "failed": failed,
            "idle": request.GET.get("idle") == "1",
            "next": _safe_next(request),
            **_limits(),
        },
        status=401 if failed else 200,
    )


def _otp_url() -> str:
    return reverse("accounts:otp")


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit(actor=request.user, action=AuditAction.LOGOUT, obj=request.user)
    logout(request)
    return redirect("accounts:login")


@signed_in
@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    """Verify the second factor, or enrol one first when none is set up yet."""
    user: Any = request.user
    if user.is_verified():
        return redirect(_safe_next(request))
    device = otp.confirmed_device(user)
    enrolling = device is None
    if device is None:
        device = otp.pending_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit(
                    actor=user,
                    action=AuditAction.SECURITY,
                    obj=user,
                    changes={"totp": ["none", "enrolled"]},
                )
            django_otp.login(request, device)
            return redirect(_safe_next(request))
        form.add_error(
            "token", _("The code is wrong or has expired. Codes change every 30 seconds.")
        )
        audit(
            actor=user, action=AuditAction.LOGIN_FAILED, obj=user, reason="wrong second-factor code"
        )
    context = {"form": form, "enrolling": enrolling, "next": _safe_next(request)}
    if enrolling:
        context["qr_svg"] = otp.provisioning_svg(device)
        context["secret"] = device.key
    return render(request, "accounts/otp.html", context, status=400 if form.errors else 200)


@signed_in
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    user: Any = request.user
    if request.method == "POST" and form.is_valid():
        if not user.check_password(form.cleaned_data["old_password"]):
            form.add_error("old_password", _("The current password is wrong."))
        else:
            try:
                password_set(actor=user, user=user, password=form.cleaned_data["new_password"])
            except ServiceError as exc:
                add_service_errors(form, exc, rename={"password": "new_password"})
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password has been changed."))
                return redirect("home")
    return render(
        request, "accounts/password.html", {"form": form}, status=400 if form.errors else 200
    )


# --- administrators' pages ----------------------------------------------------------------


def _users_in_scope(request: HttpRequest, perm: Perm) -> QuerySet[User]:
    return users_in_scope(request.user, perm)


def _access_user(request: HttpRequest, pk: int) -> User:
    try:
        return access_user(request.user, pk)
    except NotAllowed:
        raise Http404 from None


@requires(Perm.USER_VIEW)
def user_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    users = _users_in_scope(request, Perm.USER_VIEW)
    if query:
        users = users.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    after = request.GET.get("after", "")
    if after.isdigit():
        users = users.filter(pk__gt=int(after))
    page = list(users.order_by("pk")[:51])
    more = len(page) > 50
    page = page[:50]
    memberships = (
        Membership.objects.active()
        .filter(user__in=page)
        .select_related("area", "department", "organization")
    )
    by_user: dict[int, list[Membership]] = {}
    for membership in memberships:
        by_user.setdefault(membership.user_id, []).append(membership)
    rows = [(u, by_user.get(u.pk, [])) for u in page]
    return render(
        request,
        # htmx asks for the rows only, as the user types (design guide §7)
        "accounts/user_list.html#rows"
        if getattr(request, "htmx", False)
        else "accounts/user_list.html",
        {
            "rows": rows,
            "query": query,
            "next_after": page[-1].pk if more and page else None,
            "can_manage": scope_of(request.user).has(Perm.USER_MANAGE),
        },
    )


@requires(Perm.USER_MANAGE)
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Account %(name)s created. Now give it a role.") % {"name": user}
            )
            return redirect("accounts:user", pk=user.pk)
    return render(
        request, "accounts/user_new.html", {"form": form}, status=400 if form.errors else 200
    )


@requires(Perm.USER_VIEW)
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _access_user(request, pk)
    scope = scope_of(request.user)
    form = MembershipForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not scope.has(Perm.USER_MANAGE):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                membership_grant(
                    actor=request.user,
                    user=subject,
                    **{k: v for k, v in data.items() if v not in (None, "")},
                )
            except ServiceError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Role granted."))
                return redirect("accounts:user", pk=subject.pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "memberships": Membership.objects.filter(user=subject)
            .select_related("area", "department", "organization")
            .order_by("-valid_from"),
            "form": form,
            "password_form": AdminPasswordForm(),
            "can_manage": scope.has(Perm.USER_MANAGE),
            "can_secure": scope.has(Perm.SECURITY_MANAGE),
            "locked": AccessAttempt.objects.filter(
                username=subject.username,
                failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
                # a lockout that has run out is not shown, even before axes clears it
                attempt_time__gte=timezone.now() - get_cool_off(),
            ).exists(),
            "separated_roles": [r.value for r in SEPARATED_ROLES],
            "has_totp": otp.confirmed_device(subject) is not None,
        },
        status=400 if form.errors else 200,
    )


@requires(Perm.USER_MANAGE)
@require_POST
def membership_end_view(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    subject = _access_user(request, pk)
    membership = (
        Membership.objects.visible_to(request.user, Perm.USER_MANAGE)
        .filter(user=subject, pk=membership_id)
        .first()
    )
    if membership is None:
        raise Http404
    membership_end(actor=request.user, membership=membership)
    messages.success(request, _("The role has ended."))
    return redirect("accounts:user", pk=subject.pk)


@requires(Perm.USER_MANAGE)
@require_POST
def user_active_view(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _access_user(request, pk)
    try:
        user_set_active(actor=request.user, user=subject, active=request.POST.get("active") == "1")
    except ServiceError as exc:
        for error in exc.errors:
            messages.error(request, str(error.message))
    return redirect("accounts:user", pk=subject.pk)


@requires(Perm.USER_MANAGE)
@require_POST
def user_password_view(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _access_user(request, pk)
    form = AdminPasswordForm(request.POST)
    if form.is_valid():
        try:
            password_set(actor=request.user, user=subject, password=form.cleaned_data["password"])
        except ServiceError as exc:
            for error in exc.errors:
                messages.error(request, f"{_('New password')}: {error.message}")
        else:
            messages.success(request, _("The password has been set."))
    return redirect("accounts:user", pk=subject.pk)


@requires(Perm.SECURITY_MANAGE)
@require_POST
def user_unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _access_user(request, pk)
    account_unlock(actor=request.user, user=subject)
    messages.success(request, _("The account is unlocked."))
    return redirect("accounts:user", pk=subject.pk)


@requires(Perm.SECURITY_MANAGE)
@require_POST
def user_otp_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _access_user(request, pk)
    second_factor_reset(actor=request.user, user=subject)
    messages.success(
        request, _("The second factor was removed; the user enrols again at the next login.")
    )
    return redirect("accounts:user", pk=subject.pk)

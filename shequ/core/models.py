"""Base models shared by every app, and the append-only audit record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.core.paths import AreaPathField, within

if TYPE_CHECKING:
    from shequ.accounts.roles import Perm


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class ScopedQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any, perm: Perm | None = None) -> Self:
        """Only the rows inside the areas where ``user`` holds ``perm`` (default: the
        model's ``scope_perm``). A user with no such membership sees nothing."""
        from shequ.accounts.scope import scope_of  # noqa: PLC0415 - accounts builds on core

        model: Any = self.model
        needed = perm or model.scope_perm
        paths = scope_of(user).paths_with(needed)
        return self.filter(within(model.scope_path_field, paths))


class ScopedModel(TimestampedModel):
    """A row that belongs to an area. ``area_path`` copies the area's path so that scoping
    is one indexed range, never a join up the tree."""

    area_path = AreaPathField(_("area path"), editable=False)

    objects = ScopedQuerySet.as_manager()

    scope_path_field: ClassVar[str] = "area_path"
    scope_perm: ClassVar[Perm]

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    READ = "read", _("Read personal data")
    EXPORT = "export", _("Export")
    SEARCH = "search", _("Search personal data")
    LOGIN = "login", _("Log in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Log out")
    LOCKOUT = "lockout", _("Account locked")
    SECURITY = "security", _("Security change")


class AuditQuerySet(models.QuerySet["AuditRecord"]):
    def update(self, **kwargs: Any) -> int:
        msg = "audit records cannot be changed"
        raise PermissionError(msg)

    def delete(self) -> tuple[int, dict[str, int]]:
        msg = "audit records cannot be deleted"
        raise PermissionError(msg)


class AuditRecord(models.Model):
    """One thing that happened. Rows are only ever inserted: the model refuses updates and
    deletes, and database triggers (migration 0002) refuse them from any other client too."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("who (name)"), max_length=150, blank=True)
    action = models.CharField(
        _("action"), max_length=20, choices=AuditAction.choices, db_index=True
    )
    object_type = models.CharField(_("object type"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    area_path = AreaPathField(_("area path"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ("-at", "-id")
        indexes = (models.Index(fields=("object_type", "object_id")),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            msg = "audit records cannot be changed"
            raise PermissionError(msg)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        msg = "audit records cannot be deleted"
        raise PermissionError(msg)

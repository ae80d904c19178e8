"""Keys for other systems that post service requests through Open311 GeoReport v2."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.cases.models import Channel


class ApiKey(models.Model):
    """Issued by an administrator and shown once; only its SHA-256 is kept (the key is 192
    random bits, so a plain hash cannot be reversed by guessing). Each key is tied to the
    channel its requests come in on; ``area`` is the street that receives a request that
    gives only an address."""

    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("key begins with"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("street for requests without a map point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.name

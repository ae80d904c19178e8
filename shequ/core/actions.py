"""The shape every small POST action shares: check the form, call the service, tell the user
what happened (each error named by its field's label), then the view redirects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from shequ.core.errors import ServiceError


def flash_form_errors(request: HttpRequest, form: forms.Form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def flash_service_errors(
    request: HttpRequest, exc: ServiceError, label: Callable[[str], str] | None = None
) -> None:
    for error in exc.errors:
        name = label(error.field) if label else error.field
        messages.error(request, f"{name}: {error.message}")


def submit(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict[str, Any]], object],
    success: str,
    label: Callable[[str], str] | None = None,
) -> bool:
    """Run ``action`` with the form's cleaned data; flash the outcome. True when it was done."""
    if not form.is_valid():
        flash_form_errors(request, form)
        return False

    def field_label(name: str) -> str:
        if name in form.fields and form.fields[name].label:
            return str(form.fields[name].label)
        return label(name) if label else name

    try:
        action(form.cleaned_data)
    except ServiceError as exc:
        flash_service_errors(request, exc, field_label)
        return False
    messages.success(request, success)
    return True

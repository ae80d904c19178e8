from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.core.errors import ServiceError
from shequ.core.models import AuditAction


def add_service_errors(
    form: forms.Form, exc: ServiceError, rename: dict[str, str] | None = None
) -> None:
    """Show a service's field errors on the form's fields (or on top when the field is not
    one of the form's)."""
    rename = rename or {}
    for error in exc.errors:
        name = rename.get(error.field, error.field)
        message = f"{error.location}: {error.message}" if error.location else str(error.message)
        form.add_error(name if name in form.fields else None, message)


def valid_filters(form: forms.Form) -> dict[str, Any]:
    """The values of a filter form's fields that are valid, each on its own.

    A list page's filters come from links as well as from the form, and one bad value (an
    area not offered, an unknown state) must not drop the others and show the whole scope:
    the bad field keeps its error on the form (for the page to show) and filters nothing,
    the good ones filter. An unbound form (no filters asked for) filters nothing."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {name: value for name, value in form.cleaned_data.items() if name not in form.errors}


class StyledForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes and mark invalid fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        self._mark_invalid()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def _small(widget: forms.Widget, **attrs: str) -> forms.Widget:
    size = "form-select-sm" if isinstance(widget, forms.Select) else "form-control-sm"
    widget.attrs.update({"class": size, **attrs})
    return widget


class AuditFilterForm(StyledForm):
    """The audit log's search. A bad value (an unknown action, a date that is not one) is
    named on the page and left out; the other filters still apply (``valid_filters``)."""

    who = forms.CharField(
        label=_("Who"), required=False, max_length=150, widget=_small(forms.TextInput())
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", "—"), *AuditAction.choices],
        widget=_small(forms.Select()),
    )
    object_type = forms.RegexField(
        label=_("Object type"),
        required=False,
        max_length=60,
        regex=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",  # app label . model (open311.apikey)
        error_messages={"invalid": _("an app and a model joined by a dot, such as areas.area.")},
        widget=_small(forms.TextInput(), placeholder="areas.area"),
    )
    object_id = forms.CharField(
        label=_("Object id"), required=False, max_length=64, widget=_small(forms.TextInput())
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=_small(forms.DateInput(), type="date")
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=_small(forms.DateInput(), type="date")
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("must not be before “From”."))
        return cleaned

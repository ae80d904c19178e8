from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import OrganizationKind
from shequ.core.forms import StyledForm

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class AreaImportForm(StyledForm):
    file = forms.FileField(
        label=_("GeoJSON file"),
        help_text=_("A FeatureCollection whose features carry code, name, level and parent_code."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload


class DepartmentForm(StyledForm):
    name = forms.CharField(label=_("Department name"), max_length=100)
    short_name = forms.CharField(label=_("Short name"), max_length=20, required=False)
    phone = forms.CharField(label=_("Duty phone"), max_length=20, required=False)


class OrganizationForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganizationKind.choices)
    name = forms.CharField(label=_("Organization name"), max_length=150)
    contact = forms.CharField(label=_("Contact"), max_length=100, required=False)

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shequ.cases.models import Category, Resolution, Satisfaction
from shequ.core.forms import StyledForm


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; each is checked by the case engine (shequ.cases.photos)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [item for item in data if item]
        return [data] if data else []


class ReportForm(StyledForm):
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True, children__isnull=True),
        label=_("What is the problem?"),
        empty_label=_("Choose…"),
    )
    description = forms.CharField(
        label=_("Describe it"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Where exactly, since when, what you see. Do not write your name here."),
    )
    photos = MultiplePhotoField(label=_("Photos (up to 9)"), required=False)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput)
    household_code = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    address = forms.CharField(
        label=_("Address or landmark (optional)"), required=False, max_length=200
    )
    reporter_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=40)
    reporter_phone = forms.CharField(
        label=_("Your phone (optional)"),
        required=False,
        max_length=30,
        help_text=_("Only staff who call you back see it."),
    )
    anonymous = forms.BooleanField(label=_("Report anonymously"), required=False)
    answer = forms.CharField(label=_("Question"), max_length=10)
    form_key = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from shequ.portal.selectors import report_categories  # noqa: PLC0415

        # The kinds under their plain-worded groups (validation still uses the queryset).
        self.fields["category"].widget.choices = [
            ("", str(_("Choose…"))),
            *(
                (group, [(c.pk, c.plain_name or c.name) for c in kinds])
                for group, kinds in report_categories()
            ),
        ]
        self.fields["answer"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["reporter_phone"].widget.attrs.update({"inputmode": "tel"})


class RateForm(StyledForm):
    resolution = forms.ChoiceField(
        label=_("Is the problem solved?"), choices=Resolution.choices, widget=forms.RadioSelect
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=Satisfaction.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("resolution", "satisfaction"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class PhoneForm(StyledForm):
    phone = forms.CharField(label=_("Mobile number"), max_length=30)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})


class SignUpForm(PhoneForm):
    answer = forms.CharField(label=_("Question"), max_length=10)


class ReplyForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=100)
    summary = forms.CharField(
        label=_("What residents asked (remove names, phones, house numbers)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    reply = forms.CharField(
        label=_("The department's reply"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    department_name = forms.CharField(label=_("Department"), max_length=60, required=False)


class BoardForm(forms.Form):
    q = forms.CharField(required=False, max_length=50)
    area = forms.IntegerField(required=False)
    category = forms.IntegerField(required=False)

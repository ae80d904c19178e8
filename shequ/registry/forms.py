from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core.forms import StyledForm
from shequ.registry.models import (
    CareTag,
    Colour,
    Gender,
    House,
    HouseUse,
    PropertyRight,
    Relation,
    Residency,
    Resident,
)

DATE = forms.DateInput(attrs={"type": "date"})


class ResidentSearchForm(StyledForm):
    q = forms.CharField(label=_("Name, address, ID number or phone"), required=False, max_length=40)
    residency = forms.ChoiceField(
        label=_("Residency"), required=False, choices=[("", "—"), *Residency.choices]
    )
    colour = forms.ChoiceField(
        label=_("Colour"), required=False, choices=[("", "—"), *Colour.choices]
    )
    age = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=[
            ("", "—"),
            ("0-17", "0–17"),
            ("18-34", "18–34"),
            ("35-59", "35–59"),
            ("60-79", "60–79"),
            ("80+", "80+"),
        ],
    )
    tag = forms.ChoiceField(
        label=_("Care tag"), required=False, choices=[("", "—"), *CareTag.choices]
    )


class ResidentForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.ChoiceField(
        label=_("Relation to the head"), choices=Relation.choices, initial=Relation.CHILD
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", _("from the ID number")), *Gender.choices], required=False
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=DATE,
        help_text=_("Taken from the ID number when there is one."),
    )
    residency = forms.ChoiceField(label=_("Residency"), choices=Residency.choices)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False)
    workplace = forms.CharField(label=_("Workplace or school"), max_length=100, required=False)
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)
    care_tags = forms.MultipleChoiceField(
        label=_("Care tags"),
        choices=CareTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    on = forms.DateField(label=_("Moved in on"), required=False, widget=DATE)

    def __init__(self, *args: Any, show_care: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_care:
            del self.fields["care_tags"]

    def clean_on(self) -> Any:
        return _not_future(self.cleaned_data.get("on"))


class PhoneForm(StyledForm):
    phone = forms.CharField(
        label=_("New phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )


class MoveOutForm(StyledForm):
    on = forms.DateField(label=_("Moved out on"), required=False, widget=DATE)
    note = forms.CharField(label=_("Reason or destination"), max_length=200, required=False)

    def clean_on(self) -> Any:
        day = self.cleaned_data.get("on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("is in the future"))
        return day


class VisitForm(StyledForm):
    note = forms.CharField(
        label=_("Visit note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RevealForm(StyledForm):
    field = forms.ChoiceField(
        choices=[("id_number", _("ID number")), ("phone", _("Phone"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(label=_("Why do you need the full value?"), max_length=200)


class MoveInForm(StyledForm):
    house = forms.ModelChoiceField(label=_("Into house"), queryset=House.objects.none())
    on = forms.DateField(label=_("Moved in on"), required=False, widget=DATE)

    def __init__(self, *args: Any, houses: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["house"]
        field.queryset = houses if houses is not None else House.objects.none()


class ResidentEditForm(StyledForm):
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=Relation.choices)
    residency = forms.ChoiceField(label=_("Residency"), choices=Residency.choices)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=20, required=False)
    workplace = forms.CharField(label=_("Workplace or school"), max_length=100, required=False)
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)
    care_tags = forms.MultipleChoiceField(
        label=_("Care tags"),
        choices=CareTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, show_care: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not show_care:
            del self.fields["care_tags"]


class BuildingHeadForm(StyledForm):
    head = forms.ModelChoiceField(
        label=_("Building head"), queryset=Resident.objects.none(), required=False
    )

    def __init__(self, *args: Any, residents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["head"]
        field.queryset = residents


class BuildingForm(StyledForm):
    estate = forms.CharField(label=_("Estate"), max_length=100, required=False)
    number = forms.CharField(label=_("Building number"), max_length=20)
    address = forms.CharField(label=_("Address"), max_length=200)
    floors = forms.IntegerField(label=_("Floors"), min_value=1, max_value=200)
    entrances = forms.IntegerField(label=_("Entrances"), min_value=1, max_value=50, initial=1)


class HouseForm(StyledForm):
    entrance = forms.IntegerField(label=_("Entrance"), min_value=1, max_value=50, initial=1)
    floor = forms.IntegerField(label=_("Floor"), min_value=-5, max_value=200)
    room = forms.CharField(label=_("Room"), max_length=10)
    use = forms.ChoiceField(label=_("Use"), choices=HouseUse.choices)
    floor_area = forms.DecimalField(
        label=_("Floor area (m²)"), max_digits=8, decimal_places=2, required=False
    )
    property_right = forms.ChoiceField(
        label=_("Property right"), choices=[("", "—"), *PropertyRight.choices], required=False
    )


class UnitForm(StyledForm):
    name = forms.CharField(label=_("Unit or shop name"), max_length=150)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=30, required=False
    )
    contact = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    is_business = forms.BooleanField(
        label=_("Business premises (uncheck for an office)"), required=False, initial=True
    )


class RejoinForm(StyledForm):
    """Someone already in the register (moved out, or in another household) joins this one,
    found by their ID number."""

    id_number = forms.CharField(
        label=_("ID number"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    relation = forms.ChoiceField(
        label=_("Relation to the head"), choices=Relation.choices, initial=Relation.CHILD
    )
    on = forms.DateField(label=_("Moved in on"), required=False, widget=DATE)

    def clean_on(self) -> Any:
        return _not_future(self.cleaned_data.get("on"))


def _not_future(day: Any) -> Any:
    if day and day > timezone.localdate():
        raise forms.ValidationError(_("is in the future"))
    return day

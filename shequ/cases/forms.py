"""Forms of the case pages: intake, the list's filters, and one small form per workflow
action with exactly the fields its row of the table needs (plus the optional ones the
service reads)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.areas.models import Area, Department
from shequ.cases.models import CaseLevel, Channel, Resolution, Satisfaction, State
from shequ.cases.photos import MAX_PHOTOS
from shequ.cases.services import DESCRIPTION_MAX, MAX_EXTENSION_DAYS, NOTE_MAX, TITLE_MAX
from shequ.cases.workflow import Action, Transition
from shequ.core.forms import StyledForm


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            if len(data) > MAX_PHOTOS:
                raise forms.ValidationError(_("at most %(n)d photos") % {"n": MAX_PHOTOS})
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def _blank(choices: Any) -> list[tuple[Any, Any]]:
    return [("", "—"), *choices]


class IntakeForm(StyledForm):
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    channel = forms.ChoiceField(label=_("Channel"), choices=_blank(Channel.choices))
    external_ref = forms.CharField(
        label=_("External reference"),
        max_length=64,
        required=False,
        help_text=_("The hotline's order number: the same order entered twice is one case."),
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, choices=())
    level = forms.ChoiceField(
        label=_("Level"), choices=CaseLevel.choices, initial=CaseLevel.ROUTINE
    )
    city_level = forms.BooleanField(label=_("City-level key whistle"), required=False)
    title = forms.CharField(label=pgettext_lazy("case", "Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reporter_name = forms.CharField(label=_("Reporter's name"), max_length=40, required=False)
    reporter_phone = forms.CharField(
        label=_("Reporter's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    confidential = forms.BooleanField(
        label=_("Keep the reporter confidential"),
        required=False,
        help_text=_("Departments and grid workers will not see who reported it."),
    )
    area = forms.TypedChoiceField(
        label=_("Area"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=(),
        help_text=_("Not needed when a point on the map or a household is given."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    household = forms.CharField(
        label=pgettext_lazy("case", "Household"),
        max_length=200,
        required=False,
        help_text=_("Household number, ID or the scanned household code (一户一码)."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 9 JPEG, PNG or WebP photos; location data in them is removed."),
    )

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, list[tuple[int, str]]]],
        areas: list[Area],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _blank(categories)  # type: ignore[attr-defined]
        self.fields["area"].choices = _blank(  # type: ignore[attr-defined]
            [(a.pk, f"{a.get_level_display()} · {a.name}") for a in areas]
        )
        for name in ("longitude", "latitude"):
            self.fields[name].widget.attrs["step"] = "any"


class CaseFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("two characters, a case number, a phone")}),
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=_blank(State.choices))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=_blank(Channel.choices))
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None, choices=()
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=_blank(CaseLevel.choices))
    area = forms.TypedChoiceField(
        label=_("Area"), required=False, coerce=int, empty_value=None, choices=()
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, list[tuple[int, str]]]],
        areas: list[Area],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # a 大类 is a filter of its own (it includes its 小类)
        flat: list[tuple[Any, Any]] = []
        for group, children in categories:
            flat.append((group, children))
        self.fields["category"].choices = _blank(flat)  # type: ignore[attr-defined]
        self.fields["area"].choices = _blank(  # type: ignore[attr-defined]
            [(a.pk, f"{a.get_level_display()} · {a.name}") for a in areas]
        )


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        choices=(("reporter_name", "reporter_name"), ("reporter_phone", "reporter_phone")),
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(max_length=200)


# --- one small form per action ---------------------------------------------------------------

# Fields the service reads without the table requiring them.
OPTIONAL: dict[Action, tuple[str, ...]] = {
    Action.WHISTLE: ("co_departments", "note"),
    Action.REROUTE: ("co_departments",),
    Action.RESOLVE: ("photos",),
    Action.FOLLOW_UP: ("resolution", "satisfaction", "comment", "reason"),
    Action.RELOCATE: ("note",),
    Action.MERGE: ("note",),
}
# Where a field is shown, in this order.
ORDER = (
    "lead_department",
    "co_departments",
    "area",
    "parent",
    "reached",
    "resolution",
    "satisfaction",
    "comment",
    "days",
    "reason",
    "note",
    "photos",
)
YES_NO = (("yes", _("Yes")), ("no", _("No")))


def action_fields(row: Transition) -> list[str]:
    wanted = set(row.required) | set(OPTIONAL.get(row.action, ()))
    if not wanted & {"note", "reason"}:
        wanted.add("note")
    return [name for name in ORDER if name in wanted]


def _field(name: str, required: bool, **choices: Any) -> forms.Field:
    texts = {"reason": _("Reason"), "note": _("Note"), "comment": _("Reporter's comment")}
    if name in texts:
        return forms.CharField(
            label=texts[name],
            widget=forms.Textarea(attrs={"rows": 2}),
            max_length=NOTE_MAX,
            required=required,
        )
    if name == "lead_department":
        return forms.ModelChoiceField(
            label=_("Lead department"),
            queryset=choices["departments"],
            required=required,
            empty_label="—",
        )
    if name == "co_departments":
        return forms.ModelMultipleChoiceField(
            label=_("Co-handling departments"),
            queryset=choices["departments"],
            required=required,
            widget=forms.CheckboxSelectMultiple,
        )
    if name == "area":
        return forms.ModelChoiceField(
            label=_("Grid or community"),
            queryset=choices["areas"],
            required=required,
            empty_label="—",
        )
    if name == "parent":
        return forms.CharField(
            label=_("Number of the case to merge into"), max_length=30, required=required
        )
    if name == "reached":
        return forms.ChoiceField(
            label=_("Reporter reached?"),
            choices=YES_NO,
            widget=forms.RadioSelect,
            required=required,
        )
    if name == "resolution":
        return forms.ChoiceField(
            label=_("Resolved, in the reporter's words"),
            choices=_blank(Resolution.choices),
            required=required,
        )
    if name == "satisfaction":
        return forms.TypedChoiceField(
            label=_("Satisfaction"),
            choices=Satisfaction.choices,
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            required=required,
        )
    if name == "days":
        return forms.IntegerField(
            label=_("Working days more"),
            min_value=1,
            max_value=MAX_EXTENSION_DAYS,
            required=required,
        )
    if name == "photos":
        return MultipleFileField(label=_("Photos of the result"), required=required)
    msg = f"no form field for {name}"
    raise KeyError(msg)


class ActionForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        row: Transition,
        departments: Any = None,
        areas: Any = None,
        **kwargs: Any,
    ) -> None:
        self.row = row
        super().__init__(*args, **kwargs)
        for name in action_fields(row):
            self.fields[name] = _field(
                name,
                name in row.required,
                departments=departments if departments is not None else Department.objects.none(),
                areas=areas if areas is not None else Area.objects.none(),
            )
        # StyledForm styled the fields it had at __init__; style the added ones too.
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")

    @property
    def has_files(self) -> bool:
        return "photos" in self.fields

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``case_act`` takes it."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if "reached" in data:
            data["reached"] = {"yes": True, "no": False}.get(data["reached"] or "")
        if "co_departments" in data:
            data["co_departments"] = list(data["co_departments"] or [])
        return {k: v for k, v in data.items() if v not in (None, "")}

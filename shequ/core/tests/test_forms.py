"""valid_filters: a filter form's good fields filter even when another field is bad."""

from __future__ import annotations

from typing import Any

from django import forms

from shequ.core.forms import valid_filters


class Filters(forms.Form):
    state = forms.ChoiceField(required=False, choices=[("", "—"), ("open", "open")])
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "before since")
        return data


def test_no_filters_asked_for() -> None:
    assert valid_filters(Filters(None)) == {}


def test_all_good() -> None:
    data = valid_filters(Filters({"state": "open", "since": "2026-01-02"}))
    assert data["state"] == "open"
    assert str(data["since"]) == "2026-01-02"


def test_a_bad_field_drops_only_itself() -> None:
    form = Filters({"state": "gone", "since": "2026-01-02"})
    data = valid_filters(form)
    assert "state" not in data
    assert str(data["since"]) == "2026-01-02"
    assert set(form.errors) == {"state"}


def test_a_field_refused_by_the_form_clean_is_dropped() -> None:
    form = Filters({"state": "open", "since": "2026-02-01", "until": "2026-01-01"})
    data = valid_filters(form)
    assert data["state"] == "open"
    assert "until" not in data
    assert set(form.errors) == {"until"}

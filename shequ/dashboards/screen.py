"""The command screen's data: one dict, served as the page's first render and as the JSON the
page refreshes from every few seconds (the same function, so the two never disagree)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.roles import Perm
from shequ.accounts.scope import scope_of
from shequ.areas.models import Area, Level
from shequ.dashboards import period, selectors

SCREEN_RISK, SCREEN_OVERDUE, SCREEN_EMERGENCIES = 3, 4, 6


def measure_choices() -> list[tuple[str, str]]:
    return [
        ("open", _("Open cases")),
        ("overdue", _("Overdue")),
        ("non_local_share", _("Non-local share (%)")),
        ("care_households", _("Households needing care")),
    ]


def screen_data(user: Any, area: Area, now: dt.datetime) -> dict[str, Any]:
    kids = selectors.children(area)
    figures = selectors.figures(area, kids, now)
    own = figures[0]
    month = period.this_month(now)
    scope = scope_of(user)
    return {
        "area": {
            "id": area.pk,
            "name": area.name,
            "level": area.level,
            "level_name": str(Level(area.level).label),
        },
        "generated_at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S"),
        "month": month.label,
        "headline": {
            "residents": own.register["residents"],
            "households": own.register["households"],
            "non_local": own.register["non_local"],
            "care_households": own.register["care_households"],
            "open": own.cases["open"],
            "overdue": own.overdue,
            **period.month_summary(area.area_path, month),
        },
        "children": [
            {
                **f.as_dict(),
                "screen_url": reverse("dashboards:screen", args=[f.area.pk])
                if scope.allows(Perm.CASE_VIEW, f.area.area_path)
                else None,
            }
            for f in figures[1:]
        ],
        "trend": period.trend(area.area_path, now),
        "categories": period.top_categories(area.area_path, month),
        "ranking": period.ranking(area.area_path, month),
        "ranking_minimum": period.RANKING_MINIMUM,
        # Short lists: the wall screen (1920 × 1080) shows them whole, without scrolling; the
        # map's side panel and the case list have the rest.
        "at_risk": selectors.at_risk(area, now, limit=SCREEN_RISK),
        "overdue_cases": selectors.overdue_list(area, now, limit=SCREEN_OVERDUE),
        "emergencies": selectors.emergencies(area, now, limit=SCREEN_EMERGENCIES),
        "map_url": reverse("dashboards:map", args=[area.pk]),
    }

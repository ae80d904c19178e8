from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from shequ.accounts.models import Membership
from shequ.areas.models import Area, Level
from shequ.areas.selectors import export_tree
from shequ.areas.services import (
    area_create,
    area_retire,
    area_tree_import,
    area_update,
    department_create,
)
from shequ.core.actors import SYSTEM
from shequ.core.errors import NotAllowed, ServiceError
from shequ.core.models import AuditRecord
from shequ.core.testing import Personas, Tree, square

pytestmark = pytest.mark.django_db


def feature(
    code: str, name: str, level: str, parent: str | None, geometry: Any = None, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent, **extra},
    }


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def test_create_sets_path_bbox_and_audits(tree: Tree) -> None:
    assert tree.grid_a.area_path == "/530100/530114/530114001/530114001001/530114001001001/"
    assert (tree.grid_a.min_lon, tree.grid_a.max_lat) == (102.6, pytest.approx(24.7))
    record = AuditRecord.objects.filter(
        object_type="areas.area", object_id=str(tree.grid_a.pk)
    ).get()
    assert record.action == "create"
    assert record.actor_name == "system"
    assert record.changes["code"] == [None, "530114001001001"]
    assert record.changes["boundary"][1].startswith("Polygon · 5 · ")


def test_create_rejects_bad_input_naming_fields_and_saves_nothing(tree: Tree) -> None:
    before = Area.objects.count()
    with pytest.raises(ServiceError) as caught:
        area_create(
            actor=SYSTEM,
            level=Level.GRID,
            code="530114001002003",
            name="",
            parent=tree.community_a,
            boundary={"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
        )
    fields = {e.field for e in caught.value.errors}
    assert fields == {"name", "code", "boundary"}
    assert Area.objects.count() == before


def test_code_is_unique_among_current_areas(tree: Tree) -> None:
    with pytest.raises(ServiceError, match="already used"):
        area_create(
            actor=SYSTEM,
            level=Level.GRID,
            code=tree.grid_a.code,
            name="重复",
            parent=tree.community_a,
        )


def test_child_outside_parent_is_a_warning_not_an_error(tree: Tree) -> None:
    change = area_create(
        actor=SYSTEM,
        level=Level.GRID,
        code="530114001001009",
        name="越界网格",
        parent=tree.community_a,
        boundary=square(102.75, 24.75, 0.1),
    )
    assert change.area.pk is not None
    assert len(change.warnings) == 1
    assert tree.community_a.name in change.warnings[0]


def test_update_renames_and_audits_old_and_new(tree: Tree) -> None:
    area_update(actor=SYSTEM, area=tree.grid_a, name="第一网格（新）")
    tree.grid_a.refresh_from_db()
    assert tree.grid_a.name == "第一网格（新）"
    record = AuditRecord.objects.filter(object_id=str(tree.grid_a.pk), action="update").get()
    assert record.changes == {"name": ["第一网格", "第一网格（新）"]}


def test_update_with_nothing_changed_writes_no_record(tree: Tree) -> None:
    area_update(actor=SYSTEM, area=tree.grid_a, name=tree.grid_a.name)
    assert not AuditRecord.objects.filter(object_id=str(tree.grid_a.pk), action="update").exists()


def test_retire_keeps_history_and_ends_memberships(tree: Tree, personas: Personas) -> None:
    later = timezone.localdate() + dt.timedelta(days=30)
    retired = area_retire(actor=SYSTEM, area=tree.grid_a, on=later)
    assert retired == 2  # the grid and its subgrid
    assert Area.objects.current().filter(pk=tree.grid_a.pk).exists()  # still current today
    assert not Area.objects.current(later).filter(pk=tree.grid_a.pk).exists()
    assert Area.objects.current(later - dt.timedelta(days=1)).filter(pk=tree.subgrid_a.pk).exists()
    membership = Membership.objects.get(user=personas.grid_worker)
    assert membership.valid_to == later


def test_retiring_cannot_end_the_three_administrators_roles(tree: Tree, personas: Personas) -> None:
    later = timezone.localdate() + dt.timedelta(days=30)
    with pytest.raises(ServiceError, match="on the server"):
        area_retire(actor=personas.administrator, area=tree.district, on=later)
    assert Area.objects.current(later).filter(pk=tree.district.pk).exists()
    assert personas.auditor.memberships.get().valid_to is None


def test_managing_outside_scope_is_refused(tree: Tree, personas: Personas) -> None:
    with pytest.raises(NotAllowed):
        area_update(actor=personas.community_staff, area=tree.grid_a, name="x")
    with pytest.raises(NotAllowed):
        area_create(
            actor=personas.administrator,
            level=Level.DISTRICT,
            code="530112",
            name="西山区",
            parent=tree.city,
        )


def test_department_belongs_to_street_or_district(tree: Tree) -> None:
    with pytest.raises(ServiceError) as caught:
        department_create(actor=SYSTEM, area=tree.grid_a, name="派出所")
    assert caught.value.errors[0].field == "area"
    with pytest.raises(ServiceError, match="already has"):
        department_create(actor=SYSTEM, area=tree.street, name="城管执法中队")


# --- import ---------------------------------------------------------------------------------


def test_import_creates_tree_then_repeat_changes_nothing(tree: Tree, personas: Personas) -> None:
    data = collection(
        feature("530114001002002", "第二网格", "grid", "530114001002", square(102.9, 24.6, 0.1)),
        feature(
            "53011400100200201",
            "子网格一",
            "五级网格",
            "530114001002002",
            square(102.9, 24.6, 0.05),
        ),
    )
    first = area_tree_import(actor=personas.administrator, payload=json.dumps(data).encode())
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    sub = Area.objects.get(code="53011400100200201")
    assert sub.parent is not None
    assert sub.parent.code == "530114001002002"
    assert sub.area_path.endswith("/530114001002/530114001002002/53011400100200201/")
    records = AuditRecord.objects.count()
    second = area_tree_import(actor=personas.administrator, payload=data)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert AuditRecord.objects.count() == records


def test_import_of_an_export_round_trips(tree: Tree) -> None:
    exported = export_tree(tree.street)
    summary = area_tree_import(actor=SYSTEM, payload=exported)
    assert summary.unchanged == len(exported["features"]) == 7


def test_import_updates_names_and_boundaries(tree: Tree) -> None:
    data = collection(
        feature(
            tree.grid_c.code, "新名字", "grid", tree.community_b.code, square(102.8, 24.6, 0.09)
        )
    )
    summary = area_tree_import(actor=SYSTEM, payload=data)
    assert summary.updated == 1
    tree.grid_c.refresh_from_db()
    assert tree.grid_c.name == "新名字"
    assert tree.grid_c.max_lon == pytest.approx(102.89)


def test_import_reports_every_bad_feature_and_writes_nothing(tree: Tree) -> None:
    data = collection(
        feature("530114001002002", "好网格", "grid", "530114001002", square(102.9, 24.6, 0.1)),
        feature("530114001003001", "无父网格", "grid", "530114001003"),
        feature("53011400100200", "短码", "grid", "530114001002"),
        feature("530114001002004", "", "grid", "530114001002"),
        feature(
            "530114001002005",
            "坏边界",
            "grid",
            "530114001002",
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]},
        ),
        feature("530114001002006", "坏层级", "town", "530114001002"),
        feature("530114001002002", "重复", "grid", "530114001002"),
        {"type": "Feature", "properties": None, "geometry": None},
        feature("530114001002007", "坏日期", "grid", "530114001002", valid_from="2024-13-01"),
    )
    before = (Area.objects.count(), AuditRecord.objects.count())
    with pytest.raises(ServiceError) as caught:
        area_tree_import(actor=SYSTEM, payload=data)
    by_location = {(e.location, e.field) for e in caught.value.errors}
    assert ("feature 2 (530114001003001)", "parent_code") in by_location
    assert ("feature 3 (53011400100200)", "code") in by_location
    assert ("feature 4 (530114001002004)", "name") in by_location
    assert ("feature 5 (530114001002005)", "geometry") in by_location
    assert ("feature 6 (530114001002006)", "level") in by_location
    assert ("feature 7 (530114001002002)", "code") in by_location
    assert ("feature 8", "properties") in by_location
    assert ("feature 9 (530114001002007)", "valid_from") in by_location
    assert not any(loc.startswith("feature 1 ") for loc, _field in by_location)
    assert (Area.objects.count(), AuditRecord.objects.count()) == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (b"{not json", "file"),
        (b"\xff\xfe", "file"),
        ({"type": "Feature"}, "file"),
        ({"type": "FeatureCollection", "features": []}, "features"),
    ],
)
def test_import_rejects_files_that_are_not_feature_collections(
    tree: Tree, payload: Any, field: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        area_tree_import(actor=SYSTEM, payload=payload)
    assert caught.value.errors[0].field == field


def test_import_cannot_move_an_area(tree: Tree) -> None:
    with pytest.raises(ServiceError, match="must start with its parent's code"):
        area_tree_import(
            actor=SYSTEM,
            payload=collection(feature(tree.grid_c.code, "搬家", "grid", tree.community_a.code)),
        )
    with pytest.raises(ServiceError, match="retire it first"):
        area_tree_import(
            actor=SYSTEM,
            payload=collection(feature(tree.district.code, "呈贡区", "district", None)),
        )


def test_import_warns_when_a_child_leaves_its_parent(tree: Tree) -> None:
    data = collection(
        feature("530114001002003", "越界", "grid", "530114001002", square(103.5, 25.5, 0.1))
    )
    summary = area_tree_import(actor=SYSTEM, payload=data)
    assert summary.created == 1
    assert [w.field for w in summary.warnings] == ["geometry"]


def test_import_outside_the_admins_areas_is_refused(tree: Tree, personas: Personas) -> None:
    data = collection(feature("530112", "西山区", "district", "530100"))
    with pytest.raises(ServiceError) as caught:
        area_tree_import(actor=personas.administrator, payload=data)
    assert caught.value.errors[0].field == "parent_code"
    assert not Area.objects.filter(code="530112").exists()


def test_messages_are_in_chinese_by_default(tree: Tree) -> None:
    from django.utils import translation  # noqa: PLC0415

    with translation.override("zh-hans"), pytest.raises(ServiceError) as caught:
        area_create(
            actor=SYSTEM,
            level=Level.GRID,
            code=tree.grid_a.code,
            name="重复",
            parent=tree.community_a,
        )
    assert str(caught.value.errors[0].message) == "已被其他区划使用"


def test_breadcrumbs_name_the_newest_version_of_a_reused_code(
    tree: Tree, personas: Personas
) -> None:
    """Re-gridding retires a grid and may give its code to a new one (the same path): the
    trail names the new grid, not the retired one."""
    from shequ.areas.selectors import breadcrumbs  # noqa: PLC0415

    today = timezone.localdate()
    Area.objects.filter(area_path__startswith=tree.grid_a.area_path).update(
        valid_from=today - dt.timedelta(days=60)
    )
    tree.grid_a.refresh_from_db()
    area_retire(actor=SYSTEM, area=tree.grid_a, on=today)
    new = area_create(
        actor=SYSTEM,
        level=tree.grid_a.level,
        code=tree.grid_a.code,
        name="新第一网格",
        parent=tree.community_a,
        valid_from=today,
    ).area
    assert new.area_path == tree.grid_a.area_path
    names = [crumb.name for crumb in breadcrumbs(personas.dispatcher, new)]
    assert names[-1] == "新第一网格"
    assert names[-2] == tree.community_a.name

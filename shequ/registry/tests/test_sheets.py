"""The register sheet: reading, checking every row, committing in one transaction, and the
template and export in the same columns. Sheets are made here with xlsxwriter and read back
with python-calamine."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from python_calamine import CalamineWorkbook

from shequ.core import bulk
from shequ.core.actors import SYSTEM
from shequ.core.crypto import decrypt
from shequ.core.errors import ServiceError
from shequ.core.models import AuditRecord
from shequ.core.validators import valid_test_id_number
from shequ.registry import stats
from shequ.registry.colours import colour_of, colours_of
from shequ.registry.models import (
    Building,
    House,
    Household,
    HouseholdStay,
    ImportJob,
    ImportStatus,
    NameGram,
    RegisterStat,
    Resident,
    ResidentCare,
    Stay,
)
from shequ.registry.personal import (
    ID_NUMBER,
    PHONE,
    id_number_index,
    phone_index,
    protect_id_number,
    protect_phone,
)
from shequ.registry.services import (
    ResidentData,
    building_create,
    clean_resident,
    house_create,
    household_create,
    resident_add,
    resident_update,
)
from shequ.registry.sheets import checker, export, pipeline, reader, staged, writer, xlsx
from shequ.registry.sheets.checker import check_person
from shequ.registry.sheets.columns import COLUMNS, NOTES_SHEET_NAME, SHEET_NAME
from shequ.registry.sheets.protect import id_numbers, phones
from shequ.registry.testing import ZHANG_ID

HEADERS = [c.header for c in COLUMNS]
TODAY = dt.date(2026, 3, 1)


def pid(year: int, seq: int, month: int = 1, day: int = 1) -> str:
    return valid_test_id_number("530114", dt.date(year, month, day), seq)


def base_row(grid: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "网格代码": grid,
        "小区": "春城小区",
        "楼栋号": "3栋",
        "楼栋地址": "呈贡区春城路3号",
        "总层数": 6,
        "单元数": 2,
        "单元": 1,
        "楼层": 2,
        "房号": "201",
        "建筑面积": 88.5,
        "房屋用途": "自住",
        "户编号": "CC-1",
    }
    row.update(values)
    return row


def make_xlsx(
    rows: list[dict[str, Any]],
    headers: list[str] | None = None,
    *,
    above: list[list[Any]] | None = None,
    hook: Any = None,
) -> bytes:
    """An .xlsx with the header row (after any ``above`` rows) and ``rows`` keyed by header."""
    headers = headers or HEADERS
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(SHEET_NAME)
    text = book.add_format({"num_format": "@"})
    start = 0
    for cells in above or []:
        sheet.write_row(start, 0, cells)
        start += 1
    sheet.write_row(start, 0, headers)
    for i, row in enumerate(rows, start=start + 1):
        for j, header in enumerate(headers):
            value = row.get(header, "")
            if isinstance(value, dt.date):
                sheet.write_datetime(
                    i,
                    j,
                    dt.datetime.combine(value, dt.time()),
                    book.add_format({"num_format": "yyyy-mm-dd"}),
                )
            elif isinstance(value, str):
                sheet.write_string(i, j, value, text)
            elif value is not None:
                sheet.write(i, j, value)
    if hook:
        hook(book, sheet, start)
    book.close()
    return buffer.getvalue()


def make_csv(rows: list[dict[str, Any]], encoding: str = "utf-8-sig") -> bytes:
    lines = [",".join(HEADERS)]
    lines += [",".join(str(r.get(h, "")) for h in HEADERS) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def run(
    actor: Any,
    area: Any,
    data: bytes,
    name: str = "register.xlsx",
    *,
    commit: bool | None = None,
    valid_only: bool = False,
) -> ImportJob:
    """Upload, check and (with ``commit``) write, as the tasks would, synchronously."""
    job = pipeline.import_upload(actor=actor, area=area, upload=SimpleUploadedFile(name, data))
    pipeline.run_validation(job.pk)
    job.refresh_from_db()
    if commit and job.status == ImportStatus.VALIDATED:
        pipeline.import_commit(actor=actor, job=job, valid_only=valid_only)
        pipeline.run_commit(job.pk, actor.pk)
        job.refresh_from_db()
    return job


def messages(job: ImportJob) -> list[str]:
    return [e["message"] for e in job.errors]


def errors_at(job: ImportJob, row: int) -> list[tuple[str, str]]:
    return [(e["column"], e["message"]) for e in job.errors if e["row"] == row]


def table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Building,
            House,
            Household,
            HouseholdStay,
            Resident,
            ResidentCare,
            Stay,
            NameGram,
        )
    }


def stat_rows() -> list[tuple[str, str, str, int]]:
    return sorted(
        (s.area_path, s.measure, s.key, s.count) for s in RegisterStat.objects.exclude(count=0)
    )


@pytest.fixture(autouse=True)
def _files_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded sheets and progress files go to a temporary folder, not var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path


@pytest.fixture(params=["calamine", "streaming"])
def both_readers(request: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with python-calamine and with the streaming reader of large sheets."""
    if request.param == "streaming":
        monkeypatch.setattr(reader, "STREAM_ABOVE", -1)
    return str(request.param)


@pytest.fixture
def staff(personas: Any) -> Any:
    return personas.community_staff


@pytest.fixture
def family(tree: Any) -> list[dict[str, Any]]:
    """Two households in one new building of grid A, and an empty shop."""
    grid = tree.grid_a.code
    return [
        base_row(
            grid,
            与户主关系="户主",
            姓名="赵建国",
            身份证号=pid(1950, 11),
            联系电话="13900001111",
            关爱标签="独居老人、低保",
            党员="是",
        ),
        base_row(
            grid,
            房号="202",
            户编号="CC-2",
            与户主关系="户主",
            姓名="钱丽",
            身份证号=pid(1985, 22, 6, 30),
            人口类别="流动",
        ),
        base_row(
            grid,
            房号="202",
            户编号="CC-2",
            与户主关系="子女",
            姓名="钱小宝",
            出生日期="2015年6月1日",
            性别="男",
            人口类别="流动",
        ),
        base_row(grid, 楼层=1, 房号="101", 房屋用途="经营场所", 户编号=""),
    ]


# --- the rules are the services' ---------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        ResidentData(name=" 张 三 ", id_number=ZHANG_ID, phone="138 1234 5678"),
        ResidentData(name="李四", id_number=ZHANG_ID[:-1] + "0"),
        ResidentData(name="", phone="12345"),
        ResidentData(name="王" * 51, ethnicity="汉" * 21, workplace="x" * 101),
        ResidentData(
            name="赵", id_number=ZHANG_ID, gender="female", birth_date=dt.date(1990, 1, 1)
        ),
        ResidentData(name="钱", birth_date=dt.date(2030, 1, 1), residency="alien", relation="boss"),
        ResidentData(name="孙", care_tags=("living_alone", "living_alone", "nonsense")),
        ResidentData(name="周", id_number="530114 19800517 013x", phone="+86 871 6555 1234"),
        ResidentData(name="吴", id_number="999999" + ZHANG_ID[6:]),
    ],
)
def test_check_person_is_clean_resident(db: Any, data: ResidentData) -> None:
    checked = check_person(data, today=TODAY)
    try:
        clean = clean_resident(data, today=TODAY, check_duplicates=False)
    except Exception as error:
        expected = [(e.field, str(e.message)) for e in error.errors]  # type: ignore[attr-defined]
        assert [(e.field, str(e.message)) for e in checked.errors] == expected
        return
    assert not checked.errors
    assert checked.data == clean.data
    assert [(w.field, str(w.message)) for w in checked.warnings] == [
        (w.field, str(w.message)) for w in clean.warnings
    ]


def test_bulk_protection_is_the_services(db: Any) -> None:
    ids, tels = id_numbers(), phones()
    for value in (ZHANG_ID, pid(1999, 8)):
        fast, slow = ids.protect(value), protect_id_number(value)
        assert (fast.bidx, fast.mask) == (slow.bidx, slow.mask)
        assert decrypt(fast.enc, purpose=ID_NUMBER) == value
    for value in ("13812345678", "0871-65551234", "010-12345678-12"):
        fast, slow = tels.protect(value), protect_phone(value)
        assert (fast.bidx, fast.mask) == (slow.bidx, slow.mask)
        assert decrypt(fast.enc, purpose=PHONE) == value


def test_the_checkers_shortcuts_read_cells_as_their_readers() -> None:
    """``Checker._row`` reads the usual cells without calling the column's reader."""
    for column in COLUMNS:
        fast, read = checker._fast(column.key), checker._reader(column.key)
        if fast is checker._TEXT:
            for cell in ("", " a  b ", "张 伟", "\t1\n"):
                assert read(cell) == " ".join(cell.split())
        elif fast is checker._WHOLE:
            for cell in (1.0, -3.0, 18.0):
                assert read(cell) == int(cell)
        elif isinstance(fast, dict):
            assert fast
            for word, value in fast.items():
                assert read(word) == value, (column.key, word)


# --- a whole import --------------------------------------------------------------------------------


@pytest.mark.usefixtures("both_readers")
def test_import_writes_what_the_services_would(tree: Any, staff: Any, family: Any) -> None:
    job = run(staff, tree.community_a, make_xlsx(family), commit=True)
    assert job.status == ImportStatus.DONE, job.errors
    assert job.summary["created"] == {
        "buildings": 1,
        "houses": 3,
        "households": 2,
        "residents": 3,
        "residents_present": 0,
        "rows_without_person": 1,
    }
    # the rollups equal a rebuild from the register
    imported = stat_rows()
    stats.rebuild()
    assert imported == stat_rows()
    # colours, as colour_of derives them
    for house in House.objects.all():
        assert house.colour == colour_of(house), house.room
        assert (house.colour, house.colour_without_care) == colours_of(house), house.room
    assert dict(House.objects.values_list("room", "colour")) == {
        "201": "care",
        "202": "non_local",
        "101": "business",
    }

    # the same people added with the services, in grid B, look the same
    def people(path: str) -> list[tuple[Any, ...]]:
        return sorted(
            (
                r.name,
                r.relation,
                r.gender,
                r.birth_date,
                r.id_number_mask,
                r.phone_mask,
                r.residency,
                r.is_party_member,
                r.ethnicity,
                r.workplace,
                r.household.head.name if r.household.head else None,
                r.household.house.room,
                r.household.house.colour,
                r.household.house.floor_area,
                sorted(ResidentCare.objects.filter(resident=r).values_list("tag", flat=True)),
                sorted(NameGram.objects.filter(resident=r).values_list("gram", flat=True)),
                [(s.relation, s.valid_from, s.valid_to) for s in Stay.objects.filter(resident=r)],
            )
            for r in Resident.objects.filter(area_path=path).select_related(
                "household__house", "household__head"
            )
        )

    imported_people = people(tree.grid_a.area_path)
    for resident in Resident.objects.filter(area_path=tree.grid_a.area_path).exclude(
        id_number_bidx=""
    ):
        assert resident.id_number_bidx == id_number_index(
            decrypt(resident.id_number_enc, purpose=ID_NUMBER)
        )
        # an ID number is unique in the register: set it aside for the copy made below
        Resident.objects.filter(pk=resident.pk).update(id_number_bidx=f"aside-{resident.pk}")
    building = building_create(
        actor=SYSTEM,
        area=tree.grid_b,
        estate="春城小区",
        number="3栋",
        address="呈贡区春城路3号",
        floors=6,
        entrances=2,
    )
    h201 = house_create(
        actor=SYSTEM, building=building, entrance=1, floor=2, room="201", floor_area=Decimal("88.5")
    )
    h202 = house_create(
        actor=SYSTEM, building=building, entrance=1, floor=2, room="202", floor_area=Decimal("88.5")
    )
    house_create(
        actor=SYSTEM,
        building=building,
        entrance=1,
        floor=1,
        room="101",
        floor_area=Decimal("88.5"),
        use="business",
    )
    hh1, hh2 = (
        household_create(actor=SYSTEM, house=h201),
        household_create(actor=SYSTEM, house=h202),
    )
    resident_add(
        actor=SYSTEM,
        household=hh1,
        data=ResidentData(
            name="赵建国",
            id_number=pid(1950, 11),
            phone="13900001111",
            relation="head",
            care_tags=("living_alone", "low_income"),
            is_party_member=True,
        ),
    )
    resident_add(
        actor=SYSTEM,
        household=hh2,
        data=ResidentData(
            name="钱丽", id_number=pid(1985, 22, 6, 30), relation="head", residency="non_local"
        ),
    )
    resident_add(
        actor=SYSTEM,
        household=hh2,
        data=ResidentData(
            name="钱小宝",
            birth_date=dt.date(2015, 6, 1),
            gender="male",
            relation="child",
            residency="non_local",
        ),
    )
    assert imported_people == people(tree.grid_b.area_path)
    assert HouseholdStay.objects.filter(area_path=tree.grid_a.area_path).count() == 2
    audit = AuditRecord.objects.get(object_type="registry.importjob", object_id=str(job.pk))
    assert audit.action == "create"
    assert audit.changes["residents"] == 3
    assert audit.changes["sha256"] == job.sha256


def test_second_import_changes_nothing(tree: Any, staff: Any, family: Any) -> None:
    data = make_xlsx(family)
    first = run(staff, tree.community_a, data, commit=True)
    assert first.status == ImportStatus.DONE
    before = (table_counts(), stat_rows(), list(Resident.objects.values_list("pk", "updated_at")))
    again = run(staff, tree.community_a, data)
    assert any("this file was imported on" in w["message"] for w in again.warnings)
    assert again.summary["preview"]["residents"] == 0
    assert again.summary["preview"]["residents_present"] == 3
    pipeline.import_commit(actor=staff, job=again, valid_only=False)
    pipeline.run_commit(again.pk, staff.pk)
    again.refresh_from_db()
    assert again.status == ImportStatus.DONE
    created = again.summary["created"]
    assert (
        created["residents"],
        created["households"],
        created["houses"],
        created["buildings"],
    ) == (0, 0, 0, 0)
    assert created["residents_present"] == 3
    assert before == (
        table_counts(),
        stat_rows(),
        list(Resident.objects.values_list("pk", "updated_at")),
    )


def test_person_without_id_is_matched_by_name_in_household(tree: Any, staff: Any) -> None:
    rows = [base_row(tree.grid_a.code, 姓名="孙悟空", 与户主关系="户主")]
    run(staff, tree.community_a, make_xlsx(rows), commit=True)
    job = run(staff, tree.community_a, make_xlsx(rows), commit=True)
    assert job.summary["created"]["residents"] == 0
    assert job.summary["created"]["residents_present"] == 1
    assert Resident.objects.filter(name="孙悟空").count() == 1


def test_existing_house_and_household_are_matched(tree: Any, staff: Any, register: Any) -> None:
    Household.objects.filter(pk=register.household.pk).update(external_ref="Z-1")
    rows = [
        base_row(
            tree.grid_a.code,
            小区="龙城小区",
            楼栋号="1栋",
            楼栋地址="",
            总层数="",
            单元=1,
            楼层=1,
            房号="101",
            户编号="Z-1",
            姓名="张小东",
            与户主关系="子女",
        ),
        base_row(
            tree.grid_a.code,
            小区="龙城小区",
            楼栋号="1栋",
            单元=1,
            楼层=1,
            房号="101",
            户编号="Z-1",
            姓名="张伟东",
            身份证号=ZHANG_ID,
            与户主关系="户主",
        ),
    ]
    job = run(staff, tree.community_a, make_xlsx(rows), commit=True)
    assert job.status == ImportStatus.DONE, job.errors
    created = job.summary["created"]
    assert (created["buildings"], created["houses"], created["households"]) == (0, 0, 0)
    assert (created["residents"], created["residents_present"]) == (1, 1)
    assert Resident.objects.get(name="张小东").household_id == register.household.pk
    imported = stat_rows()
    stats.rebuild()
    assert imported == stat_rows()


def test_the_import_keeps_the_colours_without_care(tree: Any, staff: Any, register: Any) -> None:
    """A house of the register that the import touches, and the houses it adds, carry the
    colour without care as derived from what the import wrote (the map reads it)."""
    resident_update(actor=SYSTEM, resident=register.zhang, care_tags=["living_alone"])
    Household.objects.filter(pk=register.household.pk).update(external_ref="Z-1")
    rows = [
        base_row(
            tree.grid_a.code,
            小区="龙城小区",
            楼栋号="1栋",
            单元=1,
            楼层=1,
            房号="101",
            户编号="Z-1",
            姓名="周流动",
            与户主关系="其他",
            人口类别="流动",
        ),
        base_row(
            tree.grid_a.code, 楼层=3, 房号="301", 户编号="N-1", 姓名="吴关爱", 关爱标签="低保"
        ),
        base_row(tree.grid_a.code, 楼层=3, 房号="302", 户编号="N-2", 姓名="郑平常"),
    ]
    job = run(staff, tree.community_a, make_xlsx(rows), commit=True)
    assert job.status == ImportStatus.DONE, job.errors
    colours = {
        h.room: (h.colour, h.colour_without_care)
        for h in House.objects.filter(room__in=["101", "301", "302"])
    }
    assert colours["101"] == ("care", "non_local")
    assert colours["301"] == ("care", "registered")
    assert colours["302"] == ("registered", "registered")
    for house in House.objects.all():
        assert (house.colour, house.colour_without_care) == colours_of(house), house.room


def test_valid_only_imports_the_valid_rows(tree: Any, staff: Any, family: Any) -> None:
    rows = [
        *family,
        base_row(
            tree.grid_a.code,
            房号="203",
            户编号="CC-3",
            姓名="坏号码",
            身份证号=pid(1970, 5)[:-1] + "0",
        ),
    ]
    job = run(staff, tree.community_a, make_xlsx(rows))
    assert job.status == ImportStatus.VALIDATED
    assert (job.total_rows, job.valid_rows, job.error_count) == (5, 4, 1)
    with pytest.raises(Exception, match="some rows have errors"):
        pipeline.import_commit(actor=staff, job=job, valid_only=False)
    pipeline.import_commit(actor=staff, job=job, valid_only=True)
    pipeline.run_commit(job.pk, staff.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.summary["skipped_rows"] == 1
    assert not Resident.objects.filter(name="坏号码").exists()
    assert not House.objects.filter(room="203").exists()
    assert Resident.objects.count() == 3


def test_a_crash_halfway_leaves_the_register_as_it_was(
    tree: Any, staff: Any, family: Any, register: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "CHUNK", 2)
    rows = [
        *family,
        *(
            base_row(tree.grid_a.code, 房号=f"30{i}", 户编号=f"X{i}", 姓名=f"某{i}")
            for i in range(4)
        ),
    ]
    job = run(staff, tree.community_a, make_xlsx(rows))
    assert job.status == ImportStatus.VALIDATED, job.errors
    before = (table_counts(), stat_rows(), AuditRecord.objects.count())
    original = writer.Writer.write
    calls: list[int] = []

    def write_then_crash(self: writer.Writer, checked: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            msg = "disk full"
            raise OSError(msg)
        original(self, checked)

    monkeypatch.setattr(writer.Writer, "write", write_then_crash)
    pipeline.import_commit(actor=staff, job=job, valid_only=False)
    pipeline.run_commit(job.pk, staff.pk)
    job.refresh_from_db()
    assert len(calls) == 2  # the first chunk was written before the crash
    assert job.status == ImportStatus.FAILED
    assert "nothing was changed" in messages(job)[0]
    assert "disk full" in messages(job)[0]
    assert before == (table_counts(), stat_rows(), AuditRecord.objects.count())
    assert not AuditRecord.objects.filter(object_type="registry.importjob").exists()
    assert not staged.path(job.pk).exists()  # the failed job's staged rows are gone too


@pytest.mark.django_db(transaction=True)
def test_a_crash_rolls_back_a_real_transaction(
    transactional_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same, outside the test's own transaction: the commit's is the outermost."""
    from shequ.core.testing import build_personas, build_tree  # noqa: PLC0415

    tree = build_tree()
    staff = build_personas(tree).community_staff
    monkeypatch.setattr(pipeline, "CHUNK", 1)
    rows = [
        base_row(tree.grid_a.code, 房号=f"30{i}", 户编号=f"X{i}", 姓名=f"某{i}") for i in range(3)
    ]
    job = run(staff, tree.community_a, make_xlsx(rows))
    before = (table_counts(), stat_rows())
    original = bulk.Table.insert
    inserted: list[int] = []

    def insert_then_crash(self: bulk.Table, rows: Any) -> int:
        if self.model is Resident and inserted:
            msg = "connection lost"
            raise RuntimeError(msg)
        count = original(self, rows)
        if self.model is Resident:
            inserted.append(count)
        return count

    monkeypatch.setattr(bulk.Table, "insert", insert_then_crash)
    pipeline.import_commit(actor=staff, job=job, valid_only=False)
    pipeline.run_commit(job.pk, staff.pk)
    job.refresh_from_db()
    assert inserted == [1]
    assert job.status == ImportStatus.FAILED
    assert before == (table_counts(), stat_rows())
    assert not connection.in_atomic_block


def test_register_changed_between_check_and_commit(tree: Any, staff: Any, family: Any) -> None:
    job = run(staff, tree.community_a, make_xlsx(family))
    # someone registers 赵建国 elsewhere in the meantime
    building = building_create(
        actor=SYSTEM, area=tree.grid_b, number="9栋", address="某路9号", floors=3
    )
    house = house_create(actor=SYSTEM, building=building, entrance=1, floor=1, room="101")
    resident_add(
        actor=SYSTEM,
        household=household_create(actor=SYSTEM, house=house),
        data=ResidentData(name="赵建国", id_number=pid(1950, 11)),
    )
    before = table_counts()
    pipeline.import_commit(actor=staff, job=job, valid_only=False)
    pipeline.run_commit(job.pk, staff.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED
    assert "nothing was imported" in job.summary["changed"]
    assert errors_at(job, 2)[0][0] == "O 身份证号"
    assert before == table_counts()


def test_commit_writes_the_staged_rows_without_reading_the_sheet(
    tree: Any, staff: Any, family: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = run(staff, tree.community_a, make_xlsx(family))
    path = staged.path(job.pk)
    assert path.exists()
    content = path.read_bytes()
    # the ID numbers and phones are kept encrypted only
    assert pid(1950, 11).encode() not in content
    assert b"13900001111" not in content

    def no_reading(job: Any) -> Any:
        raise AssertionError("the sheet was read again")

    monkeypatch.setattr(pipeline, "open_job_file", no_reading)
    pipeline.import_commit(actor=staff, job=job, valid_only=False)
    pipeline.run_commit(job.pk, staff.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    assert job.summary["created"]["residents"] == 3
    assert job.summary["rows"] == 4
    assert not path.exists()
    person = Resident.objects.get(name="赵建国")
    assert decrypt(person.id_number_enc, purpose=ID_NUMBER) == pid(1950, 11)
    assert decrypt(person.phone_enc, purpose=PHONE) == "13900001111"
    assert person.id_number_bidx == id_number_index(pid(1950, 11))


def test_staged_commit_asks_the_register_about_the_people_again(
    tree: Any, staff: Any, family: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone registers 赵建国 in another community meanwhile: the area's buildings are
    unchanged, so the staged rows are used, and the person is found in the register."""
    job = run(staff, tree.community_a, make_xlsx(family))
    building = building_create(
        actor=SYSTEM, area=tree.grid_c, number="9栋", address="某路9号", floors=3
    )
    house = house_create(actor=SYSTEM, building=building, entrance=1, floor=1, room="101")
    resident_add(
        actor=SYSTEM,
        household=household_create(actor=SYSTEM, house=house),
        data=ResidentData(name="赵建国", id_number=pid(1950, 11)),
    )
    monkeypatch.setattr(pipeline, "open_job_file", None)  # the sheet is not read again
    before = table_counts()
    pipeline.import_commit(actor=staff, job=job, valid_only=False)
    pipeline.run_commit(job.pk, staff.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED
    assert "nothing was imported" in job.summary["changed"]
    assert [e[0] for e in errors_at(job, 2)] == ["O 身份证号"]
    assert before == table_counts()
    # the valid rows only, from the same staged rows
    pipeline.import_commit(actor=staff, job=job, valid_only=True)
    pipeline.run_commit(job.pk, staff.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    assert (job.summary["rows"], job.summary["valid_rows"], job.summary["skipped_rows"]) == (
        4,
        3,
        1,
    )
    assert job.summary["created"]["residents"] == 2


def test_the_sheet_is_checked_again_when_the_area_changed(
    tree: Any, staff: Any, family: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A building added to the area meanwhile: the staged rows are not used."""
    job = run(staff, tree.community_a, make_xlsx(family))
    building_create(actor=SYSTEM, area=tree.grid_b, number="9栋", address="某路9号", floors=3)
    opened: list[int] = []
    original = pipeline.open_job_file

    def counted(job: Any) -> Any:
        opened.append(job.pk)
        return original(job)

    monkeypatch.setattr(pipeline, "open_job_file", counted)
    pipeline.import_commit(actor=staff, job=job, valid_only=False)
    pipeline.run_commit(job.pk, staff.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    assert opened == [job.pk]
    assert job.summary["created"]["residents"] == 3


def test_staged_rows_are_discarded_with_the_job(tree: Any, staff: Any, family: Any) -> None:
    job = run(staff, tree.community_a, make_xlsx(family))
    assert staged.path(job.pk).exists()
    pipeline.import_cancel(actor=staff, job=job)
    assert not staged.path(job.pk).exists()


# --- bad files --------------------------------------------------------------------------------------


def test_docx_renamed_xlsx(tree: Any, staff: Any) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(Exception, match=r"Word document \(\.docx\)") as error:
        pipeline.import_upload(
            actor=staff,
            area=tree.community_a,
            upload=SimpleUploadedFile("a.xlsx", buffer.getvalue()),
        )
    assert error.value.errors[0].field == "file"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.xlsx", b"%PDF-1.4 not a sheet", "not an Excel workbook"),
        ("a.xlsx", b"PK\x03\x04 broken zip", "damaged"),
        ("a.docx", b"PK\x03\x04", "is not an .xlsx, .xls or .csv file"),
        (
            "a.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            "cannot be read as an Excel workbook",
        ),
        ("a.csv", b"", "empty"),
    ],
)
def test_files_that_are_not_sheets(
    tree: Any, staff: Any, name: str, data: bytes, message: str
) -> None:
    refused: list[str] = []
    try:
        job = run(staff, tree.community_a, data, name)
    except ServiceError as error:  # refused at upload
        refused = [str(e.message) for e in error.errors]
    else:
        assert job.status == ImportStatus.FAILED
        refused = messages(job)
    assert any(message in m for m in refused), refused


def test_file_too_large(tree: Any, staff: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_BYTES", 1000)
    with pytest.raises(Exception, match=r"the limit is 0\.0 MB") as error:
        pipeline.import_upload(
            actor=staff, area=tree.community_a, upload=SimpleUploadedFile("big.csv", b"x" * 2000)
        )
    assert "split the sheet" in str(error.value)


@pytest.mark.usefixtures("both_readers")
def test_wrong_and_missing_headers(tree: Any, staff: Any) -> None:
    headers = [h for h in HEADERS if h not in ("身份证号", "房号")] + ["备注", "姓名"]
    job = run(staff, tree.community_a, make_xlsx([{}], headers))
    assert job.status == ImportStatus.FAILED
    text = " ".join(messages(job))
    assert "these columns are missing: 房号、身份证号" in text
    assert "not register columns: V 备注" in text
    assert "appear twice: W 姓名" in text


@pytest.mark.usefixtures("both_readers")
def test_english_headers_and_a_title_row(tree: Any, staff: Any) -> None:
    keys = [c.key for c in COLUMNS]
    by_header = {c.header: c.key for c in COLUMNS}
    row = {by_header[h]: v for h, v in base_row(tree.grid_a.code, 姓名="刘备").items()}
    job = run(
        staff,
        tree.community_a,
        make_xlsx([row], keys, above=[["洛龙社区人口台账（2026年）"]]),
        commit=True,
    )
    assert job.status == ImportStatus.DONE, job.errors
    assert Resident.objects.filter(name="刘备").exists()


@pytest.mark.usefixtures("both_readers")
def test_merged_cells(tree: Any, staff: Any) -> None:
    def merge(book: Any, sheet: Any, header: int) -> None:
        sheet.merge_range(header + 2, 0, header + 3, 0, tree.grid_a.code)

    rows = [base_row(tree.grid_a.code, 姓名=f"人{i}") for i in range(3)]
    job = run(staff, tree.community_a, make_xlsx(rows, hook=merge))
    assert job.status == ImportStatus.FAILED
    assert messages(job) == ["merged cells A3:A4 in rows 3–4: unmerge them and fill in every cell"]


@pytest.mark.usefixtures("both_readers")
def test_a_merged_title_above_the_headers_is_fine(tree: Any, staff: Any) -> None:
    def title(book: Any, sheet: Any, header: int) -> None:
        sheet.merge_range(0, 0, 0, 5, "人口台账")

    rows = [base_row(tree.grid_a.code, 姓名="关羽")]
    job = run(staff, tree.community_a, make_xlsx(rows, above=[[""]], hook=title))
    assert job.status == ImportStatus.VALIDATED, job.errors
    assert job.error_count == 0


@pytest.mark.usefixtures("both_readers")
def test_blank_rows_are_skipped_and_counted(tree: Any, staff: Any) -> None:
    rows = [base_row(tree.grid_a.code, 姓名="甲"), {}, {}, base_row(tree.grid_a.code, 姓名="乙")]
    job = run(staff, tree.community_a, make_xlsx(rows), commit=True)
    assert job.status == ImportStatus.DONE
    assert job.summary["blank_rows"] == 2
    assert job.summary["rows"] == 2


@pytest.mark.usefixtures("both_readers")
def test_formulas_give_their_value_or_an_error(tree: Any, staff: Any) -> None:
    def formulas(book: Any, sheet: Any, header: int) -> None:
        floors = HEADERS.index("总层数")
        name = HEADERS.index("姓名")
        sheet.write_formula(header + 1, floors, "=3+3", None, 6)
        sheet.write_formula(header + 2, name, '=A1&""', None, "")

    rows = [
        base_row(tree.grid_a.code, 姓名="甲"),
        base_row(tree.grid_a.code, 姓名="乙", 房号="202", 户编号="B"),
    ]
    job = run(staff, tree.community_a, make_xlsx(rows, hook=formulas))
    assert any("2 cells hold formulas" in w["message"] for w in job.warnings)
    assert any(
        w["row"] == 2 and w["column"] == "E 总层数" and "its result 6 is imported" in w["message"]
        for w in job.warnings
    )
    assert errors_at(job, 3) == [
        (
            "N 姓名",
            "holds a formula without a saved result: open the file in Excel, let it calculate, and save it again (or paste the values)",
        )
    ]


# --- bad rows ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("both_readers")
@pytest.mark.parametrize("chunk", [pipeline.CHUNK, 3], ids=["one-chunk", "worker-process"])
def test_every_row_error_names_row_column_and_problem(
    tree: Any, staff: Any, register: Any, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In one chunk the rows are read in this process; in chunks of 3 in a worker process
    (``pipeline.checked_chunks``): the same errors, in the same language, either way."""
    monkeypatch.setattr(pipeline, "CHUNK", chunk)
    monkeypatch.setattr(pipeline, "WORKERS", 1)
    grid = tree.grid_a.code
    rows = [
        base_row(
            grid, 姓名="甲", 身份证号=pid(1980, 1)[:-1] + ("0" if pid(1980, 1)[-1] != "0" else "1")
        ),  # 2
        base_row(grid, 姓名="乙", 身份证号=5.30114198001011e17),  # 3: typed into a number cell
        base_row(grid, 姓名="丙", 身份证号=pid(1981, 3)),  # 4
        base_row(
            grid, 房号="202", 户编号="B", 姓名="丁", 身份证号=pid(1981, 3)
        ),  # 5: same as row 4
        base_row(
            grid, 房号="203", 户编号="C", 姓名="张伟东", 身份证号=ZHANG_ID
        ),  # 6: in another household
        base_row(grid, 姓名="名" * 51),  # 7
        base_row(grid, 姓名="戊", 出生日期="1990/13/45"),  # 8
        base_row(grid, 姓名="己", 出生日期="去年"),  # 9
        base_row(tree.grid_c.code, 姓名="庚"),  # 10: community B
        base_row(grid, 姓名="辛", 房屋用途="仓库"),  # 11
        base_row(grid, 姓名="壬", 楼层=9),  # 12
        base_row(grid, 楼栋号="4栋", 总层数="", 姓名="癸"),  # 13: new building without floors
        base_row(
            grid, 总层数=7, 房号="209", 户编号="D", 姓名="子"
        ),  # 14: 3栋 has 6 floors in row 2
        base_row(grid, 户编号="", 姓名="丑"),  # 15
        base_row(grid, 房号="204", 户编号="E", 姓名="寅", 联系电话="1381234"),  # 16
        base_row(grid, 房号="204", 户编号="E", 姓名="卯", 关爱标签="独居老人、外星人"),  # 17
        base_row(
            grid, 房号="204", 户编号="E", 姓名="卯"
        ),  # 18: same person as row 17? no: 17 is invalid
    ]
    job = run(staff, tree.community_a, make_xlsx(rows))
    assert job.status == ImportStatus.VALIDATED
    assert errors_at(job, 2)[0][0] == "O 身份证号"
    assert "the check character should be" in errors_at(job, 2)[0][1]
    assert errors_at(job, 3) == [
        (
            "O 身份证号",
            "Excel stored the ID number as a number and has lost its last digits: format the column as text and type the number again",
        )
    ]
    assert errors_at(job, 4) == []
    assert errors_at(job, 5) == [("O 身份证号", "the same ID number as row 4")]
    assert errors_at(job, 6) == [
        (
            "O 身份证号",
            "is already in the register, in another household: 张伟东 (530114********0134); move the person in the register instead",
        )
    ]
    assert errors_at(job, 7) == [("N 姓名", "is longer than 50 characters")]
    assert errors_at(job, 8) == [("Q 出生日期", "1990/13/45 is not a real date")]
    assert errors_at(job, 9) == [("Q 出生日期", "去年 is not a date: write it as 1990-01-02")]
    assert errors_at(job, 10)[0][0] == "A 网格代码"
    assert (
        "is not a grid or subgrid of 洛龙社区 that you may import into" in errors_at(job, 10)[0][1]
    )
    assert errors_at(job, 11) == [
        ("K 房屋用途", "仓库 is not one of 自住、出租、空置、单位办公、经营场所")
    ]
    assert errors_at(job, 12) == [("H 楼层", "the building has floors 1 to 6 (basements -1 to -5)")]
    assert errors_at(job, 13) == [("E 总层数", "is required for a new building")]
    assert errors_at(job, 14) == [
        ("E 总层数", "differs from row 2 (6) for the same building or house")
    ]
    assert errors_at(job, 15) == [("L 户编号", "is needed on a row with a person")]
    assert errors_at(job, 16) == [("S 联系电话", "a mobile number has 11 digits, not 7")]
    assert errors_at(job, 17) == [("W 关爱标签", "unknown care tag: 外星人")]
    assert errors_at(job, 18) == []
    assert job.valid_rows == 2


def test_the_worker_process_encrypts_with_this_processs_keys(
    tree: Any, staff: Any, family: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker is spawned (a fresh interpreter, not a fork of this one, which has
    threads): it takes the keys this process has, not the ones its environment would give
    it, so the people it encrypted and indexed are read and found here. And no fork."""
    settings.SHEQU_FIELD_KEYS = "k2:" + base64.b64encode(bytes(range(32))).decode()
    settings.SHEQU_INDEX_KEY = base64.b64encode(bytes(range(32, 64))).decode()
    monkeypatch.setattr(pipeline, "CHUNK", 2)  # four rows: two chunks, the worker's
    monkeypatch.setattr(pipeline, "WORKERS", 1)

    def no_fork() -> int:
        raise AssertionError("the worker was forked")

    monkeypatch.setattr(os, "fork", no_fork)
    job = run(staff, tree.community_a, make_xlsx(family), commit=True)
    assert job.status == ImportStatus.DONE, job.errors
    zhao = Resident.objects.get(name="赵建国")
    assert zhao.id_number_enc.split(".")[1] == "k2"
    assert decrypt(zhao.id_number_enc, purpose=ID_NUMBER) == pid(1950, 11)
    assert decrypt(zhao.phone_enc, purpose=PHONE) == "13900001111"
    assert zhao.id_number_bidx == id_number_index(pid(1950, 11))
    assert zhao.phone_bidx == phone_index("13900001111")


@pytest.mark.usefixtures("both_readers")
def test_dates_typed_as_text(tree: Any, staff: Any) -> None:
    grid = tree.grid_a.code
    typed = [
        "1990-01-02",
        "1990/1/2",
        "1990年1月2日",
        "19900102",
        "1990.1.2",
        19900102,
        dt.date(1990, 1, 2),
    ]
    rows = [
        base_row(grid, 房号=f"2{i:02d}", 户编号=f"D{i}", 姓名=f"日{i}", 出生日期=v)
        for i, v in enumerate(typed)
    ]
    job = run(staff, tree.community_a, make_xlsx(rows), commit=True)
    assert job.status == ImportStatus.DONE, job.errors
    assert set(Resident.objects.values_list("birth_date", flat=True)) == {dt.date(1990, 1, 2)}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_or_gbk(tree: Any, staff: Any, encoding: str) -> None:
    rows = [base_row(tree.grid_a.code, 姓名="诸葛亮", 身份证号=pid(1981, 7), 人口类别="流动人口")]
    job = run(staff, tree.community_a, make_csv(rows, encoding), "台账.csv", commit=True)
    assert job.status == ImportStatus.DONE, job.errors
    person = Resident.objects.get(name="诸葛亮")
    assert (person.residency, person.gender) == ("non_local", "male")


def test_errors_kept_are_capped(tree: Any, staff: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "MAX_KEPT", 3)
    rows = [
        base_row(tree.grid_a.code, 房号=f"2{i:02d}", 户编号=f"E{i}", 姓名="", 身份证号="123")
        for i in range(5)
    ]
    job = run(staff, tree.community_a, make_xlsx(rows))
    assert len(job.errors) == 3
    assert job.error_count == 10  # each row: name required, ID length


# --- template and export -----------------------------------------------------------------------------


def test_template_opens_with_the_headers_and_notes() -> None:
    book = CalamineWorkbook.from_filelike(io.BytesIO(export.template_xlsx()))
    assert book.sheet_names == [SHEET_NAME, NOTES_SHEET_NAME]
    assert book.get_sheet_by_name(SHEET_NAME).to_python() == [HEADERS]
    notes = book.get_sheet_by_name(NOTES_SHEET_NAME).to_python()
    assert [r[1] for r in notes[1 : len(COLUMNS) + 1]] == HEADERS
    assert "自住、出租、空置、单位办公、经营场所" in [r[4] for r in notes]
    assert notes[-2] == HEADERS  # the sample row's headers, then the sample
    csv_bytes = export.template_csv()
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    assert csv_bytes.decode("utf-8-sig").strip().split(",") == HEADERS


@pytest.mark.usefixtures("both_readers")
def test_an_export_imports_again_as_already_present(tree: Any, staff: Any, family: Any) -> None:
    run(staff, tree.community_a, make_xlsx(family), commit=True)
    from shequ.registry.selectors import ResidentFilter, residents  # noqa: PLC0415

    exported = export.export_residents(
        actor=staff,
        residents=residents(staff, ResidentFilter()),
        described=ResidentFilter(),
        reveal_reason="重新导入核对",
    )
    data = exported.file.read()
    assert exported.rows == 3
    job = run(staff, tree.community_a, data, "export.xlsx", commit=True)
    assert job.status == ImportStatus.DONE, job.errors
    assert job.summary["created"]["residents"] == 0
    assert job.summary["created"]["residents_present"] == 3


def test_chunks_do_not_change_the_result(
    tree: Any, staff: Any, family: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A household whose head comes in a later chunk than the household itself."""
    monkeypatch.setattr(pipeline, "CHUNK", 1)
    rows = [
        base_row(tree.grid_a.code, 姓名="小孩", 与户主关系="子女"),
        base_row(tree.grid_a.code, 姓名="大人", 与户主关系="户主"),
    ]
    job = run(staff, tree.community_a, make_xlsx(rows), commit=True)
    assert job.status == ImportStatus.DONE
    assert Household.objects.get(external_ref="CC-1").head.name == "大人"


def _rows(sheet: bytes) -> Iterator[list[Any]]:
    yield from CalamineWorkbook.from_filelike(io.BytesIO(sheet)).get_sheet_by_index(0).iter_rows()


def test_the_streaming_reader_reads_what_calamine_reads() -> None:
    """Values of every kind, shared and inline strings, gaps, dates by their format."""

    def cells(book: Any, sheet: Any, header: int) -> None:
        formats = {
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "cjk": book.add_format({"num_format": "yyyy年m月d日"}),
            "builtin": book.add_format({"num_format": 14}),
            "time": book.add_format({"num_format": "hh:mm"}),
            "duration": book.add_format({"num_format": "[h]:mm"}),
            "number": book.add_format({"num_format": "0.00"}),
            "red": book.add_format({"num_format": "[Red]0.0"}),
        }
        row = header + 3
        sheet.write_datetime(row, 0, dt.datetime(1990, 1, 2), formats["date"])  # noqa: DTZ001
        sheet.write_datetime(row, 1, dt.datetime(1990, 1, 2, 3, 4, 5), formats["cjk"])  # noqa: DTZ001
        sheet.write_number(row, 2, 32875, formats["builtin"])
        sheet.write_number(row, 3, 0.5, formats["time"])
        sheet.write_number(row, 4, 1.5, formats["duration"])
        sheet.write_number(row, 5, 32875, formats["number"])
        sheet.write_number(row, 6, 2.5, formats["red"])
        sheet.write_boolean(row, 7, True)
        sheet.write_formula(row, 8, "=1/0", None, "#DIV/0!")
        sheet.write_formula(row, 9, '="a"&"b"', None, "ab")
        sheet.write_string(row, 10, "a&b<c> \"q\" 'x'")
        sheet.write_string(row, 11, "  padded  ")
        sheet.write_rich_string(row, 12, "红", book.add_format({"bold": True}), "色", "字")
        sheet.write_number(row, 14, 3)
        sheet.write_string(row + 2, 20, "far right, two rows down")

    data = make_xlsx([{"姓名": "甲"}, {}], hook=cells)
    book = xlsx.XlsxReader(io.BytesIO(data))
    streamed = list(book.rows(SHEET_NAME))
    expected = list(_rows(data))
    assert len(streamed) == len(expected)
    for (number, got), want in zip(streamed, expected, strict=True):
        width = max(len(got), len(want))
        padded = got + [""] * (width - len(got))
        assert padded == want + [""] * (width - len(want)), number
    assert [n for n, _cells in streamed] == list(range(1, len(expected) + 1))
    assert book.formulas == {4: {8, 9}}  # row 4 as Excel numbers it


def test_the_streaming_reader_reads_inline_strings_and_a_large_sheet_in_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """xlsxwriter's constant-memory mode writes inline strings; the XML is read in parts
    smaller than a row here, so rows are cut across the parts."""
    monkeypatch.setattr(xlsx, "_MB", 100)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet(SHEET_NAME)
    for i in range(300):
        sheet.write_row(i, 0, [f"名字{i}", i, "", f"&{i}"])
    book.close()
    rows = list(xlsx.XlsxReader(io.BytesIO(buffer.getvalue())).rows(SHEET_NAME))
    assert rows[0] == (1, ["名字0", 0.0, "", "&0"])
    assert rows[-1] == (300, ["名字299", 299.0, "", "&299"])
    assert len(rows) == 300

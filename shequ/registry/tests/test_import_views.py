"""The import pages end to end as community staff, who may see and touch which job, the
template downloads, and the export: masked or revealed, refused, audited."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, include, path
from python_calamine import CalamineWorkbook

from config import urls as main_urls
from shequ.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from shequ.accounts.scope import forget_scope
from shequ.core.models import AuditRecord
from shequ.core.testing import make_user
from shequ.registry.models import ImportJob, ImportStatus, Resident
from shequ.registry.sheets import reader
from shequ.registry.sheets.columns import COLUMNS, NOTES_SHEET_NAME, SHEET_NAME
from shequ.registry.testing import LI_ID, ZHANG_ID
from shequ.registry.tests.test_sheets import base_row, make_xlsx, pid

# The project's URLs, with the import's included if the main urlconf does not yet.
urlpatterns = list(main_urls.urlpatterns)
if "registry_import" not in get_resolver("config.urls").namespace_dict:
    urlpatterns.append(path("registry/", include("shequ.registry.urls_import")))
if "registry" not in get_resolver("config.urls").namespace_dict:
    urlpatterns.append(path("registry/", include("shequ.registry.urls")))

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def _files_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploaded sheets and progress files go to a temporary folder, not var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["shequ_language"] = "en"  # the pages' English source text
    return client


def upload(
    client: Client, area: Any, data: bytes, name: str = "台账.xlsx", capture: Any = None
) -> Any:
    with capture(execute=True):
        return client.post("/registry/import/", {"area": str(area.pk), "file": _file(data, name)})


def _file(data: bytes, name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    return SimpleUploadedFile(name, data)


def test_the_whole_pipeline_through_the_pages(
    tree: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = client_for(personas.community_staff)
    page = staff.get(f"/registry/import/?area={tree.community_a.pk}")
    assert page.status_code == 200
    assert "洛龙社区" in page.text
    assert "第一网格" in page.text
    assert "第一网格 (530114001002001)" not in page.text  # community B is not offered
    grid = tree.grid_a.code
    rows = [
        base_row(grid, 姓名="赵云", 身份证号=pid(1970, 11), 与户主关系="户主"),
        base_row(grid, 姓名="马超", 身份证号=pid(1971, 13)[:-1] + "Y", 房号="202", 户编号="B"),
    ]
    response = upload(
        staff, tree.community_a, make_xlsx(rows), capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/registry/import/{job.pk}/"
    preview = staff.get(response["Location"])
    assert preview.status_code == 200
    text = preview.text
    assert "O 身份证号" in text  # the error table: row, column, message
    assert (
        '<td>3</td><td class="text-nowrap">O 身份证号</td><td>an ID number is 17 digits followed by a digit or X</td>'
        in text
    )
    assert 'hx-trigger="every 1s"' not in text  # checked: no more polling
    assert "disabled" in text.split("Import all rows")[0].rsplit("<button", 1)[1]
    # "import all" is refused while rows have errors
    with django_capture_on_commit_callbacks(execute=True):
        refused = staff.post(f"/registry/import/{job.pk}/commit/", follow=True)
    assert "some rows have errors" in refused.text
    assert not Resident.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/registry/import/{job.pk}/commit/", {"valid_only": "1"})
    done = staff.get(f"/registry/import/{job.pk}/")
    assert done.status_code == 200
    assert "1 residents added" in done.text
    assert "1 rows with errors were left out" in done.text
    assert list(Resident.objects.values_list("name", flat=True)) == ["赵云"]
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    # a second commit of the same job is refused
    with django_capture_on_commit_callbacks(execute=True):
        again = staff.post(f"/registry/import/{job.pk}/commit/", {"valid_only": "1"}, follow=True)
    assert "this import is not waiting to be committed" in again.text


def test_progress_is_polled_until_the_job_is_done(tree: Any, personas: Any) -> None:
    job = ImportJob.objects.create(
        area=tree.community_a,
        area_path=tree.community_a.area_path,
        created_by=personas.community_staff,
        file_name="a.xlsx",
        sha256="0" * 64,
        status=ImportStatus.COMMITTING,
        total_rows=5000,
        processed_rows=2000,
    )
    staff = client_for(personas.community_staff)
    partial = staff.get(f"/registry/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert 'hx-trigger="every 1s"' in partial.text
    assert '<progress class="w-100" value="2000" max="5000">' in partial.text
    assert "style=" not in partial.text
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.DONE, summary={"created": {"residents": 5000}}
    )
    finished = staff.get(f"/registry/import/{job.pk}/", HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in finished.text
    assert "5000 residents added" in finished.text


def test_cancel_deletes_the_file(
    tree: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = client_for(personas.community_staff)
    upload(
        staff,
        tree.community_a,
        make_xlsx([base_row(tree.grid_a.code, 姓名="甲")]),
        capture=django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    stored = job.file.path
    response = staff.post(f"/registry/import/{job.pk}/cancel/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    import os  # noqa: PLC0415

    assert not os.path.exists(stored)


def test_bad_files_are_refused_on_the_form(
    tree: Any, personas: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = client_for(personas.community_staff)
    import zipfile  # noqa: PLC0415

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    response = upload(
        staff,
        tree.community_a,
        buffer.getvalue(),
        "台账.xlsx",
        capture=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 400
    assert "this is a Word document (.docx) with another name" in response.text
    assert not ImportJob.objects.exists()


def test_a_200_mb_upload_is_refused_unread(tree: Any, personas: Any) -> None:
    staff = client_for(personas.community_staff)
    response = staff.post(
        "/registry/import/",
        {"area": str(tree.community_a.pk), "file": _file(b"x", "big.xlsx")},
        CONTENT_LENGTH=str(200 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "the file is larger than 50 MB" in response.text
    assert reader.MAX_BYTES == 50 * 1024 * 1024
    assert not ImportJob.objects.exists()


def test_who_may_import(tree: Any, personas: Any, django_capture_on_commit_callbacks: Any) -> None:
    for persona in (personas.dispatcher, personas.grid_worker, personas.resident):
        assert client_for(persona).get("/registry/import/").status_code == 403
    staff = client_for(personas.community_staff)
    upload(
        staff,
        tree.community_a,
        make_xlsx([base_row(tree.grid_a.code, 姓名="甲")]),
        capture=django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    # staff of community B may import, but not this job: it looks missing
    other = make_user("staff_b", Role.COMMUNITY_STAFF, area=tree.community_b)
    other_client = client_for(other)
    assert other_client.get(f"/registry/import/{job.pk}/").status_code == 404
    assert (
        other_client.post(f"/registry/import/{job.pk}/commit/", {"valid_only": "1"}).status_code
        == 404
    )
    assert other_client.post(f"/registry/import/{job.pk}/cancel/").status_code == 404
    # nor may they upload into community A
    with django_capture_on_commit_callbacks(execute=True):
        refused = other_client.post(
            "/registry/import/",
            {"area": str(tree.community_a.pk), "file": _file(b"a,b\n", "a.csv")},
        )
    assert refused.status_code == 400
    assert ImportJob.objects.count() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED
    assert staff.get(f"/registry/import/{job.pk}/commit/").status_code == 405


def test_template_downloads(personas: Any) -> None:
    staff = client_for(personas.community_staff)
    response = staff.get("/registry/import/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheet_names == [SHEET_NAME, NOTES_SHEET_NAME]
    assert book.get_sheet_by_name(SHEET_NAME).to_python()[0] == [c.header for c in COLUMNS]
    csv_response = staff.get("/registry/import/template.csv")
    content = b"".join(csv_response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").splitlines()[0].split(",") == [c.header for c in COLUMNS]
    assert staff.get("/registry/import/template.docx").status_code == 404
    assert client_for(personas.dispatcher).get("/registry/import/template.xlsx").status_code == 403


# --- export -----------------------------------------------------------------------------------------


def exported_rows(response: Any) -> list[list[Any]]:
    data = b"".join(response.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def test_export_revealed_for_who_may_reveal(register: Any, personas: Any) -> None:
    client = client_for(personas.community_staff)
    # full values only with a reason; without one the request is refused, not silently masked
    refused = client.get("/registry/export/residents.xlsx", {"reveal": "1", "reason": " "})
    assert refused.status_code == 400
    masked = exported_rows(client.get("/registry/export/residents.xlsx"))
    assert {r[14] for r in masked[1:]} >= {f"{ZHANG_ID[:6]}********{ZHANG_ID[-4:]}"}
    response = client.get(
        "/registry/export/residents.xlsx", {"reveal": "1", "reason": "报送民政部门核对低保名单"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = exported_rows(response)
    assert rows[0] == [c.header for c in COLUMNS]
    by_name = {r[13]: r for r in rows[1:]}
    assert set(by_name) == {"张伟东", "李娜", "王伟"}
    assert by_name["张伟东"][14] == ZHANG_ID
    assert by_name["李娜"][14] == LI_ID
    assert by_name["张伟东"][18] == "13812345678"
    assert by_name["张伟东"][0] == "530114001001001"
    assert by_name["张伟东"][12] == "户主"
    record = AuditRecord.objects.filter(action="export").order_by("-pk").first()
    assert record is not None
    assert record.actor == personas.community_staff
    assert record.changes["rows"] == 3
    assert record.changes["revealed"] is True
    assert record.reason == "报送民政部门核对低保名单"
    assert (
        AuditRecord.objects.filter(action="export").count() == 2
    )  # the masked one is recorded too


def test_export_masked_without_reveal(
    register: Any, personas: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        ROLE_PERMISSIONS,
        Role.COMMUNITY_STAFF,
        ROLE_PERMISSIONS[Role.COMMUNITY_STAFF] - {Perm.PERSONAL_REVEAL, Perm.CARE_VIEW},
    )
    forget_scope(personas.community_staff)
    response = client_for(personas.community_staff).get(
        "/registry/export/residents.xlsx", {"q": "张伟"}
    )
    rows = exported_rows(response)
    assert [r[13] for r in rows[1:]] == ["张伟东"]
    assert rows[1][14] == "530114********0134"
    assert rows[1][18] == "138****5678"
    record = AuditRecord.objects.get(action="export")
    assert record.changes["revealed"] is False
    assert record.changes["filter"] == {"query": "张伟"}


def test_export_with_a_bad_filter_keeps_the_good_ones(register: Any, personas: Any) -> None:
    """An unknown colour in the link is left out; the search still narrows the export (it
    must not widen to the whole register)."""
    response = client_for(personas.community_staff).get(
        "/registry/export/residents.xlsx", {"q": "张伟", "colour": "purple"}
    )
    assert [r[13] for r in exported_rows(response)[1:]] == ["张伟东"]


def test_export_refused_without_the_permission(register: Any, personas: Any) -> None:
    for persona in (personas.dispatcher, personas.grid_worker):
        assert client_for(persona).get("/registry/export/residents.xlsx").status_code == 403
    assert not AuditRecord.objects.filter(action="export").exists()


def test_export_stays_in_the_exporters_areas(register: Any, personas: Any, tree: Any) -> None:
    """A grid chief of grid A exports grid A only, even asking for the community."""
    response = client_for(personas.grid_chief).get("/registry/export/residents.xlsx")
    names = [r[13] for r in exported_rows(response)[1:]]
    assert sorted(names) == ["张伟东", "李娜"]
    assert (
        client_for(personas.grid_chief)
        .get("/registry/export/residents.xlsx", {"area": tree.grid_c.pk})
        .status_code
        == 404
    )


def test_the_upload_still_checks_csrf(tree: Any, personas: Any) -> None:
    """The upload view is CSRF-exempt only to refuse an oversized body unread."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.community_staff)
    data = make_xlsx([base_row(tree.grid_a.code, 姓名="甲")])
    response = client.post(
        "/registry/import/", {"area": str(tree.community_a.pk), "file": _file(data, "a.xlsx")}
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()

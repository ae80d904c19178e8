"""The import's stages, as services the views and the background tasks call:

``import_upload`` (the file is judged by its content, stored, and checked in the background)
→ ``run_validation`` (every row checked; the first errors kept for the preview, the valid
rows staged for the commit)
→ ``import_commit`` (the user chooses all rows or only the valid ones)
→ ``run_commit`` (the staged rows, their people asked again — or every row checked again if
the area changed — written, all in one transaction)
→ the summary on the job. ``import_cancel`` ends a job that will not be committed.

Progress. The checks before the preview run outside any transaction, so ``processed_rows`` is
written every chunk like any update. The commit runs in one transaction, which on SQLite holds
the only write lock: nobody can write the job row until it ends. So during the commit the
progress goes through a side channel: on PostgreSQL a second connection (in autocommit) that
updates ``processed_rows``; on SQLite — one machine by definition — a small file under
``VAR_DIR/import-progress/`` that the job page reads while the job is committing. The
commit's transaction never touches the job row until its very end, so the second connection
cannot wait on it."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import itertools
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import ENVIRONMENT_VARIABLE, settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.accounts.access import ensure_allowed
from shequ.accounts.models import User
from shequ.accounts.roles import Perm
from shequ.areas.models import Area
from shequ.core.audit import AuditAction, audit
from shequ.core.errors import FieldError, ServiceError
from shequ.registry.models import ImportJob, ImportStatus
from shequ.registry.sheets import staged, worker
from shequ.registry.sheets.checker import NEW, CheckedRow, Checker, Packed
from shequ.registry.sheets.reader import Cell, FileProblem, Sheet, open_sheet, sniff
from shequ.registry.sheets.writer import Writer

logger = logging.getLogger(__name__)

CHUNK = 2000  # rows checked (and written) together: one query each against the register
MAX_KEPT = 1000  # errors, and warnings, kept on the job for the preview
FILE_ROW = 0  # the "row" of a problem with the whole file


# --- upload ------------------------------------------------------------------------------------


def import_upload(*, actor: Any, area: Area, upload: UploadedFile[bytes]) -> ImportJob:
    """Store an uploaded sheet as a new job and have it checked. The file is judged by its
    content (a .docx renamed .xlsx is refused here), its size and its name."""
    ensure_allowed(actor, Perm.REGISTER_IMPORT, area.area_path)
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    try:
        sniff(upload, name, upload.size or 0)
    except FileProblem as problem:
        raise ServiceError([FieldError("file", m) for m in problem.messages]) from None
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    job = ImportJob(
        area=area,
        area_path=area.area_path,
        created_by=actor,
        file_name=name,
        sha256=digest.hexdigest(),
    )
    job.file.save(name, upload, save=False)
    job.save()
    transaction.on_commit(lambda: _enqueue("validate_import", job.pk))
    return job


def _enqueue(task: str, *args: Any) -> None:
    from shequ.registry import tasks  # noqa: PLC0415 - tasks import this module

    getattr(tasks, task).enqueue(*args)


def import_commit(*, actor: Any, job: ImportJob, valid_only: bool) -> ImportJob:
    """The user's choice after the preview: write every row (only when none has an error) or
    only the valid rows. The job's creator, or anyone who may import into its area."""
    if actor.pk != job.created_by_id:
        ensure_allowed(actor, Perm.REGISTER_IMPORT, job.area_path)
    if job.status != ImportStatus.VALIDATED:
        raise ServiceError.single("status", _("this import is not waiting to be committed"))
    if not valid_only and job.error_count:
        raise ServiceError.single(
            "valid_only",
            _("some rows have errors: correct the file, or import only the valid rows"),
        )
    if valid_only and not job.valid_rows:
        raise ServiceError.single("valid_only", _("no row is valid: there is nothing to import"))
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATED).update(
        status=ImportStatus.COMMITTING, valid_only=valid_only, processed_rows=0
    )
    if not claimed:
        raise ServiceError.single("status", _("this import is already being committed"))
    actor_id = actor.pk if isinstance(actor, User) else None
    transaction.on_commit(lambda: _enqueue("commit_import", job.pk, actor_id))
    job.refresh_from_db()
    return job


def import_cancel(*, actor: Any, job: ImportJob) -> ImportJob:
    if actor.pk != job.created_by_id:
        ensure_allowed(actor, Perm.REGISTER_IMPORT, job.area_path)
    cancelled = ImportJob.objects.filter(
        pk=job.pk,
        status__in=(ImportStatus.UPLOADED, ImportStatus.VALIDATED, ImportStatus.FAILED),
    ).update(status=ImportStatus.CANCELLED, finished_at=timezone.now())
    if not cancelled:
        raise ServiceError.single("status", _("this import can no longer be cancelled"))
    # the sheet and the staged rows hold personal data that is no longer needed
    with contextlib.suppress(OSError):
        job.file.delete(save=False)
    staged.discard(job.pk)
    job.refresh_from_db()
    return job


# --- progress -------------------------------------------------------------------------------------


def _progress_file(job_id: int) -> Path:
    return Path(settings.VAR_DIR) / "import-progress" / str(job_id)


class Progress:
    """``processed_rows`` as the job goes (see the module docstring for why a commit needs a
    side channel)."""

    def __init__(self, job_id: int, *, in_transaction: bool) -> None:
        self.job_id = job_id
        self.side: Any = None
        self.path: Path | None = None
        if not in_transaction:
            return
        if connection.vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        else:
            self.path = _progress_file(job_id)
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def update(self, rows: int) -> None:
        if self.path is not None:
            self.path.write_text(str(rows))
        elif self.side is not None:
            try:
                with self.side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '2s'")
                    cursor.execute(
                        f"UPDATE {ImportJob._meta.db_table} SET processed_rows = %s WHERE id = %s",  # noqa: S608
                        [rows, self.job_id],
                    )
            except DatabaseError:  # progress is a courtesy: never fail the import for it
                logger.warning("import %s: progress not recorded", self.job_id, exc_info=True)
        else:
            ImportJob.objects.filter(pk=self.job_id).update(processed_rows=rows)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()


def processed_rows(job: ImportJob) -> int:
    """How far the job is, for the job page."""
    if job.status == ImportStatus.COMMITTING:
        try:
            return int(_progress_file(job.pk).read_text())
        except (OSError, ValueError):
            pass
    return job.processed_rows


# --- reading the stored file -------------------------------------------------------------------------


@dataclass
class Tally:
    rows: int = 0
    blank: int = 0
    valid: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warning_count: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    new_buildings: set[Any] = field(default_factory=set)
    new_houses: set[Any] = field(default_factory=set)
    new_households: set[Any] = field(default_factory=set)
    new_residents: int = 0
    present_residents: int = 0

    def add(self, rows: list[CheckedRow], label: Callable[[str], str], checker: Checker) -> None:
        """Count ``rows``; ``label`` names a column in the messages kept ("O 身份证号")."""
        for row in rows:
            self.rows += 1
            for error in row.errors:
                self.error_count += 1
                if len(self.errors) < MAX_KEPT:
                    self.errors.append(_problem(row.number, error, label))
            for warning in row.warnings:
                self.warning_count += 1
                if len(self.warnings) < MAX_KEPT:
                    self.warnings.append(_problem(row.number, warning, label))
            if row.errors:
                continue
            self.valid += 1
            if row.building and checker.buildings[row.building].row:
                self.new_buildings.add(row.building)
            if row.house and checker.houses[row.house].row:
                self.new_houses.add(row.house)
            if row.household and checker.households[row.household].row:
                self.new_households.add(row.household)
            if row.person is not None:
                if row.status == NEW:
                    self.new_residents += 1
                else:
                    self.present_residents += 1

    def preview(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "blank_rows": self.blank,
            "valid_rows": self.valid,
            "buildings": len(self.new_buildings),
            "houses": len(self.new_houses),
            "households": len(self.new_households),
            "residents": self.new_residents,
            "residents_present": self.present_residents,
        }


def _problem(row: int, error: FieldError, label: Callable[[str], str]) -> dict[str, Any]:
    return {
        "row": row,
        "column": label(error.field),
        "field": error.field,
        "message": str(error.message),
    }


def _file_problems(messages: list[str]) -> list[dict[str, Any]]:
    return [
        {"row": FILE_ROW, "column": "", "field": "file", "message": m} for m in messages[:MAX_KEPT]
    ]


def _is_blank(cells: list[Cell]) -> bool:
    return all(c == "" or c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def chunks(sheet: Sheet, tally: Tally) -> Iterator[list[tuple[int, list[Cell]]]]:
    """The sheet's rows in chunks, blank rows left out (and counted)."""
    chunk: list[tuple[int, list[Cell]]] = []
    for number, cells in sheet.rows():
        if _is_blank(cells):
            tally.blank += 1
            continue
        chunk.append((number, cells))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def open_job_file(job: ImportJob) -> Sheet:
    """The job's stored sheet, by path when the storage has one (calamine reads a path
    without copying the file into memory)."""
    try:
        path: str | None = job.file.path
    except NotImplementedError:
        path = None
    stream = job.file.storage.open(job.file.name or "", "rb")
    try:
        kind = sniff(stream, job.file_name, job.file.size)
        return open_sheet(path or stream, kind)
    finally:
        if path is not None:
            stream.close()


# --- the checks before the preview -----------------------------------------------------------------


def run_validation(job_id: int) -> None:
    """Check every row of the job's sheet; nothing is written but the job, and the valid rows
    staged for the commit (``staged``)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.UPLOADED).update(
        status=ImportStatus.VALIDATING, processed_rows=0
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("area", "created_by").get(pk=job_id)
    progress = Progress(job.pk, in_transaction=False)
    sheet: Sheet | None = None
    stager: staged.Stager | None = None
    try:
        sheet = open_job_file(job)
        today = timezone.localdate()
        checker = Checker(area=job.area, actor=job.created_by, today=today, sheet=sheet)
        stager = staged.Stager(job.pk, fingerprint=checker.fingerprint, labels=sheet.labels)
        tally = Tally()
        for checked in checked_chunks(checker, chunks(sheet, tally)):
            tally.add(checked, sheet.label, checker)
            _protect(checked, checker)
            stager.add(checked)
            progress.update(tally.rows)
        warnings = [
            {"row": FILE_ROW, "column": "", "field": "file", "message": m} for m in sheet.warnings
        ]
        warnings += _already_imported(job)
        if tally.rows == 0:
            raise FileProblem([_("the sheet has headers but no rows")])
        stager.close()
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.VALIDATED,
            total_rows=tally.rows,
            valid_rows=tally.valid,
            processed_rows=tally.rows,
            error_count=tally.error_count,
            errors=tally.errors,
            warnings=(warnings + tally.warnings)[:MAX_KEPT],
            summary={"preview": tally.preview(), "warning_count": tally.warning_count},
        )
    except FileProblem as problem:
        _fail(job.pk, problem.messages)
    except Exception as error:
        logger.exception("import %s: the check failed", job.pk)
        _fail(job.pk, [_("the check failed: %(error)s") % {"error": error}])
    finally:
        if stager is not None:
            stager.abandon()
        if sheet is not None:
            sheet.close()
        progress.close()


def _protect(rows: list[CheckedRow], checker: Checker) -> None:
    """The ID numbers and phones of the valid rows encrypted, for the staged file (which
    then holds neither in clear): ``RowReader`` has done it for every person it found
    without an error; this is a safety net."""
    for row in rows:
        person = row.person
        if person is not None and not row.errors:
            if row.id_protected is None:
                row.id_protected = checker.ids.protect(person.id_number, row.id_index)
            if row.phone_protected is None:
                row.phone_protected = checker.phones.protect(person.phone)


# --- the check in a worker process ---------------------------------------------------------------

# processes reading rows (RowReader) beside the importing process; 0: none. Off: on the
# shared two-core machine it made the check slower (bench/README.md, decision 0032).
WORKERS = 0
WINDOW = 3  # chunks handed to the workers ahead of the one being finished


def checked_chunks(
    checker: Checker, source: Iterator[list[tuple[int, list[Cell]]]]
) -> Iterator[list[CheckedRow]]:
    """``checker.check`` of each chunk, in order. When there is more than one chunk, the
    rows' own cells are read, their people checked and encrypted (``RowReader``: most of
    the cost, nothing shared between rows) in a worker process, a few chunks ahead, while
    this process reads the sheet and does what needs the rest of the file and the register
    (buildings, houses, households, duplicates, the register's people): two cores work.
    The worker is spawned, not forked (``worker``: this process may have threads); it sets
    Django up, takes this process's key settings, touches no database and ends with the
    check; if it dies, the check fails like any other error."""
    first = next(source, None)
    if first is None:
        return
    second = next(source, None)
    # the module the worker sets Django up from (None under override_settings: the one the
    # process was started with); without one (settings.configure()), no worker
    settings_module = settings.SETTINGS_MODULE or os.environ.get(ENVIRONMENT_VARIABLE)
    if second is None or WORKERS < 1 or not settings_module:
        yield checker.check(first)
        for chunk in (second,) if second is not None else ():
            yield checker.check(chunk)
        yield from (checker.check(chunk) for chunk in source)
        return
    reader = checker.reader
    with ProcessPoolExecutor(
        WORKERS,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=worker.start,
        initargs=(
            settings_module,
            {name: getattr(settings, name, None) for name in worker.KEY_SETTINGS},
            reader.columns,
            reader.today,
            translation.get_language() or settings.LANGUAGE_CODE,
        ),
    ) as pool:
        pending: deque[tuple[list[tuple[int, list[Cell]]], Future[list[Packed]]]] = deque()
        try:
            for chunk in itertools.chain((first, second), source):
                pending.append((chunk, pool.submit(worker.read_chunk, chunk)))
                if len(pending) > WINDOW:
                    rows, read = pending.popleft()
                    yield checker.check_read(rows, read.result())
            while pending:
                rows, read = pending.popleft()
                yield checker.check_read(rows, read.result())
        finally:
            for _rows, read in pending:
                read.cancel()


def _already_imported(job: ImportJob) -> list[dict[str, Any]]:
    earlier = (
        ImportJob.objects.filter(area=job.area, sha256=job.sha256, status=ImportStatus.DONE)
        .exclude(pk=job.pk)
        .order_by("-finished_at")
        .first()
    )
    if earlier is None or earlier.finished_at is None:
        return []
    when = timezone.localtime(earlier.finished_at)
    return [
        {
            "row": FILE_ROW,
            "column": "",
            "field": "sha256",
            "message": _(
                "this file was imported on %(when)s (%(name)s): importing it again adds "
                "nothing that is already in the register"
            )
            % {"when": when.strftime("%Y-%m-%d %H:%M"), "name": earlier.file_name},
        }
    ]


def _fail(job_id: int, messages: list[str]) -> None:
    staged.discard(job_id)
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.FAILED,
        errors=_file_problems(messages),
        error_count=len(messages),
        finished_at=timezone.now(),
        summary={"failure": "; ".join(messages)[:2000]},
    )


# --- the commit -------------------------------------------------------------------------------------


class RowsChanged(Exception):  # noqa: N818
    """Rows that passed the check fail it now (the register changed in between)."""

    def __init__(self, tally: Tally) -> None:
        super().__init__("rows changed")
        self.tally = tally


def run_commit(job_id: int, actor_id: int | None = None) -> None:
    """Write the rows, all in one transaction: every row, or with ``valid_only`` the valid
    ones. The rows staged by the check are written when what they were checked against is
    unchanged (the people asked again); otherwise the sheet is read and checked again. A
    failure anywhere leaves the register as it was."""
    job = ImportJob.objects.select_related("area", "created_by").get(pk=job_id)
    if job.status != ImportStatus.COMMITTING:
        return
    actor = User.objects.get(pk=actor_id) if actor_id else job.created_by
    progress = Progress(job.pk, in_transaction=True)
    source = _Source(job)
    try:
        today = timezone.localdate()
        with transaction.atomic():
            summary = _write(job, actor, source, today, progress)
            audit(
                actor=actor,
                action=AuditAction.CREATE,
                obj=job,
                changes={**summary["created"], "sha256": job.sha256, "valid_only": job.valid_only},
            )
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.DONE,
                summary=summary,
                processed_rows=summary["rows"],
                finished_at=timezone.now(),
            )
        source.close()
        staged.discard(job.pk)
    except RowsChanged as changed:
        tally = changed.tally
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.VALIDATED,
            valid_rows=tally.valid,
            total_rows=tally.rows,
            error_count=tally.error_count,
            errors=tally.errors,
            summary={
                "preview": tally.preview(),
                "changed": _(
                    "the register changed since the check and some rows now have errors: "
                    "nothing was imported"
                ),
            },
        )
    except FileProblem as problem:
        source.close()
        _fail(job.pk, problem.messages)
    except Exception as error:
        logger.exception("import %s: the commit failed", job.pk)
        source.close()
        _fail(
            job.pk,
            [
                _("the import failed and nothing was changed: %(error)s")
                % {"error": str(error)[:500] or type(error).__name__}
            ],
        )
    finally:
        source.close()
        progress.close()


class _Source:
    """Where the commit's rows come from: the staged file, or the sheet itself."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.staged: staged.Staged | None = None
        self.sheet: Sheet | None = None

    def open_staged(self, fingerprint: str) -> staged.Staged | None:
        found = staged.open_staged(self.job.pk)
        if found is not None and found.fingerprint != fingerprint:
            found.close()
            found = None
        self.staged = found
        return found

    def open_sheet(self) -> Sheet:
        self.sheet = open_job_file(self.job)
        return self.sheet

    def close(self) -> None:
        if self.staged is not None:
            self.staged.close()
            self.staged = None
        if self.sheet is not None:
            self.sheet.close()
            self.sheet = None


def _write(
    job: ImportJob, actor: Any, source: _Source, today: dt.date, progress: Progress
) -> dict[str, Any]:
    checker = Checker(area=job.area, actor=actor, today=today)
    writer = Writer(checker, today)
    tally = Tally()
    kept = source.open_staged(checker.fingerprint)
    if kept is not None:
        label = kept.label
        rows: Iterator[list[CheckedRow]] = (checker.recheck(chunk) for chunk in kept.chunks())
    else:
        sheet = source.open_sheet()
        checker.use(sheet)
        label = sheet.label
        rows = (checker.check(chunk) for chunk in chunks(sheet, tally))
    for checked in rows:
        tally.add(checked, label, checker)
        if tally.error_count and not job.valid_only:
            # keep checking, to show every error; nothing more is written
            continue
        writer.write([r for r in checked if r.ok])
        progress.update(tally.rows)
    if kept is not None:
        # the staged file holds the valid rows only: the rest were counted by the check
        preview = job.summary.get("preview", {})
        tally.rows = job.total_rows
        tally.blank = preview.get("blank_rows", 0)
    if tally.error_count and not job.valid_only:
        raise RowsChanged(tally)
    writer.finish()
    return {
        "rows": tally.rows,
        "blank_rows": tally.blank,
        "valid_rows": tally.valid,
        "skipped_rows": tally.rows - tally.valid,
        "created": writer.summary.as_dict(),
        "sha256": job.sha256,
        "valid_only": job.valid_only,
    }

"""Background work of the register: the two long stages of a sheet import. Each is a thin
call to ``shequ.registry.sheets.pipeline``, which records its own progress and failures on
the job (a task that raised would only say so in the task table, which nobody reads)."""

from __future__ import annotations

from django.tasks import task

from shequ.registry.sheets import pipeline


@task
def validate_import(job_id: int) -> None:
    """Check every row of an uploaded sheet, for the preview."""
    pipeline.run_validation(job_id)


@task
def commit_import(job_id: int, actor_id: int | None = None) -> None:
    """Write the checked rows, in one transaction; ``actor_id`` is who chose to commit."""
    pipeline.run_commit(job_id, actor_id)

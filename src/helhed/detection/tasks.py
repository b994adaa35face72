"""Background tasks of early detection (django-tasks; run by `helhed worker`)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def absence_import_task(import_id: int) -> dict | None:
    """Run a queued absence import (uploaded on the page or through the API)."""
    outcome = services.import_run(import_id=import_id)
    return outcome.summary() if outcome is not None else None


@task()
def alerts_raise_task() -> dict[str, int]:
    """The nightly evaluation of concerning absence; cron can instead run `helhed absence evaluate`."""
    return services.alerts_raise(actor=None)

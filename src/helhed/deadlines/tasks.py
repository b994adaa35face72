"""Background tasks of the deadlines app (django-tasks; run by `helhed worker`)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def notify_overdue_task() -> dict[str, int]:
    """Send the overdue notices that are due (see `services.notify_overdue`), as the system. Enqueue it with
    `notify_overdue_task.enqueue()`; cron can instead run `helhed deadlines notify-overdue` directly."""
    return services.notify_overdue(actor=None)


@task()
def compliance_refresh_task() -> dict[str, int]:
    """Store the compliance counts of ended months and quarters (see `services.compliance_refresh`). Cron can
    instead run `helhed deadlines refresh-compliance`."""
    return services.compliance_refresh(actor=None)

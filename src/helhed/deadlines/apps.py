from django.apps import AppConfig
from django.db.models.signals import post_delete


def _deleted(sender, instance, **kwargs) -> None:
    """A deadline deleted (a case or person deleted with its deadlines cascading) changes the stored compliance
    counts of the month it fell due in, like any other write (ADR 0010)."""
    from . import services

    services.compliance_mark_stale([instance.due_at])


class DeadlinesConfig(AppConfig):
    name = "helhed.deadlines"
    label = "deadlines"
    verbose_name = "Frister"

    def ready(self) -> None:
        from .models import Deadline

        post_delete.connect(_deleted, sender=Deadline, dispatch_uid="deadlines.compliance_stale_on_delete")

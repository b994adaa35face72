"""`helhed deadlines explain --trigger T --at ISO [--birth-date D] [--notifier N] [--placed] [--language da|en]`
`helhed deadlines notify-overdue` (the nightly overdue notices) and `helhed deadlines refresh-compliance` (the
nightly store of ended months' and quarters' compliance counts); both print a JSON summary."""

from __future__ import annotations

import json
from datetime import date, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from helhed.deadlines import policies, services
from helhed.deadlines.rules import Notifier, Trigger


class Command(BaseCommand):
    help = "Statutory deadlines: explain which rules an event starts and when each falls due; send overdue notices."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        e = sub.add_parser("explain", help="Print the deadlines an event starts, as JSON.")
        e.add_argument("--trigger", required=True, choices=[t.value for t in Trigger])
        e.add_argument("--at", required=True, help="ISO 8601 date-time; without an offset it is Copenhagen time.")
        e.add_argument("--birth-date", type=date.fromisoformat, default=None)
        e.add_argument("--notifier", choices=[n.value for n in Notifier], default=None)
        e.add_argument("--placed", action="store_true")
        e.add_argument("--language", choices=["da", "en"], default="en")
        sub.add_parser(
            "notify-overdue",
            help="E-mail the owners of newly overdue deadlines and the leaders of deadlines overdue more than "
            "two working days (each notice once); print the counts as JSON.",
        )

        sub.add_parser(
            "refresh-compliance",
            help="Count and store the compliance figures of every ended month and quarter not stored yet (or "
            "changed since); print the counts as JSON.",
        )

    def handle(self, *args, action, **opts):
        if action == "refresh-compliance":
            self.stdout.write(json.dumps(services.compliance_refresh(actor=None)))
            return
        if action == "notify-overdue":
            summary = services.notify_overdue(actor=None)
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            if summary.get("failed"):
                raise CommandError(
                    f"{summary['failed']} e-mail(s) kunne ikke sendes; de prøves igen ved næste kørsel (se loggen)."
                )
            return
        self._explain(**opts)

    def _explain(self, *, trigger, at, birth_date, notifier, placed, language, **opts):
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            raise CommandError("--at skal være et ISO 8601-tidspunkt, fx 2026-12-23T10:00:00+01:00.")
        if when.tzinfo is None:
            when = when.replace(tzinfo=policies.COPENHAGEN)
        trig = Trigger(trigger)
        if trig == Trigger.BIRTH and birth_date is None:
            birth_date = policies.local(when).date()
        out = []
        with translation.override(language):
            for rule_id in policies.rules_for(trig, notifier=Notifier(notifier) if notifier else None, placed=placed):
                due = policies.compute(rule_id, at=when, birth_date=birth_date, placed=placed)
                out.append(
                    {
                        "rule": due.rule.id,
                        "law": str(due.rule.law),
                        "paragraph": due.rule.paragraph,
                        "due": due.due_iso,
                        "explanation": due.explanation,
                    }
                )
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))

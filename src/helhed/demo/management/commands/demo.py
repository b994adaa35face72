"""`helhed demo seed --children N --seed S` and `helhed demo users [--json]`."""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from helhed.core.context import channel
from helhed.deadlines import services as deadline_services
from helhed.demo import generator
from helhed.people.models import Person


class Command(BaseCommand):
    help = "The synthetic municipality: seed it, or list the demo logins."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        s = sub.add_parser("seed", help="Create the synthetic municipality (deterministic for a seed).")
        s.add_argument("--children", type=int, default=800)
        s.add_argument("--seed", type=int, default=1)
        s.add_argument("--notes-per-case", type=int, default=8)
        s.add_argument("--case-share", type=float, default=0.25)
        s.add_argument("--reports-per-child", type=float, default=3.0, help="Reports of concern per child (mean).")
        s.add_argument(
            "--anchor",
            type=date.fromisoformat,
            default=generator.DEFAULT_ANCHOR,
            help="The 'today' the data is generated around (YYYY-MM-DD).",
        )
        s.add_argument("--if-empty", action="store_true", help="Do nothing when persons already exist.")
        u = sub.add_parser("users", help="List the demo logins (username, role, unit).")
        u.add_argument("--json", action="store_true")

    def handle(self, *args, action, **opts):
        if action == "seed":
            self._seed(**opts)
        else:
            self._users(as_json=opts["json"])

    def _seed(self, *, children, seed, notes_per_case, case_share, anchor, if_empty, reports_per_child, **_):
        if if_empty and Person.objects.exists():
            self.stdout.write("Databasen har allerede data; springer over.")
            return
        if children < 0 or not 0 <= case_share <= 1 or notes_per_case < 0 or not 0 <= reports_per_child <= 10:
            raise CommandError(
                "--children og --notes-per-case skal være ≥ 0, --case-share mellem 0 og 1, "
                "--reports-per-child mellem 0 og 10."
            )
        with channel("cli"):
            result = generator.seed(
                children=children,
                seed=seed,
                anchor=anchor,
                notes_per_case=notes_per_case,
                case_share=case_share,
                reports_per_child=reports_per_child,
                progress=lambda n: self.stderr.write(f"  {n} børn …") if children > 5000 else None,
            )
            # Consents and disclosures first: an approved plan reaches the units a consent covers.
            from helhed.demo.consent_gen import seed_consents

            seed_consents(seed=seed)
            # Anonymous counselling courses through the counselling services (no identity in them).
            from helhed.demo.counselling_gen import seed_counselling

            seed_counselling(limit=min(18, max(children // 40, 0)), seed=seed)
            # Children's plans through the plans services (each with its letter PDF, so a modest number).
            from helhed.demo.plans_gen import seed_plans

            plans = seed_plans(limit=min(20, max(children // 40, 0)), seed=seed)
            # The intervention catalogue, applications, grants (with their cost by month), waiting lists and this
            # year's budgets, in bulk; after the plans, so applications can serve the plans' goals.
            from helhed.demo.interventions_gen import seed_interventions

            interventions = seed_interventions(limit=min(250, max(children // 4, 0)), seed=seed)
            # Meetings, decisions (tasks), stages and handovers: the coming ones through the services.
            from helhed.demo.meetings_gen import seed_meetings

            meetings = seed_meetings(limit=min(30, max(children // 25, 0)), seed=seed)
            # Early detection: institution numbers, seven months of school absence imported through the real
            # importer, the evaluation's alerts; then the screening pilot and a class review at two schools.
            from helhed.demo.detection_gen import seed_detection
            from helhed.demo.screening_gen import seed_screening

            detection = seed_detection(seed=seed)
            screening = seed_screening(schools=2, per_school=20, seed=seed)
            # The nightly job's work, once now: the compliance report reads the ended months from the store.
            deadline_services.compliance_refresh(actor=None)
        self.stdout.write(
            self.style.SUCCESS(
                f"Syntetisk kommune: {result.children} børn, {result.persons} personer, {result.cases} sager, "
                f"{result.notes} journalnotater, {result.concerns} underretninger, {result.units} enheder, "
                f"{result.staff} medarbejdere, {meetings.meetings} møder, {meetings.decisions} beslutninger, "
                f"{meetings.handovers} overdragelser, {interventions.offers} tilbud, "
                f"{interventions.grants} bevillinger, {interventions.waitlisted} på venteliste, {plans.plans} planer, "
                f"{detection.rows} fraværslinjer, {detection.alerts} fraværsalarmer, {screening.screenings} "
                f"screeninger, {screening.reviews} klassegennemgange."
            )
        )

    def _users(self, *, as_json):
        users = generator.demo_users()
        if as_json:
            self.stdout.write(json.dumps(users, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"Demo-logins (adgangskode for alle: {generator.DEMO_PASSWORD}):")
        for u in users:
            self.stdout.write(f"  {u['username']:<22} {u['role_label']:<34} {u['unit']}")

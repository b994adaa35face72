"""The synthetic municipality: reports of concern and deadlines come out consistent with the rules."""

from __future__ import annotations

import pytest
from django.db.models import Count, F

from helhed.concerns.models import Concern, ConcernStatus
from helhed.deadlines.models import Deadline, DeadlineStatus
from helhed.demo import generator


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"  # the letters the demo files (plans, invitations)


def test_seed_makes_reports_with_their_deadlines(db):
    result = generator.seed(children=150, seed=3, notes_per_case=1, schools=4)
    assert result.concerns == Concern.objects.count() > 100
    # Every report has exactly one 24-hour deadline, and no report is older than its child.
    per_concern = Deadline.objects.filter(rule_id="concern.assess_24h").values("source_id").annotate(n=Count("id"))
    assert len(per_concern) == result.concerns and {row["n"] for row in per_concern} == {1}
    assert not Concern.objects.filter(received_at__date__lte=F("child__birth_date")).exists()
    # A closed report has no open 24-hour deadline; an unassessed one still has its clock running.
    closed_ids = [str(i) for i in Concern.objects.filter(status=ConcernStatus.CLOSED).values_list("id", flat=True)]
    assert not Deadline.objects.filter(
        rule_id="concern.assess_24h", source_id__in=closed_ids, status=DeadlineStatus.OPEN
    ).exists()
    # Met means on time, missed means late.
    assert not Deadline.objects.filter(status=DeadlineStatus.MET, closed_at__gt=F("due_at")).exists()
    assert not Deadline.objects.filter(status=DeadlineStatus.MISSED, closed_at__lte=F("due_at")).exists()


def test_the_seed_command_stores_the_ended_months_compliance(db):
    from datetime import date
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from helhed.deadlines import selectors
    from helhed.deadlines.models import ComplianceSnapshot
    from helhed.deadlines.policies import ComplianceFilter, Period
    from helhed.organisation.models import Role, User

    out = StringIO()
    call_command("demo", "seed", children=80, seed=5, notes_per_case=0, stdout=out, stderr=StringIO())
    assert ComplianceSnapshot.objects.filter(period="month").count() >= 12
    assert " 2 planer," in out.getvalue()  # 80 children: a plan for 2 cases (one per 40 children)
    assert " fraværsalarmer, " in out.getvalue() and " 0 fraværslinjer" not in out.getvalue()
    analyst = User.objects.filter(memberships__role=Role.ANALYST).first()
    today = timezone.localdate()
    flt = ComplianceFilter(period=Period.MONTH, first=date(today.year - 1, today.month, 1), last=today.replace(day=1))
    stored = [c.as_dict() for c in selectors.compliance(actor=analyst, flt=flt).cells]
    ComplianceSnapshot.objects.all().delete()
    assert stored and [c.as_dict() for c in selectors.compliance(actor=analyst, flt=flt).cells] == stored

"""The child's plan at service level: versions, immutability after approval, the version check against lost
updates, the letter, the youth plan, reviews and their deadlines, and bad input that leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.http import Http404
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import Document, TimelineEvent
from helhed.core import filestore
from helhed.core.errors import Conflict, Forbidden, HelhedError, NotFound
from helhed.core.models import AuditAction, AuditEvent
from helhed.deadlines import services as deadline_services
from helhed.deadlines.models import Deadline, DeadlineStatus
from helhed.deadlines.rules import Trigger
from helhed.plans import selectors, services
from helhed.plans.models import GoalRating, Plan, PlanGoal, PlanReview, PlanVersion, VersionStatus
from helhed.plans.services import PlanFieldsIn, RatingIn, ReviewIn

from .helpers import approved_plan, draft_version, goal_in


def _state():
    return (
        Plan.objects.count(),
        PlanVersion.objects.count(),
        PlanGoal.objects.count(),
        PlanReview.objects.count(),
        GoalRating.objects.count(),
        Deadline.objects.count(),
        Deadline.objects.filter(status=DeadlineStatus.OPEN).count(),
        Document.objects.count(),
    )


def _review(version: PlanVersion, *, on=None, reason="Ny skole fra august; vi følger op efter første måned.", **kw):
    ratings = kw.pop("ratings", None)
    if ratings is None:
        ratings = [RatingIn(goal_id=g.pk, rating="progress", note="Bedre") for g in version.goals.all()]
    return ReviewIn(
        ratings=ratings,
        next_review_on=on if on is not None else timezone.localdate() + timedelta(days=60),
        next_review_reason=reason,
        **kw,
    )


def _started(case, trigger, rule_id, *, days_ago=10, source=None, **kw):
    rows = deadline_services.deadlines_start(
        actor=None,
        trigger=trigger,
        at=timezone.now() - timedelta(days=days_ago),
        person=case.child,
        case=case,
        source=source or case,
        **kw,
    )
    return next(d for d in rows if d.rule_id == rule_id)


# -- versions -------------------------------------------------------------------------------------------


def test_a_first_draft_gets_goals_and_is_approved_with_a_letter_to_the_family(town, open_case):
    rikke = town.caseworker
    draft = services.plan_draft_start(actor=rikke, case_id=open_case.pk)
    assert (draft.number, draft.status, draft.based_on) == (1, VersionStatus.DRAFT, None)
    goal = services.plan_goal_save(
        actor=rikke,
        case_id=open_case.pk,
        version=draft_version(draft),
        goal=goal_in(responsible_person=town.teacher, measures=[" Skoleloop ", "", "Mentor"]),
    )
    assert goal.measures == ["Skoleloop", "Mentor"]
    assert goal.responsible_person == town.teacher and len(goal.key) == 32
    services.plan_draft_save(
        actor=rikke,
        case_id=open_case.pk,
        version=draft_version(draft),
        fields=PlanFieldsIn(purpose="Karla skal trives i skolen.", psychiatry_contact="BUC ambulatoriet, Hanne"),
    )
    approved = services.plan_approve(actor=rikke, case_id=open_case.pk, version=draft_version(draft))
    assert approved.status == VersionStatus.APPROVED
    assert approved.approved_by == rikke and approved.plan_date == timezone.localdate()
    # The letter: a real PDF, filed on the case as a letter the team may see.
    letter = approved.letter
    assert letter.kind == "letter" and letter.shared_with_team and letter.case == open_case
    assert filestore.path_for(letter.storage_name).read_bytes().startswith(b"%PDF")
    assert letter.original_name == f"barnets-plan-{open_case.journal_number}-v1.pdf"
    assert TimelineEvent.objects.filter(case=open_case, kind="plan_approved", shared_with_team=True).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.UPDATE, object_type="plans.planversion", object_id=str(approved.pk)
    ).exists()


def test_an_approved_version_is_immutable_and_a_change_is_a_new_draft_copied_from_it(town, open_case):
    rikke = town.caseworker
    v1 = approved_plan(rikke, open_case)
    before = _state()
    with pytest.raises(Conflict) as exc:
        services.plan_goal_save(actor=rikke, case_id=open_case.pk, version=v1.version, goal=goal_in())
    assert exc.value.code == "no_draft" and "start en ny version" in str(exc.value.message)
    with pytest.raises(Conflict) as exc:
        services.plan_draft_save(actor=rikke, case_id=open_case.pk, version=v1.version, fields=PlanFieldsIn(), number=1)
    assert exc.value.code == "approved_immutable" and "Version 1 er godkendt" in str(exc.value.message)
    with pytest.raises(Conflict):
        services.plan_approve(actor=rikke, case_id=open_case.pk, version=v1.version, number=1)
    assert _state() == before

    v2 = services.plan_draft_start(actor=rikke, case_id=open_case.pk)
    assert (v2.number, v2.based_on_id) == (2, v1.pk)
    old = {g.key: g for g in v1.goals.all()}
    new = {g.key: g for g in v2.goals.all()}
    assert old.keys() == new.keys() and {g.pk for g in old.values()}.isdisjoint(g.pk for g in new.values())
    with pytest.raises(Conflict):  # one draft at a time
        services.plan_draft_start(actor=rikke, case_id=open_case.pk)

    school = next(g for g in v2.goals.all() if g.life_area == "learning")
    services.plan_goal_save(
        actor=rikke,
        case_id=open_case.pk,
        version=draft_version(v2),
        goal=goal_in(text="Karla kommer i skole mindst 4 dage om ugen"),
        goal_id=school.pk,
    )
    sleep = next(g for g in v2.goals.all() if g.life_area == "health")
    services.plan_goal_remove(actor=rikke, case_id=open_case.pk, version=draft_version(v2), goal_id=sleep.pk)
    services.plan_goal_save(
        actor=rikke,
        case_id=open_case.pk,
        version=draft_version(v2),
        goal=goal_in(life_area="leisure", text="Karla går til håndbold"),
    )
    # The approved version did not move.
    assert sorted(g.text for g in v1.goals.all()) == ["Karla kommer i skole hver dag", "Karla sover mindst 9 timer"]

    overview = selectors.plan_overview(actor=rikke, case_id=open_case.pk)
    assert overview.approved.pk == v1.pk and overview.draft.pk == v2.pk
    kinds = [(c.kind, c.text) for c in overview.goal_changes]
    assert kinds == [
        ("changed", "Karla kommer i skole mindst 4 dage om ugen"),
        ("added", "Karla går til håndbold"),
        ("removed", "Karla sover mindst 9 timer"),
    ]
    assert [(f.field, f.old, f.new) for f in overview.goal_changes[0].changes] == [
        ("text", "Karla kommer i skole hver dag", "Karla kommer i skole mindst 4 dage om ugen")
    ]
    services.plan_approve(actor=rikke, case_id=open_case.pk, version=draft_version(v2))
    detail = selectors.plan_version(actor=rikke, case_id=open_case.pk, number=2)
    assert detail.previous.pk == v1.pk and [c.kind for c in detail.goal_changes] == ["changed", "added", "removed"]
    assert Document.objects.filter(case=open_case, kind="letter").count() == 2


def test_two_people_editing_at_once_the_second_gets_a_conflict_and_nothing_is_lost(town, open_case):
    draft = services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    read_by_both = draft_version(draft)
    services.plan_draft_save(
        actor=town.caseworker,
        case_id=open_case.pk,
        version=read_by_both,
        fields=PlanFieldsIn(purpose="Rikkes formål"),
    )
    for attempt in (
        lambda: services.plan_draft_save(
            actor=town.leader, case_id=open_case.pk, version=read_by_both, fields=PlanFieldsIn(purpose="Lenes formål")
        ),
        lambda: services.plan_goal_save(actor=town.leader, case_id=open_case.pk, version=read_by_both, goal=goal_in()),
        lambda: services.plan_approve(actor=town.leader, case_id=open_case.pk, version=read_by_both),
        lambda: services.plan_draft_save(
            actor=town.leader, case_id=open_case.pk, version="1x", fields=PlanFieldsIn(purpose="Manipuleret")
        ),
    ):
        with pytest.raises(Conflict) as exc:
            attempt()
        assert exc.value.code == "stale"
        assert "ændret af en anden" in str(exc.value.message)
    draft.refresh_from_db()
    assert draft.purpose == "Rikkes formål" and draft.version == read_by_both + 1
    assert draft.goals.count() == 0 and draft.status == VersionStatus.DRAFT


def test_saving_the_whole_draft_adds_changes_and_removes_goals_by_key(town, open_case):
    rikke = town.caseworker
    draft = services.plan_draft_start(actor=rikke, case_id=open_case.pk)
    keep = services.plan_goal_save(actor=rikke, case_id=open_case.pk, version=draft_version(draft), goal=goal_in())
    drop = services.plan_goal_save(
        actor=rikke, case_id=open_case.pk, version=draft_version(draft), goal=goal_in(life_area="health", text="Sove")
    )
    services.plan_draft_save(
        actor=rikke,
        case_id=open_case.pk,
        version=draft_version(draft),
        fields=PlanFieldsIn(purpose="Formål"),
        goals=[goal_in(life_area="family", text="Ser sin far"), goal_in(key=keep.key, text="Ændret")],
        number=1,
    )
    rows = list(draft.goals.order_by("position"))
    assert [(g.text, g.position) for g in rows] == [("Ser sin far", 1), ("Ændret", 2)]
    assert rows[1].pk == keep.pk and not PlanGoal.objects.filter(pk=drop.pk).exists()
    before = _state()
    for goals, words in (
        ([goal_in(key="ukendt")], "findes ikke i udkastet"),
        ([goal_in(key=keep.key), goal_in(key=keep.key)], "står to gange"),
        ([goal_in(), goal_in(text="  ")], "Mål 2: Skriv målet"),
    ):
        with pytest.raises(HelhedError) as exc:
            services.plan_draft_save(
                actor=rikke,
                case_id=open_case.pk,
                version=draft_version(draft),
                fields=PlanFieldsIn(purpose="Nyt formål"),
                goals=goals,
            )
        assert words in str(exc.value.message) and exc.value.field == "goals"
    assert _state() == before
    draft.refresh_from_db()
    assert draft.purpose == "Formål"  # nothing half-saved: the fields rolled back with the goals
    with pytest.raises(NotFound):
        services.plan_draft_save(
            actor=rikke, case_id=open_case.pk, version=draft_version(draft), fields=PlanFieldsIn(), number=7
        )


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"text": "   "}, "text", "Skriv målet"),
        ({"life_area": ""}, "life_area", "Vælg målets livsområde"),
        ({"life_area": "astrologi"}, "life_area", "Ukendt livsområde 'astrologi'"),
        ({"life_area": "youth_education"}, "life_area", "først gælder, når barnet er fyldt 16 år"),
        ({"administration": "XYZ"}, "administration", "SOF, BUF, BIF eller PSY"),
        ({"text": "x" * 2001}, "text", "Teksten er for lang"),
        ({"measures": ["x"] * 31}, "measures", "højst være 30 indsatser"),
        ({"measures": ["x" * 301]}, "measures", "Teksten er for lang"),
    ],
)
def test_a_goal_that_breaks_a_rule_is_refused_with_a_danish_message_and_nothing_saved(
    town, open_case, change, field, words
):
    draft = services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    before, version = _state(), draft_version(draft)
    with pytest.raises(HelhedError) as exc:
        services.plan_goal_save(actor=town.caseworker, case_id=open_case.pk, version=version, goal=goal_in(**change))
    assert exc.value.field == field and exc.value.status_code == 400
    assert words in str(exc.value.message)
    assert _state() == before and draft_version(draft) == version


def test_the_responsible_person_must_be_an_active_staff_member(town, open_case):
    draft = services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    town.teacher.is_active = False
    town.teacher.save()
    with pytest.raises(HelhedError) as exc:
        services.plan_goal_save(
            actor=town.caseworker,
            case_id=open_case.pk,
            version=draft_version(draft),
            goal=goal_in(responsible_person=town.teacher),
        )
    assert exc.value.field == "responsible_person"


def test_a_plan_without_goals_cannot_be_approved(town, open_case):
    draft = services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    with pytest.raises(HelhedError) as exc:
        services.plan_approve(actor=town.caseworker, case_id=open_case.pk, version=draft_version(draft))
    assert exc.value.code == "no_goals" and "mindst ét mål" in str(exc.value.message)
    draft.refresh_from_db()
    assert draft.is_draft and draft.letter is None and not Document.objects.exists()


def _letter_text(version) -> str:
    from io import BytesIO

    from pypdf import PdfReader

    content = filestore.path_for(version.letter.storage_name).read_bytes()
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(content)).pages)


def test_the_letter_tells_the_family_the_goals_in_plain_danish_without_the_cpr_number(town, open_case):
    v1 = approved_plan(
        town.caseworker,
        open_case,
        goal_in(responsible_person=town.teacher),
        goal_in(life_area="family", text="Karla ser sin far hver anden weekend", measures=["Samværsstøtte"]),
    )
    text = _letter_text(v1)
    child = open_case.child
    assert f"Barnets plan for {child.full_name}" in text and "Version 1, godkendt" in text
    assert "Dagtilbud, skole og læring" in text and "Familie og netværk" in text
    assert "Karla ser sin far hver anden weekend" in text and "Samværsstøtte" in text
    assert "Børne- og Ungdomsforvaltningen, Lotte Lærer" in text
    assert "Jeg vil gerne være sammen med de andre." in text  # the child's own words
    assert "Rikke Rådgiver" in text  # the parents' contact person
    assert "barnets lov § 91" in text and "Ungeplan" not in text
    assert child.cpr_masked[:6] not in text.replace(" ", "")


# -- access ---------------------------------------------------------------------------------------------


def test_the_team_reads_the_approved_plan_but_only_caseworkers_write_and_strangers_see_nothing(town, team_case):
    approved_plan(town.caseworker, team_case)
    services.plan_draft_start(actor=town.caseworker, case_id=team_case.pk)
    overview = selectors.plan_overview(actor=town.teacher, case_id=team_case.pk)
    assert overview.approved is not None and len(overview.approved.goal_list) == 2
    assert overview.draft is None and [v.number for v in overview.versions] == [1]  # drafts are working material
    with pytest.raises(Http404):
        selectors.plan_version(actor=town.teacher, case_id=team_case.pk, number=2)
    before = _state()
    with pytest.raises(Forbidden):
        services.plan_goal_save(actor=town.teacher, case_id=team_case.pk, version=1, goal=goal_in())
    with pytest.raises(Forbidden):
        services.plan_draft_start(actor=town.teacher, case_id=team_case.pk)
    for call in (
        lambda: selectors.plan_overview(actor=town.other_caseworker, case_id=team_case.pk),
        lambda: services.plan_draft_start(actor=town.other_caseworker, case_id=team_case.pk),
        lambda: selectors.plan_letter(actor=town.other_caseworker, case_id=team_case.pk, number=1),
    ):
        with pytest.raises(Http404):
            call()
    assert _state() == before


def test_a_closed_case_keeps_its_plan_readable_but_takes_no_changes(town, open_case):
    approved_plan(town.caseworker, open_case)
    case_services.case_change_status(actor=town.caseworker, case_id=open_case.pk, to_status="closed", reason="Slut")
    assert selectors.plan_overview(actor=town.caseworker, case_id=open_case.pk).approved is not None
    with pytest.raises(Forbidden):
        services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)


# -- deadlines ------------------------------------------------------------------------------------------


def test_the_first_approval_meets_the_plan_create_deadline(town, open_case):
    deadline = _started(open_case, Trigger.MEASURE_DECIDED, "plan.create")
    v1 = approved_plan(town.caseworker, open_case)
    deadline.refresh_from_db()
    assert deadline.status == DeadlineStatus.MET and deadline.closed_at == v1.approved_at
    # A later approval is not a first plan: a plan.create started since stays for the caseworker to judge.
    later = _started(open_case, Trigger.MEASURE_DECIDED, "plan.create", days_ago=1, source=open_case.child)
    v2 = services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    services.plan_approve(actor=town.caseworker, case_id=open_case.pk, version=draft_version(v2))
    later.refresh_from_db()
    assert later.status == DeadlineStatus.OPEN


def test_a_review_rates_every_goal_meets_the_review_deadlines_and_starts_the_next_on_the_chosen_date(town, open_case):
    first = _started(open_case, Trigger.MEASURE_STARTED, "plan.first_review", days_ago=80)
    v1 = approved_plan(town.caseworker, open_case)
    chosen = timezone.localdate() + timedelta(days=45)
    review = services.plan_review_add(
        actor=town.leader,
        case_id=open_case.pk,
        data=_review(v1, on=chosen, note="Det går bedre i skolen."),
    )
    assert review.plan_version == v1 and review.reviewed_by == town.leader
    assert sorted(review.ratings.values_list("rating", flat=True)) == ["progress", "progress"]
    first.refresh_from_db()
    assert first.status == DeadlineStatus.MET
    nxt = Deadline.objects.get(rule_id="plan.review", source_type="plans.planreview", source_id=str(review.pk))
    assert nxt.status == DeadlineStatus.OPEN and nxt.case == open_case and nxt.person == open_case.child
    assert timezone.localtime(nxt.due_at).date() == chosen
    assert "Ny skole fra august" in nxt.explanation and "§ 95" in nxt.explanation
    assert nxt.owner == town.caseworker  # the responsible caseworker, not the leader who recorded the review
    assert TimelineEvent.objects.filter(case=open_case, kind="plan_reviewed").exists()
    # The next review meets the one this review started, and starts its own.
    second = services.plan_review_add(actor=town.caseworker, case_id=open_case.pk, data=_review(v1))
    nxt.refresh_from_db()
    assert nxt.status == DeadlineStatus.MET
    assert Deadline.objects.filter(source_id=str(second.pk), rule_id="plan.review", status="open").count() == 1


def _bad_reviews(v1):
    goals = list(v1.goals.all())
    today = timezone.localdate()
    latest = today + relativedelta(months=6)
    return [
        (_review(v1, ratings=[RatingIn(goals[0].pk, "achieved")]), "ratings", "Der mangler en vurdering af"),
        (
            _review(v1, ratings=[RatingIn(goals[0].pk, "achieved"), RatingIn(goals[1].pk, "super")]),
            "ratings",
            "Ukendt vurdering 'super'",
        ),
        (
            _review(v1, ratings=[RatingIn(goals[0].pk, "achieved"), RatingIn(goals[0].pk, "worse")]),
            "ratings",
            "vurderet to gange",
        ),
        (_review(v1, on=latest + timedelta(days=1)), "next_review_on", "Datoen må højst ligge"),
        (_review(v1, on=today - timedelta(days=1)), "next_review_on", "kan ikke ligge før i dag"),
        (_review(v1, reason="  "), "next_review_reason", "Skriv hvorfor"),
        (ReviewIn(ratings=_review(v1).ratings, next_review_on=None, next_review_reason="x"), "next_review_on", "Vælg"),
    ]


def test_bad_reviews_are_refused_in_danish_and_leave_everything_as_it_was(town, open_case):
    _started(open_case, Trigger.MEASURE_STARTED, "plan.first_review", days_ago=80)
    v1 = approved_plan(town.caseworker, open_case)
    before = _state()
    for data, field, words in _bad_reviews(v1):
        with pytest.raises(HelhedError) as exc:
            services.plan_review_add(actor=town.caseworker, case_id=open_case.pk, data=data, submission_key=None)
        assert exc.value.status_code == 400, words
        assert exc.value.field == field, (words, exc.value.field)
        assert words in str(exc.value.message), str(exc.value.message)
        assert _state() == before  # the first review's deadline is still open, nothing was started


def test_the_latest_allowed_date_is_accepted(town, open_case):
    v1 = approved_plan(town.caseworker, open_case)
    latest = timezone.localdate() + relativedelta(months=6)
    review = services.plan_review_add(actor=town.caseworker, case_id=open_case.pk, data=_review(v1, on=latest))
    assert review.next_review_on == latest


def test_a_review_needs_an_approved_plan_and_rates_its_goals_not_an_older_versions(town, open_case):
    draft = services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    services.plan_goal_save(actor=town.caseworker, case_id=open_case.pk, version=draft_version(draft), goal=goal_in())
    with pytest.raises(Conflict) as exc:
        services.plan_review_add(
            actor=town.caseworker, case_id=open_case.pk, data=_review(draft, ratings=[RatingIn(1, "achieved")])
        )
    assert exc.value.code == "not_approved"
    v1 = services.plan_approve(actor=town.caseworker, case_id=open_case.pk, version=draft_version(draft))
    stale = _review(v1)  # read while version 1 was the approved plan
    v2 = services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    services.plan_approve(actor=town.caseworker, case_id=open_case.pk, version=draft_version(v2))
    with pytest.raises(Conflict) as exc:
        services.plan_review_add(actor=town.caseworker, case_id=open_case.pk, data=stale)
    assert exc.value.code == "stale" and "version 2" in str(exc.value.message)


def test_a_double_submitted_review_is_saved_once(town, open_case):
    v1 = approved_plan(town.caseworker, open_case)
    services.plan_review_add(actor=town.caseworker, case_id=open_case.pk, data=_review(v1), submission_key="k-1")
    with pytest.raises(Conflict) as exc:
        services.plan_review_add(actor=town.caseworker, case_id=open_case.pk, data=_review(v1), submission_key="k-1")
    assert exc.value.code == "duplicate_submit"
    assert PlanReview.objects.count() == 1


# -- the youth plan -------------------------------------------------------------------------------------


def test_from_16_the_plan_has_a_youth_section_and_approving_it_meets_the_youth_plan_deadline(town, youth_case):
    child = youth_case.child
    youth_deadline = _started(
        youth_case, Trigger.BIRTH, "youth.plan_16", days_ago=0, birth_date=child.birth_date, owner=town.caseworker
    )
    draft = services.plan_draft_start(actor=town.caseworker, case_id=youth_case.pk)
    services.plan_goal_save(actor=town.caseworker, case_id=youth_case.pk, version=draft_version(draft), goal=goal_in())
    # The youth section applies: without a youth goal or a note on why not, approval is refused.
    with pytest.raises(HelhedError) as exc:
        services.plan_approve(actor=town.caseworker, case_id=youth_case.pk, version=draft_version(draft))
    assert exc.value.code == "youth_plan_missing" and "§ 108" in str(exc.value.message)
    services.plan_goal_save(
        actor=town.caseworker,
        case_id=youth_case.pk,
        version=draft_version(draft),
        goal=goal_in(life_area="youth_education", text="Ulla starter på en erhvervsuddannelse", administration="BIF"),
    )
    approved = services.plan_approve(actor=town.caseworker, case_id=youth_case.pk, version=draft_version(draft))
    youth_deadline.refresh_from_db()
    assert youth_deadline.status == DeadlineStatus.MISSED  # due at the 16th birthday, a year ago: met late
    assert youth_deadline.closed_at == approved.approved_at
    detail = selectors.plan_version(actor=town.caseworker, case_id=youth_case.pk, number=1)
    assert detail.youth and [area for area, _goals in detail.version.youth_areas] == ["Uddannelse"]
    letter = _letter_text(approved)
    assert "Ungeplan (fra 16 år)" in letter and "Ulla starter på en erhvervsuddannelse" in letter
    assert "§ 108" in letter


def test_a_youth_note_instead_of_youth_goals_is_enough_to_approve(town, youth_case):
    draft = services.plan_draft_start(actor=town.caseworker, case_id=youth_case.pk)
    services.plan_goal_save(actor=town.caseworker, case_id=youth_case.pk, version=draft_version(draft), goal=goal_in())
    services.plan_draft_save(
        actor=town.caseworker,
        case_id=youth_case.pk,
        version=draft_version(draft),
        fields=PlanFieldsIn(youth_note="Ulla går i 10. klasse; ungeplanen laves ved næste opfølgning."),
    )
    approved = services.plan_approve(actor=town.caseworker, case_id=youth_case.pk, version=draft_version(draft))
    assert approved.status == VersionStatus.APPROVED


def test_under_16_no_youth_plan_is_asked_for_and_none_met(town, open_case):
    assert not selectors.plan_overview(actor=town.caseworker, case_id=open_case.pk).youth_today
    youth_deadline = _started(
        open_case, Trigger.BIRTH, "youth.plan_16", days_ago=0, birth_date=open_case.child.birth_date
    )
    approved_plan(town.caseworker, open_case)
    youth_deadline.refresh_from_db()
    assert youth_deadline.status == DeadlineStatus.OPEN


# -- audit ----------------------------------------------------------------------------------------------


def test_every_write_and_read_is_audited_with_the_child(town, open_case):
    child = open_case.child.pk
    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    v1 = approved_plan(town.caseworker, open_case)
    services.plan_review_add(actor=town.caseworker, case_id=open_case.pk, data=_review(v1))
    selectors.plan_overview(actor=town.caseworker, case_id=open_case.pk)
    selectors.plan_letter(actor=town.caseworker, case_id=open_case.pk, number=1)
    events = AuditEvent.objects.filter(id__gt=start, actor=town.caseworker)
    seen = {(e.action, e.object_type) for e in events if child in e.person_ids}
    assert {
        (AuditAction.CREATE, "plans.plan"),
        (AuditAction.CREATE, "plans.planversion"),
        (AuditAction.CREATE, "plans.plangoal"),
        (AuditAction.UPDATE, "plans.planversion"),
        (AuditAction.CREATE, "plans.planreview"),
        (AuditAction.VIEW, "plans.plan"),
        (AuditAction.DOWNLOAD, "cases.document"),
    } <= seen


def test_a_rated_goal_cannot_be_deleted_on_its_own_but_a_deleted_case_takes_its_whole_plan(town, open_case):
    from django.db.models.deletion import RestrictedError

    v1 = approved_plan(town.caseworker, open_case)
    services.plan_review_add(actor=town.caseworker, case_id=open_case.pk, data=_review(v1))
    v2 = services.plan_draft_start(actor=town.caseworker, case_id=open_case.pk)
    services.plan_approve(actor=town.caseworker, case_id=open_case.pk, version=draft_version(v2))
    with pytest.raises(RestrictedError):
        v1.goals.first().delete()
    with pytest.raises(RestrictedError):
        v1.delete()  # version 2 was copied from it, and a review rated it
    open_case.delete()
    assert not Plan.objects.exists() and not PlanGoal.objects.exists() and not GoalRating.objects.exists()

"""Pages of screening and class review. Thin: parse input, call a selector or service, render."""

from __future__ import annotations

import contextlib
import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from helhed.core.errors import HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires, user_has_perm

from . import policies, selectors, services
from .forms import (
    ConcernForm,
    EvaluationForm,
    InstrumentForm,
    MarksForm,
    MeetingForm,
    PilotForm,
    ReviewNewForm,
    ScreeningForm,
    StartForm,
    VersionForm,
)

# -- screenings ---------------------------------------------------------------------------------------------


@requires(Perm.DETECTION)
@require_GET
def screening_list(request):
    data = selectors.screening_list(actor=request.user)
    return render(request, "screening/list.html", {"data": data})


def _new_page(request, *, form: ScreeningForm | None = None, status: int = 200, preview=None, error: str = ""):
    source = request.POST if request.method == "POST" else request.GET
    start = selectors.screening_start(
        actor=request.user, class_value=source.get("klass", ""), instrument_id=source.get("instrument")
    )
    start_form = StartForm(
        initial={
            "klass": start.chosen_class.value if start.chosen_class else "",
            "instrument": str(start.instrument.pk) if start.instrument else "",
        },
        classes=start.classes,
        instruments=start.instruments,
    )
    if form is None and start.chosen_class is not None and start.definition is not None:
        form = ScreeningForm(
            initial={
                "submission_key": uuid.uuid4().hex,
                "klass": start.chosen_class.value,
                "instrument": start.instrument.pk if start.instrument else None,
            },
            pupils=start.pupils,
            definition=start.definition,
        )
    ctx = {"start": start, "start_form": start_form, "form": form, "preview": preview, "error": error}
    return render(request, "screening/new.html", ctx, status=status)


@requires(Perm.DETECTION)
@require_http_methods(["GET", "POST"])
def screening_new(request):
    if request.method == "GET":
        return _new_page(request)
    start = selectors.screening_start(
        actor=request.user, class_value=request.POST.get("klass", ""), instrument_id=request.POST.get("instrument")
    )
    if start.refused_school is not None:
        message = _(
            "%(school)s er ikke med i screeningspilotprojektet, så der kan ikke screenes elever her. "
            "Kontakt kommunens administrator, hvis skolen skal være med."
        ) % {"school": start.refused_school.name}
        return _new_page(request, status=403, error=message)
    if start.chosen_class is None or start.instrument is None or start.definition is None:
        return _new_page(request, status=400, error=_("Vælg klasse og instrument igen. Genindlæs siden."))
    form = ScreeningForm(request.POST, pupils=start.pupils, definition=start.definition)
    if not form.is_valid():
        return _new_page(request, form=form, status=400)
    action = request.POST.get("action")
    if action == "preview":
        try:
            preview = policies.score(start.definition, form.answers())
        except policies.AnswersInvalid as exc:
            form.add_error(None, " ".join(exc.errors))
            return _new_page(request, form=form, status=400)
        return _new_page(request, form=form, preview=preview)
    if action != "save":
        return _new_page(request, form=form, status=400, error=_("Ukendt handling. Genindlæs siden."))
    d = form.cleaned_data
    try:
        screening = services.screening_create(
            actor=request.user,
            data=services.ScreeningIn(
                person_id=d["person"],
                school_id=start.chosen_class.school_id,
                instrument_id=start.instrument.pk,
                answers=form.answers(),
                judgement=d.get("judgement") or "",
                next_step=d.get("next_step") or "",
                next_step_note=d.get("next_step_note") or "",
            ),
            submission_key=d.get("submission_key") or None,
        )
    except HelhedError as exc:
        if exc.status_code == 404:
            raise
        add_service_error(form, exc)
        preview = None
        with contextlib.suppress(policies.AnswersInvalid):
            preview = policies.score(start.definition, form.answers())
        return _new_page(request, form=form, status=exc.status_code, preview=preview)
    messages.success(request, _("Screeningen er gemt med din vurdering og dit næste skridt."))
    return redirect("screening:detail", screening_id=screening.pk)


@requires(Perm.DETECTION)
@require_GET
def screening_detail(request, screening_id: int):
    detail = selectors.screening_detail(actor=request.user, screening_id=screening_id)
    return render(request, "screening/detail.html", {"d": detail, "s": detail.screening})


# -- instruments and the pilot (administrators) -------------------------------------------------------------


def _instruments_page(request, *, form=None, status=200, errors=None):
    versions = selectors.instrument_versions()
    newest = {}
    for v in versions:
        newest.setdefault(v.key, v)
    ctx = {
        "versions": versions,
        "newest": list(newest.values()),
        "form": form or InstrumentForm(),
        "errors": errors or [],
        "schools": selectors.pilot_overview(),
        "bundled_missing": not any(v.bundled for v in versions),
    }
    return render(request, "screening/instruments.html", ctx, status=status)


@requires(Perm.DETECTION_ADMIN)
@require_http_methods(["GET", "POST"])
def instruments(request):
    if request.method == "GET":
        return _instruments_page(request)
    action = request.POST.get("action")
    if action == "load":
        try:
            created = services.instruments_load_bundled(actor=request.user)
        except HelhedError as exc:
            return _instruments_page(request, status=exc.status_code, errors=[str(exc.message)])
        messages.success(request, _("%(n)s instrumentversioner er indlæst.") % {"n": len(created)})
        return redirect("screening:instruments")
    if action != "create":
        return _instruments_page(request, status=400, errors=[_("Ukendt handling. Genindlæs siden.")])
    form = InstrumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _instruments_page(request, form=form, status=400)
    try:
        instrument = services.instrument_version_create(actor=request.user, yaml_text=form.cleaned_data["yaml_text"])
    except HelhedError as exc:
        errors = getattr(exc, "errors", None) or [str(exc.message)]
        return _instruments_page(request, form=form, status=exc.status_code, errors=errors)
    messages.success(
        request,
        _("Version %(v)s af '%(title)s' er gemt og bruges fra nu af til nye screeninger.")
        % {"v": instrument.version, "title": instrument.title},
    )
    return redirect("screening:instrument", instrument_id=instrument.pk)


@requires(Perm.DETECTION_ADMIN)
@require_GET
def instrument_detail(request, instrument_id: int):
    instrument = selectors.instrument_for(instrument_id)
    return render(
        request,
        "screening/instrument.html",
        {"instrument": instrument, "definition": selectors.parsed(instrument)},
    )


@requires(Perm.DETECTION_ADMIN)
@require_POST
def pilot(request):
    form = PilotForm(request.POST)
    if not form.is_valid():
        return _instruments_page(request, status=400, errors=[_("Vælg en skole fra listen. Genindlæs siden.")])
    try:
        result = services.pilot_set(
            actor=request.user, school_id=form.cleaned_data["school"], active=form.cleaned_data["active"]
        )
    except HelhedError as exc:
        return _instruments_page(request, status=exc.status_code, errors=[str(exc.message)])
    if result.active:
        messages.success(request, _("Screening er slået til på %(school)s.") % {"school": result.school.name})
    else:
        messages.success(request, _("Screening er slået fra på %(school)s.") % {"school": result.school.name})
    return redirect("screening:instruments")


# -- the evaluation ------------------------------------------------------------------------------------------


@requires(Perm.DETECTION_STATS)
@require_GET
def evaluation(request):
    data = selectors.evaluation(actor=request.user, instrument_id=request.GET.get("instrument"))
    form = EvaluationForm(
        initial={"instrument": str(data.instrument.pk) if data.instrument else ""}, instruments=data.instruments
    )
    return render(request, "screening/evaluation.html", {"e": data, "form": form})


# -- class reviews -------------------------------------------------------------------------------------------


@requires(Perm.DETECTION)
@require_GET
def review_list(request):
    return render(request, "screening/reviews.html", {"data": selectors.review_list(actor=request.user)})


@requires(Perm.DETECTION)
@require_http_methods(["GET", "POST"])
def review_new(request):
    classes = selectors.classes_at(sorted(selectors.scope.school_ids_for(request.user)))
    form = ReviewNewForm(request.POST or None, classes=classes)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            school_id, grade = selectors.parse_class(form.cleaned_data["klass"])
            try:
                review = services.review_create(
                    actor=request.user,
                    school_id=school_id,
                    grade=grade,
                    review_date=form.cleaned_data["review_date"],
                    note=form.cleaned_data.get("note") or "",
                )
            except HelhedError as exc:
                if exc.status_code == 404:
                    raise
                add_service_error(form, exc)
                status = exc.status_code
            else:
                messages.success(request, _("Klassegennemgangen er oprettet. Markér eleverne nedenfor."))
                return redirect("screening:review", review_id=review.pk)
        else:
            status = 400
    return render(request, "screening/review_new.html", {"form": form, "classes": classes}, status=status)


def _review_page(request, review_id, *, status=200, marks_form=None, error=""):
    detail = selectors.review_detail(actor=request.user, review_id=review_id)
    ctx = {
        "d": detail,
        "review": detail.review,
        "marks_form": marks_form or MarksForm(initial={"version": detail.review.version}, rows=detail.rows),
        "version_form": VersionForm(initial={"version": detail.review.version}),
        "error": error,
        "can_report": user_has_perm(request.user, Perm.CONCERN_REPORT),
        "meeting_steps": policies.STEPS_MEETING,
    }
    return render(request, "screening/review.html", ctx, status=status)


@requires(Perm.DETECTION)
@require_http_methods(["GET", "POST"])
def review_detail(request, review_id: int):
    if request.method == "GET":
        return _review_page(request, review_id)
    action = request.POST.get("action")
    try:
        if action == "mark":
            rows = selectors.review_detail(actor=request.user, review_id=review_id).rows
            form = MarksForm(request.POST, rows=rows)
            if not form.is_valid():
                return _review_page(
                    request, review_id, status=400, marks_form=form, error=_("Ret felterne markeret nedenfor.")
                )
            services.review_mark(
                actor=request.user, review_id=review_id, marks=form.marks(), version=form.cleaned_data["version"]
            )
            messages.success(request, _("Markeringerne er gemt."))
        elif action == "complete":
            vform = VersionForm(request.POST)
            if not vform.is_valid():
                return _review_page(request, review_id, status=400, error=_("Genindlæs siden, og prøv igen."))
            services.review_complete(actor=request.user, review_id=review_id, version=vform.cleaned_data["version"])
            messages.success(request, _("Klassegennemgangen er afsluttet."))
        else:
            return _review_page(request, review_id, status=400, error=_("Ukendt handling. Genindlæs siden."))
    except HelhedError as exc:
        if exc.status_code == 404:
            raise
        return _review_page(request, review_id, status=exc.status_code, error=str(exc.message))
    return redirect("screening:review", review_id=review_id)


@requires(Perm.DETECTION)
@require_http_methods(["GET", "POST"])
def entry_concern(request, review_id: int, entry_id: int):
    entry = selectors.entry_for(request.user, review_id, entry_id)
    form = ConcernForm(request.POST or None, initial={"submission_key": uuid.uuid4().hex})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                concern = services.review_entry_to_concern(
                    actor=request.user,
                    entry_id=entry.pk,
                    data=form.report_in(),
                    submission_key=form.cleaned_data.get("submission_key") or None,
                )
            except HelhedError as exc:
                if exc.status_code == 404:
                    raise
                add_service_error(form, exc)
                status = exc.status_code
            else:
                messages.success(
                    request,
                    _("Underretningen er sendt med reference %(ref)s. Modtagelsen vurderer den inden for 24 timer.")
                    % {"ref": concern.reference},
                )
                return redirect("screening:review", review_id=review_id)
        else:
            status = 400
    return render(request, "screening/entry_concern.html", {"entry": entry, "form": form}, status=status)


@requires(Perm.DETECTION)
@require_http_methods(["GET", "POST"])
def entry_meeting(request, review_id: int, entry_id: int):
    entry = selectors.entry_for(request.user, review_id, entry_id)
    staff = [u for u in selectors.school_staff(entry.review.school) if u.pk != request.user.pk]
    form = MeetingForm(
        request.POST or None, staff=staff, initial={"day": timezone.localdate(), "location": entry.review.school.name}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.review_entry_to_meeting(actor=request.user, entry_id=entry.pk, data=form.meeting_in())
            except HelhedError as exc:
                if exc.status_code == 404:
                    raise
                add_service_error(form, exc)
                status = exc.status_code
            else:
                messages.success(request, _("Mødet med forældrene er aftalt."))
                return redirect("screening:review", review_id=review_id)
        else:
            status = 400
    return render(request, "screening/entry_meeting.html", {"entry": entry, "form": form}, status=status)

"""Person pages: create, view (audited), relations, merge and undo merge."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helhed.core.errors import HelhedError
from helhed.core.forms import add_service_error
from helhed.core.permissions import Perm, requires, user_has_perm

from . import selectors, services
from .forms import MergeForm, PersonForm, RelationForm
from .models import Person, PersonMerge


@requires(Perm.PERSON_SEARCH)
def person_detail(request, person_id: int):
    person = selectors.person_for(actor=request.user, person_id=person_id)
    from helhed.cases import selectors as case_selectors

    relations = selectors.relations_of(actor=request.user, person=person)
    enrolments = selectors.enrolments_of(person)
    case = case_selectors.case_map_for_children(actor=request.user, child_ids=[person.pk]).get(person.pk)
    hidden = {}
    if case is None and user_has_perm(request.user, Perm.BREAK_GLASS):
        hidden = case_selectors.children_with_hidden_cases(actor=request.user, child_ids=[person.pk])
    merges = selectors.merges_into(person)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "relations": relations,
            "enrolments": enrolments,
            "case": case,
            "hidden_case_id": hidden.get(person.pk),
            "relation_form": RelationForm(),
            "merge_form": MergeForm(),
            "merges": merges,
            "can_merge": user_has_perm(request.user, Perm.PERSON_MERGE),
            "can_open_case": user_has_perm(request.user, Perm.CASE_CREATE),
        },
    )


@requires(Perm.PERSON_CREATE)
@require_http_methods(["GET", "POST"])
def person_create(request):
    form = PersonForm(request.POST or None, initial={"submission_key": uuid.uuid4().hex})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                person = services.person_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Personen er oprettet."))
                return redirect("people:detail", person_id=person.pk)
            except HelhedError as exc:
                add_service_error(form, exc)
                status = exc.status_code
        else:
            status = 400
    return render(request, "people/person_form.html", {"form": form}, status=status)


@requires(Perm.PERSON_CREATE)
@require_POST
def relation_add(request, person_id: int):
    person = get_object_or_404(Person, pk=person_id)
    form = RelationForm(request.POST)
    if form.is_valid():
        relative = Person.objects.filter(pk=form.cleaned_data["relative"], merged_into__isnull=True).first()
        if relative is None:
            messages.error(request, _("Der findes ingen person med det person-id."))
        else:
            try:
                services.relation_add(
                    actor=request.user,
                    person=person,
                    relative=relative,
                    kind=form.cleaned_data["kind"],
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("Relationen er gemt."))
            except HelhedError as exc:
                messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Udfyld person-id og relation."))
    return redirect("people:detail", person_id=person.pk)


@requires(Perm.PERSON_MERGE)
@require_POST
def person_merge(request, person_id: int):
    survivor = get_object_or_404(Person, pk=person_id)
    form = MergeForm(request.POST)
    if form.is_valid():
        duplicate = Person.objects.filter(pk=form.cleaned_data["duplicate"]).first()
        if duplicate is None:
            messages.error(request, _("Der findes ingen person med det person-id."))
        else:
            try:
                services.person_merge(
                    actor=request.user, survivor=survivor, duplicate=duplicate, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Personerne er lagt sammen. Det kan fortrydes nedenfor."))
            except HelhedError as exc:
                messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Udfyld person-id på dubletten og en begrundelse."))
    return redirect("people:detail", person_id=survivor.pk)


@requires(Perm.PERSON_MERGE)
@require_POST
def person_merge_reverse(request, merge_id: int):
    merge = get_object_or_404(PersonMerge, pk=merge_id)
    try:
        services.person_merge_reverse(
            actor=request.user, merge=merge, reason=request.POST.get("reason", "") or _("Fortrudt")
        )
        messages.success(request, _("Sammenlægningen er fortrudt."))
    except HelhedError as exc:
        messages.error(request, str(exc.message))
    return redirect("people:detail", person_id=merge.survivor_id)

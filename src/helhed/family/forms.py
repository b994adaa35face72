"""Forms of the parents' view. They check shape only; the services decide (who holds custody, which link)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _


class LinkCreateForm(forms.Form):
    person_id = forms.TypedChoiceField(
        label=_("Hvem skal have linket?"),
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("Kun barnets forældremyndighedsindehavere kan få et link."),
        error_messages={
            "required": _("Vælg hvem der skal have linket."),
            "invalid_choice": _("Vælg en af barnets forældremyndighedsindehavere på listen."),
        },
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, holders=(), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["person_id"].choices = [(p.pk, p.full_name) for p in holders]

"""'Mine frister': the worker's open statutory deadlines, soonest first."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helhed.core.errors import HelhedError
from helhed.core.permissions import Perm, requires

from . import selectors, services


@requires(Perm.CASE_WORK)
def my_deadlines(request):
    now = timezone.now()
    rows = [{"deadline": d, "urgency": selectors.urgency(d, now)} for d in selectors.my_deadlines(actor=request.user)]
    return render(request, "deadlines/my_deadlines.html", {"rows": rows})


@requires(Perm.CASE_WORK)
@require_POST
def close(request, deadline_id: int):
    waive = request.POST.get("action") == "waive"
    try:
        services.deadline_close_for(
            actor=request.user, deadline_id=deadline_id, waive=waive, reason=request.POST.get("reason", "")[:500]
        )
        messages.success(request, _("Fristen er lukket."))
    except HelhedError as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, str(exc.message))
    return redirect("deadlines:mine")

"""The one documented API: /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from helhed.cases.api import router as cases_router
from helhed.concerns.api import router as concerns_router
from helhed.consent.api import router as consent_router
from helhed.core.api import router as audit_router
from helhed.core.apiauth import API_AUTH
from helhed.core.errors import HelhedError
from helhed.counselling.api import router as counselling_router
from helhed.deadlines.api import router as deadlines_router
from helhed.detection.api import router as detection_router
from helhed.family.api import router as family_router
from helhed.family.api import staff_router as parent_links_router
from helhed.flow.api import router as flow_router
from helhed.interventions.api import router as interventions_router
from helhed.meetings.api import router as meetings_router
from helhed.organisation.api import router as organisation_router
from helhed.people.api import router as persons_router
from helhed.plans.api import router as plans_router
from helhed.screening.api import router as screening_router

api = NinjaAPI(
    title="Helhed API",
    version="1.0.0",
    urls_namespace="api",
    description=(
        "Helhed's API: the same capabilities, access rules and audit as the user interface. "
        "Authenticate with `Authorization: Bearer <token>` (create one with `helhed token create USERNAME`) "
        "or the browser session. Every read of person data is written to the audit log. Error messages are "
        "in Danish and say what to do."
    ),
    auth=API_AUTH,
)
api.add_router("/persons", persons_router)
api.add_router("/cases", cases_router)
api.add_router("/audit", audit_router)
api.add_router("/deadlines", deadlines_router)
api.add_router("/concerns", concerns_router)
api.add_router("/meetings", meetings_router)
api.add_router("/flow", flow_router)
api.add_router("/counselling", counselling_router)
api.add_router("/consents", consent_router)
api.add_router("/cases", plans_router)
api.add_router("/cases", parent_links_router)
api.add_router("/family", family_router)
api.add_router("/organisation", organisation_router)
api.add_router("/interventions", interventions_router)
api.add_router("/detection", detection_router)
api.add_router("/screening", screening_router)


@api.exception_handler(HelhedError)
def _helhed_error(request, exc: HelhedError):
    return api.create_response(
        request, {"detail": str(exc.message), "code": exc.code, "field": exc.field}, status=exc.status_code
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    message = str(exc)
    if message.startswith("Cannot parse request body"):  # ninja's own words for a body that is not JSON
        message = "Forespørgslens indhold kan ikke læses. Send gyldig JSON med Content-Type: application/json."
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "Ikke fundet.", "code": "not_found"}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request,
        {"detail": "Log ind eller send en gyldig API-nøgle: Authorization: Bearer <nøgle>.", "code": "unauthenticated"},
        status=401,
    )


# Pydantic's error types in plain Danish (its own messages are English); anything else keeps its text.
_PROBLEMS = {
    "missing": "Feltet mangler. Udfyld det.",
    "int_parsing": "Skal være et helt tal.",
    "int_type": "Skal være et helt tal.",
    "float_parsing": "Skal være et tal.",
    "int_from_float": "Skal være et helt tal.",
    "decimal_parsing": "Skal være et tal, fx 1250.00.",
    "decimal_type": "Skal være et tal, fx 1250.00.",
    "finite_number": "Skal være et endeligt tal.",
    "bool_parsing": "Skal være true eller false.",
    "bool_type": "Skal være true eller false.",
    "string_type": "Skal være tekst.",
    "date_parsing": "Skal være en dato på formen ÅÅÅÅ-MM-DD.",
    "date_from_datetime_parsing": "Skal være en dato på formen ÅÅÅÅ-MM-DD.",
    "date_type": "Skal være en dato på formen ÅÅÅÅ-MM-DD.",
    "datetime_parsing": "Skal være et tidspunkt på formen ÅÅÅÅ-MM-DDTTT:MM.",
    "list_type": "Skal være en liste.",
    "dict_type": "Skal være et objekt.",
    "model_type": "Skal være et objekt.",
    "json_invalid": "Indholdet er ikke gyldig JSON.",
    "greater_than_equal": "Værdien er for lille.",
    "less_than_equal": "Værdien er for stor.",
}


def _danish_problem(err: dict) -> str:
    kind = err.get("type", "")
    if kind == "enum":
        expected = (err.get("ctx") or {}).get("expected", "")
        return f"Ukendt værdi. Tilladte værdier: {expected}." if expected else "Ukendt værdi."
    return _PROBLEMS.get(kind, err.get("msg", ""))


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    problems = []
    for err in exc.errors:
        loc = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload"))
        problems.append({"field": loc, "problem": _danish_problem(err), "type": err.get("type", "")})
    return api.create_response(
        request,
        {
            "detail": "Forespørgslen er ikke gyldig. Ret felterne nævnt i 'errors'.",
            "code": "invalid",
            "errors": problems,
        },
        status=422,
    )

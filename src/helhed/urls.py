from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("helhed.core.urls")),
    path("", include("helhed.people.urls")),
    path("", include("helhed.cases.urls")),
    path("", include("helhed.deadlines.urls")),
    path("", include("helhed.concerns.urls")),
    path("", include("helhed.meetings.urls")),
    path("", include("helhed.flow.urls")),
    path("", include("helhed.plans.urls")),
    path("", include("helhed.counselling.urls")),
    path("", include("helhed.family.urls")),
    path("", include("helhed.consent.urls")),
    path("", include("helhed.interventions.urls")),
    path("", include("helhed.detection.urls")),
    path("", include("helhed.screening.urls")),
    path("", include("helhed.organisation.urls")),
    path("api/v1/", api.urls),
]

handler404 = "helhed.core.views.error_404"
handler403 = "helhed.core.views.error_403"
handler500 = "helhed.core.views.error_500"

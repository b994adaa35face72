from django.urls import path

from . import views

app_name = "interventions"

urlpatterns = [
    path("tilbud/", views.catalogue, name="catalogue"),
    path("tilbud/nyt/", views.offer_new, name="offer_new"),
    path("tilbud/leverandoerer/ny/", views.provider_new, name="provider_new"),
    path("tilbud/rapporter/", views.reports, name="reports"),
    path("tilbud/rapporter/<str:report>.csv", views.report_csv, name="report_csv"),
    path("tilbud/<int:offer_id>/", views.offer_detail, name="offer_detail"),
    path("tilbud/<int:offer_id>/rediger/", views.offer_edit, name="offer_edit"),
    path("sager/<int:case_id>/tilbud/", views.case_interventions, name="case"),
    path("sager/<int:case_id>/tilbud/ansoeg/", views.apply, name="apply"),
    path("visitation/", views.visitation, name="visitation"),
    path("visitation/<int:referral_id>/", views.referral, name="referral"),
    path("visitation/<int:referral_id>/afgoerelse/", views.referral_decide, name="referral_decide"),
    path("visitation/<int:referral_id>/traek-tilbage/", views.referral_withdraw, name="referral_withdraw"),
    path("visitation/bevillinger/<int:grant_id>/aendr/", views.grant_change, name="grant_change"),
    path("visitation/bevillinger/<int:grant_id>/afslut/", views.grant_terminate, name="grant_terminate"),
    path("oekonomi/", views.forecast, name="forecast"),
    path("oekonomi/budgetter/", views.budgets, name="budgets"),
]

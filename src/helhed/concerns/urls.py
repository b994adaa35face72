from django.urls import path

from . import views

app_name = "concerns"

urlpatterns = [
    path("underret/", views.public_report, name="public"),
    path("underretninger/ny/", views.report_new, name="new"),
    path("underretninger/mine/", views.my_reports, name="mine"),
    path("underretninger/modtagelse/", views.reception, name="reception"),
    path("underretninger/<int:concern_id>/", views.detail, name="detail"),
    path("underretninger/<int:concern_id>/kvittering/", views.receipt, name="receipt"),
    path("underretninger/<int:concern_id>/tag/", views.assign, name="assign"),
    path("underretninger/<int:concern_id>/knyt/", views.match, name="match"),
    path("underretninger/<int:concern_id>/vurdering/", views.assess, name="assess"),
    path("underretninger/<int:concern_id>/tjekliste/", views.checklist, name="checklist"),
    path("underretninger/<int:concern_id>/breve/", views.letter_make, name="letter_make"),
    path("underretninger/<int:concern_id>/breve/<int:letter_id>/", views.letter_download, name="letter_download"),
    path("underretninger/<int:concern_id>/afslut/", views.close, name="close"),
    path(
        "underretninger/<int:concern_id>/bilag/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
]

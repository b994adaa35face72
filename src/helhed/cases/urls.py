from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.home, name="home"),
    path("soeg/", views.search, name="search"),
    path("sager/<int:case_id>/", views.case_detail, name="detail"),
    path("sager/<int:case_id>/tidslinje/", views.case_timeline, name="timeline"),
    path("sager/<int:case_id>/journal/", views.case_journal, name="journal"),
    path("sager/<int:case_id>/journal/<int:note_id>/tilfoejelse/", views.journal_addendum, name="addendum"),
    path("sager/<int:case_id>/dokumenter/", views.case_documents, name="documents"),
    path("sager/<int:case_id>/dokumenter/<int:document_id>/", views.document_download, name="document_download"),
    path("sager/<int:case_id>/team/", views.case_team, name="team"),
    path("sager/<int:case_id>/team/<int:member_id>/", views.team_member_action, name="team_member"),
    path("sager/<int:case_id>/status/", views.case_status, name="status"),
    path("sager/<int:case_id>/cpr/", views.reveal_cpr, name="reveal_cpr"),
    path("sager/<int:case_id>/noedadgang/", views.break_glass, name="break_glass"),
    path("personer/<int:person_id>/ny-sag/", views.case_open, name="open"),
]

from django.urls import path

from . import views

app_name = "detection"

urlpatterns = [
    path("fravaer/", views.alerts, name="alerts"),
    path("fravaer/alarmer/<int:alert_id>/", views.alert, name="alert"),
    path("fravaer/alarmer/<int:alert_id>/tag/", views.alert_acknowledge, name="alert_acknowledge"),
    path("fravaer/alarmer/<int:alert_id>/moede/", views.alert_book, name="alert_book"),
    path("fravaer/alarmer/<int:alert_id>/plan/", views.alert_plan, name="alert_plan"),
    path("fravaer/alarmer/<int:alert_id>/luk/", views.alert_close, name="alert_close"),
    path("fravaer/moeder/<int:meeting_id>/", views.meeting, name="meeting"),
    path("fravaer/moeder/<int:meeting_id>/afholdt/", views.meeting_held, name="meeting_held"),
    path("fravaer/moeder/<int:meeting_id>/aflys/", views.meeting_cancel, name="meeting_cancel"),
    path("fravaer/moeder/<int:meeting_id>/kalender.ics", views.meeting_ics, name="meeting_ics"),
    path("fravaer/import/", views.imports, name="imports"),
    path("fravaer/import/<int:import_id>/", views.import_detail, name="import"),
    path("fravaer/vurder/", views.evaluate_now, name="evaluate"),
    path("fravaer/uden-skole/", views.unschooled, name="unschooled"),
]

from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("sager/<int:case_id>/moeder/", views.case_meetings, name="case_meetings"),
    path("moeder/", views.my_meetings, name="mine"),
    path("moeder/<int:meeting_id>/", views.detail, name="detail"),
    path("moeder/<int:meeting_id>/referat/", views.minutes_add, name="minutes_add"),
    path("moeder/<int:meeting_id>/referat.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("moeder/<int:meeting_id>/send-referat/", views.send_minutes, name="send_minutes"),
    path("moeder/<int:meeting_id>/beslutninger/", views.decision_add, name="decision_add"),
    path("moeder/<int:meeting_id>/fremmoede/", views.attendance, name="attendance"),
    path("moeder/<int:meeting_id>/afhold/", views.hold, name="hold"),
    path("moeder/<int:meeting_id>/aflys/", views.cancel, name="cancel"),
    path("opgaver/", views.my_tasks, name="tasks"),
    path("opgaver/<int:decision_id>/", views.task_status, name="task_status"),
    path("aftaleforum/", views.aftaleforum, name="aftaleforum"),
]

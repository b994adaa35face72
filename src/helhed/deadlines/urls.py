from django.urls import path

from . import views

app_name = "deadlines"

urlpatterns = [
    path("frister/", views.my_deadlines, name="mine"),
    path("frister/team/", views.team, name="team"),
    path("frister/overholdelse/", views.compliance, name="compliance"),
    path("frister/overholdelse/sager/", views.compliance_cases, name="compliance_cases"),
    path("frister/overholdelse.csv", views.compliance_csv, name="compliance_csv"),
    path("frister/<int:deadline_id>/luk/", views.close, name="close"),
]

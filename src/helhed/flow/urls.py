from django.urls import path

from . import views

app_name = "flow"

urlpatterns = [
    path("sager/<int:case_id>/forloeb/", views.case_flow, name="case"),
    path("overdragelser/", views.incoming, name="incoming"),
    path("overdragelser/<int:handover_id>/", views.handover, name="handover"),
]

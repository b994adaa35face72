from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("sager/<int:case_id>/samtykke/", views.case_sharing, name="case"),
]

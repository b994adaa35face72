from django.urls import path

from . import views

app_name = "deadlines"

urlpatterns = [
    path("frister/", views.my_deadlines, name="mine"),
    path("frister/<int:deadline_id>/luk/", views.close, name="close"),
]

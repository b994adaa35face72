from django.urls import path

from . import views

app_name = "counselling"

urlpatterns = [
    path("raadgivning/", views.counselling_list, name="list"),
    path("raadgivning/ny/", views.counselling_new, name="new"),
    path("raadgivning/statistik/", views.counselling_statistics, name="statistics"),
    path("raadgivning/<int:counselling_id>/", views.counselling_detail, name="detail"),
    path("raadgivning/<int:counselling_id>/sag/", views.counselling_convert, name="convert"),
]

from django.urls import path

from . import views

app_name = "organisation"

urlpatterns = [
    path("organisation/", views.units, name="units"),
    path("organisation/enheder/ny/", views.unit_create, name="unit_create"),
    path("organisation/medarbejdere/", views.staff, name="staff"),
    path("organisation/medarbejdere/ny/", views.staff_create, name="staff_create"),
    path("organisation/medarbejdere/<int:user_id>/", views.staff_detail, name="staff_detail"),
    path("organisation/medarbejdere/<int:user_id>/tilknytninger/", views.membership_add, name="membership_add"),
    path("organisation/medarbejdere/<int:user_id>/deaktiver/", views.staff_deactivate, name="staff_deactivate"),
    path("organisation/medarbejdere/<int:user_id>/genaktiver/", views.staff_reactivate, name="staff_reactivate"),
    path("organisation/medarbejdere/<int:user_id>/adgangskode/", views.staff_password, name="staff_password"),
    path("organisation/tilknytninger/<int:membership_id>/afslut/", views.membership_end, name="membership_end"),
    path("organisation/import/", views.import_file, name="import"),
    path("organisation/import/bekraeft/", views.import_confirm, name="import_confirm"),
]

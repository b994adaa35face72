from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("personer/ny/", views.person_create, name="create"),
    path("personer/<int:person_id>/", views.person_detail, name="detail"),
    path("personer/<int:person_id>/relationer/", views.relation_add, name="relation_add"),
    path("personer/<int:person_id>/sammenlaeg/", views.person_merge, name="merge"),
    path("sammenlaegninger/<int:merge_id>/fortryd/", views.person_merge_reverse, name="merge_reverse"),
]

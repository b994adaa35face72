from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("screening/", views.screening_list, name="list"),
    path("screening/ny/", views.screening_new, name="new"),
    path("screening/instrumenter/", views.instruments, name="instruments"),
    path("screening/instrumenter/pilot/", views.pilot, name="pilot"),
    path("screening/instrumenter/<int:instrument_id>/", views.instrument_detail, name="instrument"),
    path("screening/evaluering/", views.evaluation, name="evaluation"),
    path("screening/<int:screening_id>/", views.screening_detail, name="detail"),
    path("klassegennemgang/", views.review_list, name="reviews"),
    path("klassegennemgang/ny/", views.review_new, name="review_new"),
    path("klassegennemgang/<int:review_id>/", views.review_detail, name="review"),
    path(
        "klassegennemgang/<int:review_id>/elev/<int:entry_id>/underretning/",
        views.entry_concern,
        name="entry_concern",
    ),
    path("klassegennemgang/<int:review_id>/elev/<int:entry_id>/moede/", views.entry_meeting, name="entry_meeting"),
]

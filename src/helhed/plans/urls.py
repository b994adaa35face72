from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("sager/<int:case_id>/plan/", views.plan, name="plan"),
    path("sager/<int:case_id>/plan/ny-version/", views.draft_start, name="draft_start"),
    path("sager/<int:case_id>/plan/udkast/", views.draft, name="draft"),
    path("sager/<int:case_id>/plan/udkast/maal/ny/", views.goal_edit, name="goal_new"),
    path("sager/<int:case_id>/plan/udkast/maal/<int:goal_id>/", views.goal_edit, name="goal_edit"),
    path("sager/<int:case_id>/plan/udkast/maal/<int:goal_id>/fjern/", views.goal_remove, name="goal_remove"),
    path("sager/<int:case_id>/plan/udkast/godkend/", views.approve, name="approve"),
    path("sager/<int:case_id>/plan/versioner/<int:number>/", views.version, name="version"),
    path("sager/<int:case_id>/plan/versioner/<int:number>/brev.pdf", views.letter, name="letter"),
    path("sager/<int:case_id>/plan/opfoelgning/", views.review, name="review"),
]

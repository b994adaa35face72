from django.urls import path

from . import views

app_name = "family"

urlpatterns = [
    path("sager/<int:case_id>/foraeldreadgang/", views.case_links, name="case_links"),
    path("sager/<int:case_id>/foraeldreadgang/<int:link_id>/tilbagekald/", views.link_revoke, name="link_revoke"),
    path("familie/", views.home, name="home"),
    path("familie/boern/<int:case_id>/", views.child, name="child"),
    path("familie/login/<str:token>/", views.link_login, name="login"),
]

from django.urls import path
from django.views.i18n import set_language

from . import views
from .permissions import Perm, requires

app_name = "core"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("konto/totp/", views.totp_verify, name="totp_verify"),
    path("konto/totp/opsaet/", views.totp_setup, name="totp_setup"),
    path("i18n/sprog/", requires(Perm.PUBLIC)(set_language), name="set_language"),
    path("sundhed/", views.health, name="health"),
    path("hjaelp/", views.help_index, name="help"),
    path("hjaelp/<slug:slug>/", views.help_page, name="help_page"),
    path("tilsyn/", views.audit_home, name="audit_home"),
    path("tilsyn/person/", views.audit_person, name="audit_person"),
    path("tilsyn/person/<int:person_id>/eksport.csv", views.audit_person_export, name="audit_person_export"),
    path("tilsyn/bruger/", views.audit_actor, name="audit_actor"),
]

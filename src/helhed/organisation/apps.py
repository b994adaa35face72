from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "helhed.organisation"
    label = "organisation"
    verbose_name = "Organisation"

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "helhed.people"
    label = "people"
    verbose_name = "Personer"

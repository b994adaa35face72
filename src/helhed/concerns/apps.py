from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "helhed.concerns"
    label = "concerns"
    verbose_name = "Underretninger"

from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "helhed.outcomes"
    label = "outcomes"
    verbose_name = "Virkning og resultater"

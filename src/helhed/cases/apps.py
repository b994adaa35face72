from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "helhed.cases"
    label = "cases"
    verbose_name = "Sager"

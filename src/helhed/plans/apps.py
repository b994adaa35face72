from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "helhed.plans"
    label = "plans"
    verbose_name = "Barnets plan"

from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "helhed.interventions"
    label = "interventions"
    verbose_name = "Tilbudsvifte, visitation og økonomi"

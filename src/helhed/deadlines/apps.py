from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "helhed.deadlines"
    label = "deadlines"
    verbose_name = "Frister"

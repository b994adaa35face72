from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "helhed.demo"
    label = "demo"
    verbose_name = "Syntetisk kommune"

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "helhed.core"
    label = "core"
    verbose_name = "Helhed core"

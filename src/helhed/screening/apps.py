from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "helhed.screening"
    label = "screening"
    verbose_name = "Screening og klassegennemgang"

from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "helhed.consent"
    label = "consent"
    verbose_name = "Samtykke og videregivelse"

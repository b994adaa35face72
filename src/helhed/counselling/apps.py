from django.apps import AppConfig


class CounsellingConfig(AppConfig):
    name = "helhed.counselling"
    label = "counselling"
    verbose_name = "Åben anonym rådgivning"

from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "helhed.detection"
    label = "detection"
    verbose_name = "Tidlig opsporing"

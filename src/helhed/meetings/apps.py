from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "helhed.meetings"
    label = "meetings"
    verbose_name = "Møder og beslutninger"

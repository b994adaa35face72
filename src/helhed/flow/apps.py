from django.apps import AppConfig


class FlowConfig(AppConfig):
    name = "helhed.flow"
    label = "flow"
    verbose_name = "Sagsforløb og overdragelser"

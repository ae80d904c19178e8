from django.apps import AppConfig


class Config(AppConfig):
    name = "shequ.dashboards"
    label = "dashboards"

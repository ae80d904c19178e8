from django.apps import AppConfig


class Config(AppConfig):
    name = "shequ.core"
    label = "core"

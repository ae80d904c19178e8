from django.apps import AppConfig


class Config(AppConfig):
    name = "shequ.registry"
    label = "registry"

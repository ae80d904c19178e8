from django.apps import AppConfig


class Config(AppConfig):
    name = "shequ.open311"
    label = "open311"

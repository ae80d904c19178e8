from django.apps import AppConfig


class Config(AppConfig):
    name = "shequ.areas"
    label = "areas"

from django.apps import AppConfig


class Config(AppConfig):
    name = "shequ.accounts"
    label = "accounts"

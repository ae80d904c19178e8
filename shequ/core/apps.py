from django.apps import AppConfig


class Config(AppConfig):
    name = "shequ.core"
    label = "core"

    def ready(self) -> None:
        from django.core import checks  # noqa: PLC0415

        from shequ.core.crypto import check_keys  # noqa: PLC0415

        # A real site without encryption keys fails at start-up, not at the first save.
        checks.register(check_keys, checks.Tags.security)

from django.apps import AppConfig


class Config(AppConfig):
    name = "shequ.portal"
    label = "portal"

    def ready(self) -> None:
        from shequ.core.crypto import register_encrypted_field  # noqa: PLC0415
        from shequ.portal.accounts import ENCRYPTED_FIELDS  # noqa: PLC0415

        for model_label, field_name, purpose in ENCRYPTED_FIELDS:
            register_encrypted_field(model_label, field_name, purpose)

from django.apps import AppConfig


class Config(AppConfig):
    name = "shequ.cases"
    label = "cases"

    def ready(self) -> None:
        from shequ.cases.reporter import ENCRYPTED_FIELDS  # noqa: PLC0415
        from shequ.cases.webhooks import SECRET_PURPOSE  # noqa: PLC0415
        from shequ.core.crypto import register_encrypted_field  # noqa: PLC0415

        for model_label, field_name, purpose in ENCRYPTED_FIELDS:
            register_encrypted_field(model_label, field_name, purpose)
        register_encrypted_field("cases.Webhook", "secret_enc", SECRET_PURPOSE)

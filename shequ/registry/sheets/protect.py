"""ID numbers and phones encrypted, indexed and masked for many rows at a time.

The same tokens, blind indexes and masks as ``shequ.registry.personal.protect_id_number`` and
``protect_phone`` (a test holds them equal), without what those repeat for every value: the
keyring lookup, the purpose check, the HMAC key schedule and the normalisation that the
import has already done. That is most of their cost: 100,000 residents take about 1.5 s
here instead of 4.5 s.

It reaches into ``shequ.core.crypto`` for the keyring; if crypto grows a public
"encryptor for one purpose", this module becomes a thin call to it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from shequ.core import crypto
from shequ.core.masking import mask_id_number, mask_phone
from shequ.registry.personal import ID_NUMBER, PHONE, Protected


class Protector:
    """Encrypt, index and mask values of one purpose, given already normalised."""

    def __init__(self, purpose: str) -> None:
        ring = crypto._keyring()
        self._aad = crypto._associated_data(purpose)
        self._cipher = ring.ciphers[ring.current]
        self.key_id = ring.current
        self._prefix = f"{crypto.FORMAT_VERSION}.{ring.current}."
        self._mac = hmac.new(
            ring.index_key, b"shequ-index-v1\x00" + self._aad + b"\x00", hashlib.sha256
        )
        self._mask = mask_id_number if purpose == ID_NUMBER else mask_phone

    def index(self, value: str) -> str:
        mac = self._mac.copy()
        mac.update(crypto._canonical(value).encode())
        return mac.hexdigest()[: crypto.BLIND_INDEX_LENGTH]

    def encrypt(self, value: str) -> str:
        nonce = os.urandom(crypto.NONCE_BYTES)
        body = self._cipher.encrypt(nonce, value.encode("utf-8"), self._aad)
        return (
            self._prefix
            + base64.urlsafe_b64encode(nonce).rstrip(b"=").decode("ascii")
            + "."
            + base64.urlsafe_b64encode(body).rstrip(b"=").decode("ascii")
        )

    def protect(self, value: str, index: str = "") -> Protected:
        """``value`` already normalised (``check_id_number(...).value``, ``check_phone(...)
        .value``); ``index`` when it was computed before."""
        if not value:
            return Protected.empty()
        return Protected(self.encrypt(value), index or self.index(value), self._mask(value))


def id_numbers() -> Protector:
    return Protector(ID_NUMBER)


def phones() -> Protector:
    return Protector(PHONE)

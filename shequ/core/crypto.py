"""Field encryption and blind indexes for personal data (ID numbers, phones, care categories).

A personal value is stored twice, never in clear:

* a **token** -- AES-256-GCM ciphertext, ``v1.<kid>.<nonce>.<ciphertext+tag>`` (base64url,
  no padding), which services decrypt only when a user reveals the value with a reason;
* a **blind index** -- a keyed HMAC-SHA256 of the normalised value, so "find the resident
  with this ID number" is an exact, indexed lookup without decrypting every row.

An unkeyed hash would be no protection: an ID number has about 10^10 plausible values
(region x birth date x sequence), which a laptop hashes in minutes.

Keys come from two settings:

``SHEQU_FIELD_KEYS``
    ``"kid1:BASE64KEY,kid2:BASE64KEY"``: 32-byte keys in standard or urlsafe base64. The
    first key encrypts; the others only decrypt, so a key can be rotated by putting the new
    one first, running ``manage.py rotate_field_keys``, then removing the old one.
``SHEQU_INDEX_KEY``
    base64, at least 32 bytes, for the blind index. It cannot be rotated in place (the index
    is one-way): changing it means recomputing every index from the decrypted values.

**Demo only**: when a setting is absent and SHEQU_DEMO is on, its key is derived from
SECRET_KEY (whose demo value is in the source code), so anyone can decrypt demo data. A real
installation sets both settings; without them and without SHEQU_DEMO, the first use raises
ImproperlyConfigured (and :func:`check_keys`, registered as a system check, says so at start).

Each token is bound to its *purpose* (e.g. ``"resident.id_number"``) as AES-GCM associated
data, so a token copied into another column, or another table, does not decrypt there.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# Defined with the checks that give the same written form; here because every encrypt and
# blind_index of an ID number or phone goes through them first.
from shequ.core.validators import normalise_id_number, normalise_phone

__all__ = [
    "BLIND_INDEX_LENGTH",
    "CryptoError",
    "EncryptedField",
    "blind_index",
    "check_keys",
    "current_key_id",
    "decrypt",
    "encrypt",
    "encrypted_fields",
    "key_id_of",
    "needs_rotation",
    "normalise_id_number",
    "normalise_phone",
    "register_encrypted_field",
    "rotate",
    "rotate_tokens",
]

FORMAT_VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
#: Hex characters in a blind index (128 bits); see :func:`blind_index`.
BLIND_INDEX_LENGTH = 32
#: The key id of the keys derived for the demo (see :func:`_demo_key`).
DEMO_KEY_ID = "demo"

logger = logging.getLogger(__name__)

_KID = re.compile(r"[a-z0-9_-]{1,16}")
_PURPOSE = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
_TOKEN = re.compile(
    r"v1\.(?P<kid>[a-z0-9_-]{1,16})\.(?P<nonce>[A-Za-z0-9_-]{16})\.(?P<body>[A-Za-z0-9_-]{22,})"
)


class CryptoError(Exception):
    """A token that cannot be read: malformed, made with a key this server does not have,
    altered, or made for another purpose. The message never contains the value."""


# --- keys ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Keyring:
    current: str
    ciphers: Mapping[str, AESGCM] = field(repr=False)
    index_key: bytes = field(repr=False)


def _decode_key(raw: str, *, setting: str, what: str) -> bytes:
    """Standard or urlsafe base64, padding optional; strict about anything else."""
    text = raw.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        msg = f"{setting}: {what} is not base64."
        raise ImproperlyConfigured(msg) from None


def _demo_key(secret_key: str, purpose: bytes) -> bytes:
    """DEMO ONLY. A key derived from SECRET_KEY, used only when the key settings are absent
    and SHEQU_DEMO is on, so a laptop demo runs with zero set-up. Anyone who knows the
    SECRET_KEY (and the demo one is in the source code) can read data encrypted this way:
    never put real people's data in a demo installation."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=b"shequ-demo-keys-v1", info=purpose
    )
    return hkdf.derive(secret_key.encode())


def _parse_field_keys(raw: str) -> tuple[str, dict[str, bytes]]:
    setting = "SHEQU_FIELD_KEYS"
    keys: dict[str, bytes] = {}
    current = ""
    for position, raw_entry in enumerate(raw.split(","), start=1):
        kid, sep, encoded = raw_entry.strip().partition(":")
        kid = kid.strip()
        if not sep or not encoded.strip():
            msg = f'{setting}: entry {position} should be "keyid:BASE64KEY".'
            raise ImproperlyConfigured(msg)
        if not _KID.fullmatch(kid):
            msg = f"{setting}: key id {kid!r} should be 1-16 of a-z, 0-9, _ and -."
            raise ImproperlyConfigured(msg)
        if kid in keys:
            msg = f"{setting}: key id {kid!r} is listed twice."
            raise ImproperlyConfigured(msg)
        key = _decode_key(encoded, setting=setting, what=f"the key {kid!r}")
        if len(key) != KEY_BYTES:
            msg = (
                f"{setting}: the key {kid!r} is {len(key)} bytes; "
                f"AES-256 needs exactly {KEY_BYTES}."
            )
            raise ImproperlyConfigured(msg)
        keys[kid] = key
        current = current or kid
    return current, keys


@functools.lru_cache(maxsize=8)
def _build_keyring(
    field_keys: str | None, index_key: str | None, *, demo: bool, secret_key: str
) -> _Keyring:
    # Cached on the raw setting values, so a changed setting (tests, a reload) is noticed.
    if field_keys:
        current, keys = _parse_field_keys(field_keys)
    elif demo:
        current, keys = DEMO_KEY_ID, {DEMO_KEY_ID: _demo_key(secret_key, b"shequ field key")}
    else:
        msg = (
            "SHEQU_FIELD_KEYS is not set: personal data cannot be encrypted. "
            'Set it to "keyid:BASE64KEY" with a random 32-byte key (see docs/operations.md).'
        )
        raise ImproperlyConfigured(msg)
    if index_key:
        index = _decode_key(index_key, setting="SHEQU_INDEX_KEY", what="the key")
        if len(index) < KEY_BYTES:
            msg = f"SHEQU_INDEX_KEY is {len(index)} bytes; it needs at least {KEY_BYTES}."
            raise ImproperlyConfigured(msg)
        if any(hmac.compare_digest(index, key) for key in keys.values()):
            msg = "SHEQU_INDEX_KEY must not be one of the SHEQU_FIELD_KEYS."
            raise ImproperlyConfigured(msg)
    elif demo:
        index = _demo_key(secret_key, b"shequ index key")
    else:
        msg = (
            "SHEQU_INDEX_KEY is not set: personal data cannot be indexed for lookup. "
            "Set it to a random key of at least 32 bytes in base64 (see docs/operations.md)."
        )
        raise ImproperlyConfigured(msg)
    if not (field_keys and index_key):  # reached only in demo mode
        logger.warning(
            "Personal data is encrypted with DEMO keys derived from SECRET_KEY: "
            "set SHEQU_FIELD_KEYS and SHEQU_INDEX_KEY before entering real people's data."
        )
    ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
    return _Keyring(current=current, ciphers=ciphers, index_key=index)


def _keyring() -> _Keyring:
    return _build_keyring(
        getattr(settings, "SHEQU_FIELD_KEYS", None) or None,
        getattr(settings, "SHEQU_INDEX_KEY", None) or None,
        demo=bool(getattr(settings, "SHEQU_DEMO", False)),
        secret_key=str(settings.SECRET_KEY),
    )


def check_keys(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """System check: the key settings parse (or the demo may derive them)."""
    try:
        _keyring()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="shequ.E001")]
    return []


def current_key_id() -> str:
    """The id of the key new tokens are encrypted with (the first in SHEQU_FIELD_KEYS)."""
    return _keyring().current


# --- tokens -------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _associated_data(purpose: str) -> bytes:
    if not _PURPOSE.fullmatch(purpose):
        msg = f"purpose {purpose!r} should be 1-100 of A-Z, a-z, 0-9, _ . : and -"
        raise ValueError(msg)
    return f"shequ/{FORMAT_VERSION}/{purpose}".encode("ascii")


def _parse(token: str) -> re.Match[str]:
    match = _TOKEN.fullmatch(token)
    if match is None:
        msg = "not an encrypted value (expected v1.<key id>.<nonce>.<ciphertext>)"
        raise CryptoError(msg)
    return match


def encrypt(value: str, *, purpose: str) -> str:
    """Encrypt ``value`` with the current key, bound to ``purpose``.

    The nonce is 12 random bytes, so the same value encrypts differently every time (use
    :func:`blind_index` to find equal values). Normalise first (:func:`normalise_id_number`,
    :func:`normalise_phone`): the token keeps exactly what it is given.
    """
    aad = _associated_data(purpose)
    ring = _keyring()
    nonce = os.urandom(NONCE_BYTES)
    body = ring.ciphers[ring.current].encrypt(nonce, value.encode("utf-8"), aad)
    return f"{FORMAT_VERSION}.{ring.current}.{_b64(nonce)}.{_b64(body)}"


def decrypt(token: str, *, purpose: str) -> str:
    """The value in ``token``; :class:`CryptoError` if it is malformed, its key is not in
    SHEQU_FIELD_KEYS, it was altered, or it was made for another purpose."""
    aad = _associated_data(purpose)
    match = _parse(token)
    kid = match["kid"]
    cipher = _keyring().ciphers.get(kid)
    if cipher is None:
        msg = f"the value was encrypted with key {kid!r}, which is not in SHEQU_FIELD_KEYS"
        raise CryptoError(msg)
    try:
        plain = cipher.decrypt(_unb64(match["nonce"]), _unb64(match["body"]), aad)
    except InvalidTag:
        # GCM cannot tell these apart, by design.
        msg = (
            f"the value does not decrypt with key {kid!r}: it was altered, "
            f"or it was made for another purpose than {purpose!r}"
        )
        raise CryptoError(msg) from None
    return plain.decode("utf-8")


def key_id_of(token: str) -> str:
    """The id of the key ``token`` was encrypted with; :class:`CryptoError` if malformed."""
    return _parse(token)["kid"]


def needs_rotation(token: str) -> bool:
    """Whether ``token`` was encrypted with a key other than the current one."""
    return key_id_of(token) != current_key_id()


def rotate(token: str, *, purpose: str) -> str:
    """``token`` re-encrypted with the current key (decrypted with whichever listed key made
    it). A token already under the current key is checked and returned unchanged, so callers
    write only rows that changed."""
    value = decrypt(token, purpose=purpose)
    if not needs_rotation(token):
        return token
    return encrypt(value, purpose=purpose)


def rotate_tokens[K](
    tokens: Iterable[tuple[K, str | None]], *, purpose: str
) -> list[tuple[K, str]]:
    """``(primary key, new token)`` for each token that needs the current key; tokens already
    current, and empty values (``None`` or ``""``), are left out. Pure apart from the keyring:
    ``rotate_field_keys`` feeds it one batch of rows at a time.

    Raises :class:`CryptoError` naming the primary key of a token that cannot be decrypted
    (usually: its key was removed from SHEQU_FIELD_KEYS before rotation finished).
    """
    current = current_key_id()
    rotated: list[tuple[K, str]] = []
    for pk, token in tokens:
        if not token:
            continue
        try:
            if key_id_of(token) == current:
                continue
            rotated.append((pk, encrypt(decrypt(token, purpose=purpose), purpose=purpose)))
        except CryptoError as error:
            msg = f"row {pk!r}: {error}"
            raise CryptoError(msg) from None
    return rotated


# --- blind index --------------------------------------------------------------------------


def _canonical(value: str) -> str:
    """What every indexed value goes through after its field's own normaliser, as a safety
    net: full-width characters to ASCII (NFKC: Chinese input methods type ``１３８``), no
    whitespace or dashes, upper case."""
    text = unicodedata.normalize("NFKC", value)
    return re.sub(r"[\s\-]", "", text).upper()


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed, deterministic fingerprint of ``value`` for exact lookups, as 32 hex characters.

    HMAC-SHA256 with SHEQU_INDEX_KEY over the purpose and the value, after NFKC, removing
    whitespace and dashes and upper-casing -- so ``"530102 19900101 123x"`` and
    ``"53010219900101123X"`` index alike. Apply the field's normaliser first
    (``normalise_phone`` also drops +86 and puts back a trunk 0; this does not). Different
    purposes give unrelated indexes, so equal values in two tables cannot be linked by their
    index.

    Why 128 bits and not all 256: the index only has to tell values apart, and it is a lookup
    column on every resident row (a B-tree per field). With 10^9 values the chance of any two
    colliding is about 10^18 / 2^129 ~ 10^-21, so a unique constraint on it stays safe; the
    security rests on the key, not on the length (without the key, no length can be tested;
    with it, a 64-character index is brute-forced exactly as fast). Half the length is half the
    index size and a faster lookup.
    """
    message = (
        b"shequ-index-v1\x00" + _associated_data(purpose) + b"\x00" + _canonical(value).encode()
    )
    digest = hmac.new(_keyring().index_key, message, hashlib.sha256).hexdigest()
    return digest[:BLIND_INDEX_LENGTH]


# --- the fields rotate_field_keys re-encrypts ---------------------------------------------


@dataclass(frozen=True)
class EncryptedField:
    model_label: str  # "registry.Resident"
    field_name: str  # the column holding tokens
    purpose: str


_registry: dict[tuple[str, str], EncryptedField] = {}


def register_encrypted_field(model_label: str, field_name: str, purpose: str) -> None:
    """Tell ``rotate_field_keys`` that ``model_label.field_name`` holds tokens made for
    ``purpose``. Call it from the app's ``AppConfig.ready()``; registering the same field
    again with the same purpose is harmless, with another purpose an error."""
    _associated_data(purpose)  # validates
    key = (model_label, field_name)
    entry = EncryptedField(model_label, field_name, purpose)
    existing = _registry.get(key)
    if existing is not None and existing != entry:
        msg = f"{model_label}.{field_name} is already registered with purpose {existing.purpose!r}"
        raise ValueError(msg)
    _registry[key] = entry


def encrypted_fields() -> tuple[EncryptedField, ...]:
    """Every registered encrypted field, in a stable order."""
    return tuple(sorted(_registry.values(), key=lambda f: (f.model_label, f.field_name)))

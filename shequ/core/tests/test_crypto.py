"""Field encryption, blind indexes, key rotation and the key settings."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from shequ.accounts.models import User
from shequ.core import crypto
from shequ.core.crypto import (
    BLIND_INDEX_LENGTH,
    CryptoError,
    blind_index,
    decrypt,
    encrypt,
    key_id_of,
    needs_rotation,
    normalise_id_number,
    normalise_phone,
    rotate,
    rotate_tokens,
)
from shequ.core.models import AuditRecord

ID = "resident.id_number"
PHONE = "resident.phone"
KEY_A = bytes(range(32))
KEY_B = bytes(range(100, 132))
INDEX_KEY = bytes(range(200, 232))
TOKEN = re.compile(r"v1\.[a-z0-9_-]{1,16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}")


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def keyring(*entries: tuple[str, bytes]) -> str:
    return ",".join(f"{kid}:{b64(key)}" for kid, key in entries)


@pytest.fixture(autouse=True)
def keys(settings: Any) -> Any:
    settings.SHEQU_DEMO = False
    settings.SHEQU_FIELD_KEYS = keyring(("a", KEY_A))
    settings.SHEQU_INDEX_KEY = b64(INDEX_KEY)
    return settings


def flip(text: str, position: int) -> str:
    replacement = "A" if text[position] != "A" else "B"
    return text[:position] + replacement + text[position + 1 :]


# --- encryption ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["11010519491231002X", "13812345678", "低保 · 独居老人", ""])
def test_round_trip(value: str) -> None:
    token = encrypt(value, purpose=ID)
    assert TOKEN.fullmatch(token)
    assert token.startswith("v1.a.")
    assert value not in token or value == ""
    assert decrypt(token, purpose=ID) == value


def test_same_value_encrypts_differently_each_time() -> None:
    tokens = [encrypt("13812345678", purpose=PHONE) for _ in range(200)]
    assert len(set(tokens)) == 200
    nonces = {token.split(".")[2] for token in tokens}
    assert len(nonces) == 200
    assert {decrypt(t, purpose=PHONE) for t in tokens} == {"13812345678"}


def test_wrong_purpose_does_not_decrypt() -> None:
    token = encrypt("11010519491231002X", purpose=ID)
    with pytest.raises(CryptoError, match=r"another purpose than 'resident\.phone'"):
        decrypt(token, purpose=PHONE)


@pytest.mark.parametrize("part", [2, 3])
def test_tampered_nonce_or_ciphertext_does_not_decrypt(part: int) -> None:
    token = encrypt("11010519491231002X", purpose=ID)
    pieces = token.split(".")
    pieces[part] = flip(pieces[part], 5)
    with pytest.raises(CryptoError, match="altered"):
        decrypt(".".join(pieces), purpose=ID)


def test_truncated_token_does_not_decrypt() -> None:
    token = encrypt("11010519491231002X", purpose=ID)
    with pytest.raises(CryptoError):
        decrypt(token[:-4], purpose=ID)


def test_token_relabelled_with_another_listed_key_does_not_decrypt(settings: Any) -> None:
    token = encrypt("secret", purpose=ID)
    settings.SHEQU_FIELD_KEYS = keyring(("a", KEY_A), ("b", KEY_B))
    with pytest.raises(CryptoError, match="'b'"):
        decrypt(token.replace("v1.a.", "v1.b.", 1), purpose=ID)


def test_unknown_key_id_is_named(settings: Any) -> None:
    token = encrypt("11010519491231002X", purpose=ID)
    settings.SHEQU_FIELD_KEYS = keyring(("b", KEY_B))
    with pytest.raises(CryptoError, match=r"key 'a', which is not in SHEQU_FIELD_KEYS"):
        decrypt(token, purpose=ID)


@pytest.mark.parametrize(
    "token", ["", "11010519491231002X", "v2.a.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA", "v1.a.x.y"]
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(CryptoError, match="not an encrypted value"):
        decrypt(token, purpose=ID)
    with pytest.raises(CryptoError):
        key_id_of(token)


def test_purpose_must_be_a_plain_name() -> None:
    with pytest.raises(ValueError, match="purpose"):
        encrypt("x", purpose="")
    with pytest.raises(ValueError, match="purpose"):
        blind_index("x", purpose="has space")


# --- rotation -----------------------------------------------------------------------------


def test_rotation_to_a_new_key(settings: Any) -> None:
    old = encrypt("11010519491231002X", purpose=ID)
    assert key_id_of(old) == "a"
    assert not needs_rotation(old)

    settings.SHEQU_FIELD_KEYS = keyring(("b", KEY_B), ("a", KEY_A))
    assert crypto.current_key_id() == "b"
    assert needs_rotation(old)
    assert decrypt(old, purpose=ID) == "11010519491231002X"  # old keys still decrypt

    new = rotate(old, purpose=ID)
    assert key_id_of(new) == "b"
    assert not needs_rotation(new)
    assert decrypt(new, purpose=ID) == "11010519491231002X"
    assert rotate(new, purpose=ID) == new  # already current: unchanged, nothing to write

    settings.SHEQU_FIELD_KEYS = keyring(("b", KEY_B))  # the old key retired
    assert decrypt(new, purpose=ID) == "11010519491231002X"
    with pytest.raises(CryptoError, match="'a'"):
        decrypt(old, purpose=ID)


def test_rotate_checks_the_purpose(settings: Any) -> None:
    old = encrypt("x", purpose=ID)
    settings.SHEQU_FIELD_KEYS = keyring(("b", KEY_B), ("a", KEY_A))
    with pytest.raises(CryptoError):
        rotate(old, purpose=PHONE)


def test_rotate_tokens_returns_only_rows_needing_the_current_key(settings: Any) -> None:
    old = {pk: encrypt(f"value {pk}", purpose=ID) for pk in (1, 3, 4)}
    settings.SHEQU_FIELD_KEYS = keyring(("b", KEY_B), ("a", KEY_A))
    current = encrypt("value 2", purpose=ID)
    rows: list[tuple[int, str | None]] = [
        (1, old[1]),
        (2, current),
        (3, old[3]),
        (5, None),
        (6, ""),
        (4, old[4]),
    ]

    rotated = rotate_tokens(rows, purpose=ID)

    assert [pk for pk, _ in rotated] == [1, 3, 4]
    for pk, token in rotated:
        assert key_id_of(token) == "b"
        assert decrypt(token, purpose=ID) == f"value {pk}"
    again = dict(rows) | dict(rotated)
    assert rotate_tokens(again.items(), purpose=ID) == []  # idempotent


def test_rotate_tokens_names_the_row_it_cannot_read(settings: Any) -> None:
    good = encrypt("fine", purpose=ID)
    settings.SHEQU_FIELD_KEYS = keyring(("b", KEY_B), ("a", KEY_A))
    with pytest.raises(CryptoError, match=r"row 8: .*altered"):
        rotate_tokens([(7, good), (8, flip(good, len(good) - 3))], purpose=ID)


# --- blind index --------------------------------------------------------------------------


def test_blind_index_is_deterministic_keyed_hex() -> None:
    first = blind_index("53010219900101123X", purpose=ID)
    assert first == blind_index("53010219900101123X", purpose=ID)
    assert re.fullmatch(rf"[0-9a-f]{{{BLIND_INDEX_LENGTH}}}", first)
    assert first != blind_index("530102199001011238", purpose=ID)


def test_blind_index_differs_by_purpose() -> None:
    assert blind_index("13812345678", purpose=PHONE) != blind_index(
        "13812345678", purpose="household.contact_phone"
    )


def test_blind_index_matches_however_the_number_was_typed() -> None:
    typed = normalise_id_number("530102 19900101 123x")
    assert typed == "53010219900101123X"
    assert blind_index(typed, purpose=ID) == blind_index("53010219900101123X", purpose=ID)
    # The index's own canonical form catches what a caller forgot to normalise.
    assert blind_index("530102 19900101 123x", purpose=ID) == blind_index(
        "53010219900101123X", purpose=ID
    )
    assert blind_index("５３０１０２１９９００１０１１２３Ｘ", purpose=ID) == blind_index(
        "53010219900101123X", purpose=ID
    )


def test_blind_index_of_phones_after_normalising() -> None:
    expected = blind_index("13812345678", purpose=PHONE)
    for typed in ["+86 138 1234 5678", "0086-138-1234-5678", "138 1234 5678"]:
        assert blind_index(normalise_phone(typed), purpose=PHONE) == expected
    assert normalise_phone("0871 6555 1234") == normalise_phone("+86 871 65551234")


def test_blind_index_depends_on_the_index_key_not_the_field_keys(settings: Any) -> None:
    before = blind_index("13812345678", purpose=PHONE)
    settings.SHEQU_FIELD_KEYS = keyring(("b", KEY_B), ("a", KEY_A))
    assert blind_index("13812345678", purpose=PHONE) == before
    settings.SHEQU_INDEX_KEY = b64(KEY_B[::-1])
    assert blind_index("13812345678", purpose=PHONE) != before


# --- settings -----------------------------------------------------------------------------


def test_standard_and_urlsafe_base64_with_or_without_padding(settings: Any) -> None:
    key = bytes([0xFB, 0xFF] * 16)  # "+" and "/" in standard base64, "-" and "_" in urlsafe
    standard = base64.b64encode(key).decode()
    urlsafe = base64.urlsafe_b64encode(key).decode().rstrip("=")
    assert "/" in standard
    assert "_" in urlsafe
    settings.SHEQU_FIELD_KEYS = f"std:{standard}"
    token = encrypt("x", purpose=ID)
    settings.SHEQU_FIELD_KEYS = f" url : {urlsafe} , std:{standard}"
    assert crypto.current_key_id() == "url"
    assert decrypt(token.replace("v1.std.", "v1.url.", 1), purpose=ID) == "x"  # same key


@pytest.mark.parametrize(
    ("field_keys", "index_key", "message"),
    [
        ("", b64(INDEX_KEY), r"SHEQU_FIELD_KEYS is not set"),
        (f"a:{b64(KEY_A)}", "", r"SHEQU_INDEX_KEY is not set"),
        ("a:not base64!", b64(INDEX_KEY), r"SHEQU_FIELD_KEYS: the key 'a' is not base64"),
        (f"a:{b64(KEY_A[:16])}", b64(INDEX_KEY), r"SHEQU_FIELD_KEYS: the key 'a' is 16 bytes"),
        (f"A:{b64(KEY_A)}", b64(INDEX_KEY), r"SHEQU_FIELD_KEYS: key id 'A'"),
        (f"a.b:{b64(KEY_A)}", b64(INDEX_KEY), r"SHEQU_FIELD_KEYS: key id 'a.b'"),
        (b64(KEY_A), b64(INDEX_KEY), r'SHEQU_FIELD_KEYS: entry 1 should be "keyid:BASE64KEY"'),
        (f"a:{b64(KEY_A)},", b64(INDEX_KEY), r"SHEQU_FIELD_KEYS: entry 2"),
        (f"a:{b64(KEY_A)},a:{b64(KEY_B)}", b64(INDEX_KEY), r"key id 'a' is listed twice"),
        (f"a:{b64(KEY_A)}", "%%%", r"SHEQU_INDEX_KEY: the key is not base64"),
        (f"a:{b64(KEY_A)}", b64(INDEX_KEY[:31]), r"SHEQU_INDEX_KEY is 31 bytes"),
        (f"a:{b64(KEY_A)}", b64(KEY_A), r"SHEQU_INDEX_KEY must not be one of"),
    ],
)
def test_bad_settings_name_the_setting(
    settings: Any, field_keys: str, index_key: str, message: str
) -> None:
    settings.SHEQU_FIELD_KEYS = field_keys
    settings.SHEQU_INDEX_KEY = index_key
    with pytest.raises(ImproperlyConfigured, match=message) as raised:
        encrypt("x", purpose=ID)
    # Key material never ends up in a log line.
    assert b64(KEY_A) not in str(raised.value)
    assert b64(INDEX_KEY) not in str(raised.value)


def test_index_key_may_be_longer_than_32_bytes(settings: Any) -> None:
    settings.SHEQU_INDEX_KEY = b64(bytes(range(64)))
    assert len(blind_index("x", purpose=ID)) == BLIND_INDEX_LENGTH


def test_demo_keys_are_derived_from_the_secret_key(settings: Any) -> None:
    settings.SHEQU_FIELD_KEYS = ""
    settings.SHEQU_INDEX_KEY = ""
    settings.SHEQU_DEMO = True
    settings.SECRET_KEY = "demo secret one"

    token = encrypt("11010519491231002X", purpose=ID)
    index = blind_index("11010519491231002X", purpose=ID)
    assert key_id_of(token) == crypto.DEMO_KEY_ID == "demo"
    assert decrypt(token, purpose=ID) == "11010519491231002X"

    crypto._build_keyring.cache_clear()  # derived again, not remembered
    assert decrypt(token, purpose=ID) == "11010519491231002X"
    assert blind_index("11010519491231002X", purpose=ID) == index

    settings.SECRET_KEY = "demo secret two"
    assert blind_index("11010519491231002X", purpose=ID) != index
    with pytest.raises(CryptoError):
        decrypt(token, purpose=ID)

    settings.SHEQU_DEMO = False
    with pytest.raises(ImproperlyConfigured, match="SHEQU_FIELD_KEYS"):
        encrypt("x", purpose=ID)


def test_keyring_repr_shows_no_key_material() -> None:
    ring = crypto._keyring()
    assert repr(ring) == "_Keyring(current='a')"
    assert str(list(INDEX_KEY)) not in repr(ring)
    assert repr(INDEX_KEY) not in repr(ring)


# --- the register of encrypted fields and rotate_field_keys -------------------------------


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[Any, Any]:
    empty: dict[Any, Any] = {}
    monkeypatch.setattr(crypto, "_registry", empty)
    return empty


def test_register_encrypted_field(registry: dict[Any, Any]) -> None:
    crypto.register_encrypted_field("registry.Resident", "phone_token", PHONE)
    crypto.register_encrypted_field("registry.Resident", "id_number_token", ID)
    crypto.register_encrypted_field("registry.Resident", "phone_token", PHONE)  # again: fine
    assert crypto.encrypted_fields() == (
        crypto.EncryptedField("registry.Resident", "id_number_token", ID),
        crypto.EncryptedField("registry.Resident", "phone_token", PHONE),
    )
    with pytest.raises(ValueError, match="already registered"):
        crypto.register_encrypted_field("registry.Resident", "phone_token", ID)


def test_command_with_nothing_registered(
    registry: dict[Any, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("rotate_field_keys")
    assert "No encrypted fields are registered" in capsys.readouterr().out


@pytest.mark.django_db
def test_command_rotates_in_batches_and_is_idempotent(
    settings: Any, registry: dict[Any, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # No model holds tokens yet; a user's email column stands in for one.
    purpose = "test.email"
    crypto.register_encrypted_field("accounts.User", "email", purpose)
    old = [
        User.objects.create(username=f"old{i}", email=encrypt(f"v{i}", purpose=purpose))
        for i in range(5)
    ]
    User.objects.create(username="empty", email="")
    settings.SHEQU_FIELD_KEYS = keyring(("b", KEY_B), ("a", KEY_A))
    current = User.objects.create(username="new", email=encrypt("v-new", purpose=purpose))

    call_command("rotate_field_keys", batch_size=2)

    out = capsys.readouterr().out
    assert "accounts.User.email: 7 checked, 5 re-encrypted" in out
    for i, user in enumerate(old):
        user.refresh_from_db()
        assert key_id_of(user.email) == "b"
        assert decrypt(user.email, purpose=purpose) == f"v{i}"
    assert User.objects.get(pk=current.pk).email == current.email  # not rewritten
    assert User.objects.get(username="empty").email == ""
    record = AuditRecord.objects.get(object_id="accounts.User.email")
    assert record.action == "security"
    assert "5 values re-encrypted with key b" in record.object_repr

    call_command("rotate_field_keys")
    assert "accounts.User.email: 7 checked, 0 re-encrypted" in capsys.readouterr().out
    assert AuditRecord.objects.filter(object_id="accounts.User.email").count() == 1


@pytest.mark.django_db
def test_command_stops_on_a_token_it_cannot_read(settings: Any, registry: dict[Any, Any]) -> None:
    crypto.register_encrypted_field("accounts.User", "email", "test.email")
    User.objects.create(username="x", email=encrypt("v", purpose="test.email"))
    settings.SHEQU_FIELD_KEYS = keyring(("b", KEY_B))  # "a" removed too early
    with pytest.raises(CommandError, match=r"accounts\.User\.email: row \d+: .*'a'"):
        call_command("rotate_field_keys")


def test_system_check_reports_missing_keys(settings: Any) -> None:
    assert crypto.check_keys() == []
    settings.SHEQU_INDEX_KEY = ""
    errors = crypto.check_keys()
    assert [e.id for e in errors] == ["shequ.E001"]
    assert "SHEQU_INDEX_KEY is not set" in errors[0].msg


def test_demo_keys_are_announced(settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings.SHEQU_FIELD_KEYS = ""
    settings.SHEQU_INDEX_KEY = ""
    settings.SHEQU_DEMO = True
    settings.SECRET_KEY = "demo secret three"
    with caplog.at_level("WARNING", logger="shequ.core.crypto"):
        encrypt("x", purpose=ID)
    assert "DEMO keys" in caplog.text

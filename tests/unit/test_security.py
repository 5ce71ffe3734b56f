"""Passwords and tokens at rest."""
from helpdesk.auth.security import hash_password, hash_token, new_api_token, password_problem, verify_password


def test_password_hash_verifies_and_hides_the_password():
    stored = hash_password("s3cret-password")
    assert stored.startswith("$argon2id$")
    assert "s3cret" not in stored
    assert verify_password(stored, "s3cret-password")
    assert not verify_password(stored, "S3cret-password")


def test_no_hash_never_verifies():
    assert not verify_password(None, "anything")
    assert not verify_password("garbage", "anything")


def test_tokens_are_unique_and_hashed():
    a, b = new_api_token(), new_api_token()
    assert a != b and len(a) > 40
    assert hash_token(a) != a and len(hash_token(a)) == 64


def test_short_passwords_are_refused():
    assert password_problem("short") is not None
    assert password_problem("long enough") is None

"""core/tokens.py: the one signing module. Purposes never cross, shapes are checked, old links still work."""

from datetime import timedelta

import pytest
from django.core import signing

from core.tokens import BadToken, token_make, token_read


def test_a_token_reads_back_its_parts_for_its_own_purpose():
    token = token_make(purpose="offers.unsubscribe", parts=[3, 41])
    assert token_read(token, purpose="offers.unsubscribe", shape=(int, int)) == (3, 41)


def test_a_token_of_another_purpose_is_refused():
    token = token_make(purpose="offers.open", parts=[7])
    with pytest.raises(BadToken):
        token_read(token, purpose="offers.click", shape=(int,))


@pytest.mark.parametrize("shape", [(int, int), (str,), (int, str)])
def test_a_payload_of_another_shape_is_refused(shape):
    token = token_make(purpose="p", parts=[7])
    with pytest.raises(BadToken):
        token_read(token, purpose="p", shape=shape)


def test_a_boolean_is_not_taken_for_an_id():
    token = signing.dumps([True], salt="p", compress=True)
    with pytest.raises(BadToken):
        token_read(token, purpose="p", shape=(int,))


def test_a_tampered_token_is_refused():
    token = token_make(purpose="p", parts=[1, "/clubs/"])
    with pytest.raises(BadToken):
        token_read(token[:-2] + ("xx" if not token.endswith("xx") else "yy"), purpose="p", shape=(int, str))


def test_a_token_older_than_its_max_age_is_refused():
    token = token_make(purpose="p", parts=[5])
    assert token_read(token, purpose="p", shape=(int,), max_age=timedelta(days=1)) == (5,)
    with pytest.raises(BadToken):
        token_read(token, purpose="p", shape=(int,), max_age=timedelta(seconds=-1))


def test_links_sent_before_the_one_token_module_keep_working():
    plain = signing.Signer(salt="offers.open").sign("42")
    stamped = signing.TimestampSigner(salt="analytics.nps-survey").sign("9")
    assert token_read(plain, purpose="offers.open", shape=(int,), legacy_id=True) == (42,)
    assert token_read(
        stamped, purpose="analytics.nps-survey", shape=(int,), max_age=timedelta(days=91), legacy_id=True
    ) == (9,)
    with pytest.raises(BadToken):
        token_read(plain, purpose="offers.click", shape=(int,), legacy_id=True)
    with pytest.raises(BadToken):
        token_read(plain, purpose="offers.open", shape=(int,))


@pytest.mark.parametrize("garbage", ["", ":", "abc", "a:b:c", ".eJw:x:y", "9" * 500, "WzFd:1:2"])
def test_garbage_is_refused_as_a_bad_token_never_another_error(garbage):
    with pytest.raises(BadToken):
        token_read(garbage, purpose="p", shape=(int,), legacy_id=True)
    with pytest.raises(BadToken):
        token_read(garbage, purpose="p", shape=(int,), max_age=timedelta(days=1), legacy_id=True)

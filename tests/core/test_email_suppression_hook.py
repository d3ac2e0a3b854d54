"""The suppression hook of the one email pipeline: a single check per address, and its bulk form for a fan-out."""

import pytest

from core import emails
from members.models import EmailSuppression
from members.services import SUPPRESSION_LOOKUP_SIZE, email_is_suppressed, emails_suppressed


@pytest.fixture
def only_checks(monkeypatch):
    """``only_checks(*(check, bulk))``: the pipeline's registry holds exactly these checks."""

    def install(*pairs):
        monkeypatch.setattr(emails, "_suppression_checks", [])
        monkeypatch.setattr(emails, "_suppression_bulk_forms", {})
        for check, bulk in pairs:
            emails.suppression_check_register(check, bulk=bulk)

    return install


def test_members_registers_the_bulk_form_beside_the_single_check():
    assert email_is_suppressed in emails._suppression_checks
    assert emails._suppression_bulk_forms[email_is_suppressed] is emails_suppressed


def test_emails_blocked_asks_a_bulk_form_once_for_all_addresses(only_checks):
    calls = []

    def single(address):
        raise AssertionError("a check with a bulk form is not asked address by address")

    def bulk(addresses):
        calls.append(set(addresses))
        return {address for address in addresses if address.startswith("b")}

    only_checks((single, bulk))
    assert emails.emails_blocked(["a@example.com", "b@example.com", "c@example.com"]) == {"b@example.com"}
    assert calls == [{"a@example.com", "b@example.com", "c@example.com"}]


def test_emails_blocked_asks_a_check_without_bulk_form_per_address_and_unions_every_check(only_checks):
    only_checks((lambda address: address == "a@example.com", None), (lambda address: address == "c@example.com", None))
    assert emails.emails_blocked(["a@example.com", "b@example.com", "c@example.com"]) == {
        "a@example.com",
        "c@example.com",
    }
    assert emails.email_is_blocked("c@example.com") and not emails.email_is_blocked("b@example.com")


def test_emails_blocked_ignores_addresses_a_bulk_form_was_not_asked_about(only_checks):
    only_checks((lambda address: False, lambda addresses: {"someone-else@example.com"}))
    assert emails.emails_blocked(["a@example.com"]) == set()


@pytest.mark.django_db
def test_bulk_suppression_matches_the_single_check_case_and_spaces_included():
    EmailSuppression.objects.create(email="bounced@example.com", reason="bounced")
    given = ["Bounced@Example.com", " bounced@example.com", "kept@example.com"]
    expected = {address for address in given if email_is_suppressed(address)}
    assert expected == {"Bounced@Example.com", " bounced@example.com"}  # each returned as it was given
    assert emails_suppressed(given) == expected


@pytest.mark.django_db
def test_bulk_suppression_answers_for_more_addresses_than_one_query_holds(django_assert_max_num_queries):
    count = SUPPRESSION_LOOKUP_SIZE * 2 + 1
    given = [f"member{index}@example.com" for index in range(count)]
    EmailSuppression.objects.bulk_create(
        [EmailSuppression(email=given[index], reason="bounced") for index in (0, SUPPRESSION_LOOKUP_SIZE, count - 1)]
    )
    with django_assert_max_num_queries(3):  # ceil(1001 / 500)
        found = emails_suppressed(given)
    assert found == {given[0], given[SUPPRESSION_LOOKUP_SIZE], given[count - 1]}

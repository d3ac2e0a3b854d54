"""customer_adopt: an existing Stripe customer becomes one member's customer, never two members', never a second one."""

import pytest

from billing.exceptions import BillingError
from billing.models import StripeCustomer
from billing.services.customers import customer_adopt
from core.exceptions import DomainError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_adopting_a_customer_links_it_to_the_member_with_their_email():
    user = UserFactory(email="ada@example.com")
    customer = customer_adopt(user=user, stripe_customer_id="cus_ada")
    assert StripeCustomer.objects.get(user=user) == customer
    assert (customer.stripe_customer_id, customer.email, customer.deleted_at) == ("cus_ada", "ada@example.com", None)


def test_a_customer_already_linked_to_another_member_is_refused_and_nothing_changes():
    owner = UserFactory()
    customer_adopt(user=owner, stripe_customer_id="cus_shared")
    other = UserFactory()
    with pytest.raises(DomainError, match="customer of another member"):
        customer_adopt(user=other, stripe_customer_id="cus_shared")
    assert list(StripeCustomer.objects.values_list("user_id", "stripe_customer_id")) == [(owner.pk, "cus_shared")]


def test_a_member_who_already_pays_as_another_customer_is_refused_and_nothing_changes():
    user = UserFactory()
    customer_adopt(user=user, stripe_customer_id="cus_first")
    with pytest.raises(BillingError, match="another Stripe customer"):
        customer_adopt(user=user, stripe_customer_id="cus_second")
    assert list(StripeCustomer.objects.values_list("stripe_customer_id", flat=True)) == ["cus_first"]


def test_adopting_the_same_pair_again_changes_nothing():
    user = UserFactory(email="ada@example.com")
    first = customer_adopt(user=user, stripe_customer_id="cus_ada")
    before = StripeCustomer.objects.values().get()
    again = customer_adopt(user=user, stripe_customer_id="cus_ada")
    assert again.pk == first.pk
    assert StripeCustomer.objects.values().get() == before  # not even updated_at moved: no write


def test_a_subscription_without_a_customer_is_refused():
    user = UserFactory()
    with pytest.raises(BillingError):
        customer_adopt(user=user, stripe_customer_id="")
    assert not StripeCustomer.objects.exists()

import pytest

from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def member_of():
    """A member with access to ``club`` (an active membership)."""

    def make(club, **user_fields):
        return MembershipFactory(club=club, plan=club.plans.first(), user=UserFactory(**user_fields)).user

    return make

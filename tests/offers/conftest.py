import pytest

from clubs.models import MembershipStatus
from tests.factories import MembershipFactory, UserFactory
from tests.offers.factories import OfferFactory


@pytest.fixture
def offer(club):
    return OfferFactory(club=club, title="Nutritionist session")


@pytest.fixture
def make_members(club):
    """``make_members(n, **user_fields)``: n active members of the club."""

    def make(count: int, *, status=MembershipStatus.ACTIVE, plan=None, **user_fields):
        users = []
        for _ in range(count):
            user = UserFactory(**user_fields)
            MembershipFactory(user=user, club=club, plan=plan or club.plans.first(), status=status)
            users.append(user)
        return users

    return make

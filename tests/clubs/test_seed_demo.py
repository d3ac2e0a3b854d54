import pytest
from django.core.management import call_command

from clubs.models import Club, Membership, MembershipStatus, Plan
from clubs.pricing import plan_pricing
from members.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_covers_every_status(capsys):
    call_command("seed_demo")
    counts = (Club.objects.count(), Plan.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Club.objects.count(), Plan.objects.count(), User.objects.count(), Membership.objects.count()) == counts

    club = Club.objects.get(slug="healthy-and-happy")
    assert set(club.memberships.values_list("status", flat=True)) == set(MembershipStatus.values)
    assert club.leaders.filter(email="leader@example.com").exists()
    assert User.objects.get(email="staff@example.com").is_staff
    prices = {plan.name: (plan.price_minor, plan.is_most_popular) for plan in club.plans.all()}
    assert prices == {"Monthly": (500, False), "6 months": (2700, False), "Yearly": (4800, True)}
    assert [item.saving_percent for item in plan_pricing(list(club.plans.all()))] == [0, 10, 20]
    assert "member@example.com" in capsys.readouterr().out


def test_demo_logins_work(client):
    call_command("seed_demo")
    assert client.login(email="member@example.com", password="returnpath-demo")

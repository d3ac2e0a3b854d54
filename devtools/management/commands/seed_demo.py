"""Seed the demo: the Healthy and Happy Club with a leader, staff, and a member in each status.

Idempotent: running it again updates the same rows and creates nothing twice.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clubs.consent import consent_set
from clubs.models import Club, ConsentPurpose, ConsentSource, Membership, MembershipStatus, Plan
from clubs.services import membership_request, membership_transition
from devtools.demo.events import seed_events_demo
from devtools.demo.feed import seed_feed_demo
from devtools.demo.offers import seed_offers_demo
from members.models import User

DEMO_PASSWORD = "returnpath-demo"

CLUBS = [
    {
        "slug": "healthy-and-happy",
        "name": "Healthy and Happy Club",
        "tagline": "Keep the habits from your healthy-living course, together.",
        "description": (
            "You finished the course; now keep going with people who did too.\n\n"
            "Members meet every week, share what they achieved, and get offers only members get: "
            "a lower price on new products and sessions with our nutritionist."
        ),
        "time_zone": "America/New_York",
        "currency": "USD",
        "plans": [
            ("Monthly", "month", 1, 500, False, 0),
            ("6 months", "month", 6, 2700, False, 0),
            ("Yearly", "year", 1, 4800, True, 0),
        ],
    },
    {
        "slug": "mindful-runners",
        "name": "Mindful Runners",
        "tagline": "Weekly group runs and a calmer mind.",
        "description": "A running club for every pace. We run, we breathe, we cheer each other on.",
        "time_zone": "Europe/Berlin",
        "currency": "EUR",
        "plans": [
            ("Monthly", "month", 1, 900, False, 14),
            ("Yearly", "year", 1, 9000, True, 14),
        ],
    },
]

# email, display name, status in the Healthy and Happy Club
MEMBERS = [
    ("pending@example.com", "Pat Pending", MembershipStatus.PENDING),
    ("trial@example.com", "Tara Trial", MembershipStatus.TRIALING),
    ("member@example.com", "Mona Member", MembershipStatus.ACTIVE),
    ("pastdue@example.com", "Paul Pastdue", MembershipStatus.PAST_DUE),
    ("canceled@example.com", "Cara Canceled", MembershipStatus.CANCELED),
    ("expired@example.com", "Ezra Expired", MembershipStatus.EXPIRED),
]


class Command(BaseCommand):
    help = "Create or refresh the demo clubs, leader, staff user and members (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        clubs = [self._club(spec) for spec in CLUBS]
        healthy, runners = clubs
        leader = self._user("leader@example.com", "Lea Leader")
        runners_leader = self._user("runner-leader@example.com", "Rui Runner")
        staff = self._user("staff@example.com", "Sam Staff", is_staff=True, is_superuser=True)
        healthy.leaders.add(leader)
        runners.leaders.add(runners_leader)

        yearly = healthy.plans.get(name="Yearly")
        for email, name, status in MEMBERS:
            self._membership(self._user(email, name), healthy, yearly, status, staff)
        seed_feed_demo(club=healthy)
        seed_events_demo(club=healthy, leader=leader)
        seed_offers_demo(club=healthy, leader=leader)

        self.stdout.write(self.style.SUCCESS(f"Demo ready. Log in at {settings.SITE_URL}/accounts/login/"))
        self.stdout.write(f"Every demo account's password: {DEMO_PASSWORD}")
        rows = [
            ("staff@example.com", "staff (Django admin at /admin/)"),
            ("leader@example.com", f"leader of {healthy}"),
        ]
        rows += [("runner-leader@example.com", f"leader of {runners}")]
        rows += [(email, f"{status.label} member of {healthy}") for email, _, status in MEMBERS]
        for email, role in rows:
            self.stdout.write(f"  {email:<28} {role}")

    def _club(self, spec: dict) -> Club:
        club, _ = Club.objects.update_or_create(
            slug=spec["slug"],
            defaults={key: spec[key] for key in ("name", "tagline", "description", "time_zone", "currency")},
        )
        for order, (name, interval, count, price, popular, trial) in enumerate(spec["plans"]):
            Plan.objects.update_or_create(
                club=club,
                name=name,
                defaults={
                    "interval": interval,
                    "interval_count": count,
                    "price_minor": price,
                    "currency": club.currency,
                    "is_most_popular": popular,
                    "trial_days": trial,
                    "order": order,
                    "is_active": True,
                },
            )
        return club

    def _user(self, email: str, name: str, **flags) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={"display_name": name, **flags})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        return user

    def _membership(self, user: User, club: Club, plan: Plan, status: str, staff: User) -> None:
        if Membership.objects.filter(user=user, club=club).exists():
            return
        membership = membership_request(user=user, club=club, plan=plan)
        for purpose in ConsentPurpose.values:  # demo members said yes to offers and club emails when they joined
            consent_set(user=user, club=club, purpose=purpose, given=True, source=ConsentSource.CHECKOUT)
        now = timezone.now()
        path = {
            MembershipStatus.PENDING: [],
            MembershipStatus.TRIALING: [MembershipStatus.TRIALING],
            MembershipStatus.ACTIVE: [MembershipStatus.ACTIVE],
            MembershipStatus.PAST_DUE: [MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE],
            MembershipStatus.CANCELED: [MembershipStatus.ACTIVE, MembershipStatus.CANCELED],
            MembershipStatus.EXPIRED: [MembershipStatus.ACTIVE, MembershipStatus.EXPIRED],
        }[status]
        for step in path:
            membership_transition(membership=membership, to_status=step, actor=staff, reason="Demo data", at=now)
        if status in (MembershipStatus.TRIALING, MembershipStatus.ACTIVE):
            membership.current_period_end = now + timedelta(days=14 if status == MembershipStatus.TRIALING else 365)
            membership.save(update_fields=["current_period_end", "updated_at"])

import pytest
from django.urls import reverse

from billing.selectors import mrr_by_club_and_plan, mrr_totals_by_currency
from clubs.services import membership_grant_complimentary
from tests.billing.flows import join_and_pay
from tests.factories import PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_mrr_normalises_each_plan_to_a_month_and_leaves_out_trials_and_complimentary(
    client, club, stripe_emulator, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    monthly, six, yearly = club.plans.order_by("order")
    for plan in (monthly, monthly, six, yearly):
        join_and_pay(client, stripe_emulator, capture, user=UserFactory(), plan=plan)
    trial_plan = PlanFactory(club=club, name="Trial monthly", price_minor=500, trial_days=14, order=5)
    join_and_pay(client, stripe_emulator, capture, user=UserFactory(), plan=trial_plan)
    membership_grant_complimentary(user=UserFactory(), club=club, actor=UserFactory(is_staff=True), reason="Partner")

    rows = {row.plan: row for row in mrr_by_club_and_plan()}
    assert (rows["Monthly"].subscriptions, rows["Monthly"].mrr_minor) == (2, 1000)
    assert (rows["6 months"].subscriptions, rows["6 months"].mrr_minor) == (1, 450)
    assert (rows["Yearly"].subscriptions, rows["Yearly"].mrr_minor) == (1, 400)
    assert "Trial monthly" not in rows
    assert mrr_totals_by_currency(list(rows.values())) == {"USD": 1850}


def test_billing_overview_is_for_staff_only(client, club):
    url = reverse("billing-overview")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 302
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(url)
    assert response.status_code == 200 and "MRR" in response.content.decode()

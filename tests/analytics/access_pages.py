"""Access-matrix rows for the analytics app's URLs (collected by tests/test_access_matrix.py).

Club dashboards are for the club's leaders and staff, the all-clubs dashboard for staff; everyone
else gets 404. The NPS answer page is opened by its signed link alone, whoever follows it.
"""

from django.urls import reverse

from analytics.services.nps import survey_token
from tests.access import LEADERS_ONLY, MFA_SETUP, Page, everyone, signed_in
from tests.analytics.factories import NpsSurveyFactory
from tests.factories import MembershipFactory

STAFF_ONLY = {**signed_in(404), "staff": 200, "staff_without_mfa": MFA_SETUP}


def nps_answer_url(club):
    survey = NpsSurveyFactory(membership=MembershipFactory(club=club, plan=club.plans.first()))
    return reverse("analytics:nps-answer", args=[survey_token(survey=survey)])


PAGES = [
    Page("club-dashboard", lambda club: reverse("analytics:club-dashboard", args=[club.slug]), LEADERS_ONLY),
    Page(
        "club-dashboard-csv",
        lambda club: reverse("analytics:club-dashboard-csv", args=[club.slug, "summary"]),
        LEADERS_ONLY,
    ),
    Page("nps-settings", lambda club: reverse("analytics:nps-settings", args=[club.slug]), LEADERS_ONLY),
    Page("staff-dashboard", lambda club: reverse("analytics:staff-dashboard"), STAFF_ONLY),
    Page("staff-dashboard-csv", lambda club: reverse("analytics:staff-dashboard-csv", args=["summary"]), STAFF_ONLY),
    Page("nps-answer", nps_answer_url, everyone(200)),
]

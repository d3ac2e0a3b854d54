"""NPS: the score's edges, surveys sent after N days then every quarter, one answer per survey."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from analytics.exceptions import AnalyticsError
from analytics.models import ClubNpsSettings, NpsResponse, NpsSurvey
from analytics.selectors.nps import NpsFigures, nps_for, nps_trend
from analytics.selectors.period import Period
from analytics.services.nps import nps_answer_record, nps_surveys_create, survey_from_token, survey_token
from analytics.tasks import send_nps_surveys
from clubs.models import Club, MembershipStatus
from tests.analytics.factories import NpsSurveyFactory, nps_answer
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

MARCH = datetime(2026, 3, 10, tzinfo=UTC)


def score_of(club, scores):
    for score in scores:
        nps_answer(club=club, score=score, at=MARCH)
    return nps_for(
        clubs=Club.objects.filter(pk=club.pk), start=MARCH - timedelta(days=1), end=MARCH + timedelta(days=1)
    )


def test_all_promoters_score_plus_100(club):
    assert score_of(club, [9, 10, 10]).score == 100


def test_all_detractors_score_minus_100(club):
    figures = score_of(club, [0, 3, 6])
    assert (figures.score, figures.detractors, figures.promoters) == (-100, 3, 0)


def test_no_answers_means_no_score(club):
    figures = score_of(club, [])
    assert (figures.answers, figures.score, figures.share(0)) == (0, None, None)


def test_passives_count_in_the_total_but_on_neither_side(club):
    # 5 promoters, 3 passives, 2 detractors: 50 % - 20 % = 30.
    figures = score_of(club, [9, 9, 10, 10, 10, 7, 8, 8, 6, 0])
    assert (figures.promoters, figures.passives, figures.detractors, figures.score) == (5, 3, 2, 30)


def test_all_passives_score_zero():
    assert NpsFigures(answers=4, promoters=0, detractors=0).score == 0


def test_trend_gives_the_score_per_month(club):
    nps_answer(club=club, score=10, at=datetime(2026, 1, 5, tzinfo=UTC))
    nps_answer(club=club, score=0, at=datetime(2026, 2, 5, tzinfo=UTC))
    nps_answer(club=club, score=10, at=datetime(2026, 2, 6, tzinfo=UTC), comment="Great people")
    period = Period(first_day=datetime(2026, 1, 1).date(), last_day=datetime(2026, 2, 28).date())
    trend = nps_trend(clubs=Club.objects.filter(pk=club.pk), period=period)
    assert [(month.month.month, month.figures.score) for month in trend] == [(1, 100), (2, 0)]


def _member(club, *, days: int, now: datetime, status=MembershipStatus.ACTIVE):
    return MembershipFactory(club=club, plan=club.plans.first(), status=status, started_at=now - timedelta(days=days))


def test_first_survey_goes_out_after_the_club_s_number_of_days(club):
    now = datetime(2026, 5, 1, 10, tzinfo=UTC)
    ClubNpsSettings.objects.create(club=club, first_after_days=14, repeat_every_days=91)
    due = _member(club, days=14, now=now)
    _member(club, days=13, now=now)
    _member(club, days=200, now=now, status=MembershipStatus.CANCELED)

    created = nps_surveys_create(now=now)

    assert list(NpsSurvey.objects.filter(pk__in=created).values_list("membership", "round")) == [(due.pk, 1)]


def test_surveys_repeat_each_quarter_and_a_second_run_creates_nothing(club):
    now = datetime(2026, 5, 1, 10, tzinfo=UTC)
    member = _member(club, days=40, now=now)
    assert len(nps_surveys_create(now=now)) == 1
    assert nps_surveys_create(now=now) == []
    assert nps_surveys_create(now=now + timedelta(days=90)) == []
    assert len(nps_surveys_create(now=now + timedelta(days=91))) == 1
    assert list(member.nps_surveys.order_by("round").values_list("round", flat=True)) == [1, 2]


def test_clubs_that_switched_surveys_off_send_none(club):
    now = datetime(2026, 5, 1, 10, tzinfo=UTC)
    ClubNpsSettings.objects.create(club=club, is_enabled=False)
    _member(club, days=100, now=now)
    assert nps_surveys_create(now=now) == []


def test_the_task_emails_each_survey_once_with_a_signed_link(club, django_capture_on_commit_callbacks):
    member = MembershipFactory(club=club, plan=club.plans.first(), started_at=datetime(2025, 1, 1, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=True):
        send_nps_surveys()
    with django_capture_on_commit_callbacks(execute=True):
        send_nps_surveys()
    survey = NpsSurvey.objects.get(membership=member)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [member.user.email]
    token = re.search(r"/nps/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert survey_from_token(token=token) == survey
    assert survey.emailed_at is not None


def test_a_survey_takes_one_answer_only(club):
    survey = NpsSurveyFactory(membership=MembershipFactory(club=club, plan=club.plans.first()))
    nps_answer_record(survey=survey, score=9, comment="  Lovely  ")
    with pytest.raises(AnalyticsError):
        nps_answer_record(survey=survey, score=2, comment="")
    answer = NpsResponse.objects.get(survey=survey)
    assert (answer.score, answer.comment, answer.category) == (9, "Lovely", "promoter")


def test_scores_outside_0_to_10_are_refused(club):
    survey = NpsSurveyFactory(membership=MembershipFactory(club=club, plan=club.plans.first()))
    with pytest.raises(AnalyticsError):
        nps_answer_record(survey=survey, score=11, comment="")
    assert not NpsResponse.objects.exists()


def test_answer_page_records_the_answer_and_then_thanks(client, club):
    survey = NpsSurveyFactory(membership=MembershipFactory(club=club, plan=club.plans.first()))
    url = reverse("analytics:nps-answer", args=[survey_token(survey=survey)])
    assert "How likely are you to recommend" in client.get(url).content.decode()

    response = client.post(url, {"score": "8", "comment": "Good walks"}, follow=True)

    assert NpsResponse.objects.get(survey=survey).score == 8
    assert "We have your answer" in response.content.decode()
    client.post(url, {"score": "0"})
    assert NpsResponse.objects.get(survey=survey).score == 8


def test_answer_page_refuses_a_bad_score_without_saving(client, club):
    survey = NpsSurveyFactory(membership=MembershipFactory(club=club, plan=club.plans.first()))
    url = reverse("analytics:nps-answer", args=[survey_token(survey=survey)])
    response = client.post(url, {"score": "12"})
    assert response.status_code == 200 and not NpsResponse.objects.exists()


def test_an_altered_link_answers_404(client, club):
    survey = NpsSurveyFactory(membership=MembershipFactory(club=club, plan=club.plans.first()))
    token = survey_token(survey=survey)
    other = str(survey.pk + 1) + token[len(str(survey.pk)) :]
    assert client.get(reverse("analytics:nps-answer", args=[other])).status_code == 404


def test_leaders_change_when_their_members_are_asked(client, club):
    leader = MembershipFactory(club=club).user
    club.leaders.add(leader)
    client.force_login(leader)
    url = reverse("analytics:nps-settings", args=[club.slug])
    response = client.post(url, {"is_enabled": "on", "first_after_days": "10", "repeat_every_days": "120"})
    assert response.status_code == 302
    settings = ClubNpsSettings.objects.get(club=club)
    assert (settings.first_after_days, settings.repeat_every_days) == (10, 120)
    response = client.post(url, {"first_after_days": "0", "repeat_every_days": "5"})
    assert response.status_code == 200
    assert ClubNpsSettings.objects.get(club=club).first_after_days == 10

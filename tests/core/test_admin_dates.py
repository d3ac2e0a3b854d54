"""Admin date inputs are bounded against overflow, yet staff can still record the past (a birthday in 1970)."""

import datetime as dt

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError

from members.models import User


@pytest.fixture
def birthday_field(rf):
    model_admin = admin.site._registry[User]
    return model_admin.formfield_for_dbfield(User._meta.get_field("birthday"), request=rf.get("/admin/"))


def test_staff_can_record_a_birthday_before_2000_in_admin(birthday_field):
    assert birthday_field.clean(dt.date(1970, 5, 1)) == dt.date(1970, 5, 1)


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
def test_admin_dates_at_the_calendars_ends_are_refused_with_a_message(birthday_field, day):
    with pytest.raises(ValidationError):
        birthday_field.clean(day)
    assert birthday_field.widget.attrs["min"] == "1900-01-01"

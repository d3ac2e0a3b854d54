"""Who may use the Django admin: staff, signed in through allauth, with two-factor authentication.

The admin's own log-in form checks only a password and has no rate limit; ``secure_admin_login``
(allauth's documented recipe) sends it to allauth's log-in instead, where the TOTP step and the
log-in rate limits apply. ``StaffMfaMiddleware`` then refuses the admin to staff who have not set up
two-factor authentication when ``REQUIRE_STAFF_MFA`` is on (the production default). Outside the
admin, staff without two-factor have no staff powers at all (``members.permissions``); a page that only
staff powers would open raises ``StaffMfaRequired``, which this middleware turns into the same redirect.
"""

from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from core.ratelimit import admin_login_limited
from members.permissions import StaffMfaRequired, user_is_staff_without_mfa


def admin_login(login_view):
    """Wrap ``admin.site.login``: through allauth, and limited even if someone posts to it directly."""
    return admin_login_limited(secure_admin_login(login_view))


class StaffMfaMiddleware:
    """After authentication and messages: staff without MFA are sent to set it up before any admin page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if getattr(settings, "REQUIRE_STAFF_MFA", False) and self.must_set_up_mfa(request):
            messages.warning(
                request,
                _(
                    "Staff must use two-factor authentication to open the admin. Set up an authenticator app "
                    "below, then go back to the admin."
                ),
            )
            return redirect("mfa_index")
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, StaffMfaRequired):
            messages.warning(
                request,
                _(
                    "Staff powers need two-factor authentication. Set up an authenticator app below, then open "
                    "the page again."
                ),
            )
            return redirect("mfa_index")
        return None

    @staticmethod
    def must_set_up_mfa(request) -> bool:
        if not request.path.startswith(reverse("admin:index")):
            return False
        return user_is_staff_without_mfa(getattr(request, "user", None))

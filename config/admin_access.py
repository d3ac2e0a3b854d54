"""Who may use the Django admin: staff, signed in through allauth, with two-factor authentication.

The admin's own log-in form checks only a password and has no rate limit; ``secure_admin_login``
(allauth's documented recipe) sends it to allauth's log-in instead, where the TOTP step and the
log-in rate limits apply. ``StaffMfaMiddleware`` then refuses the admin to staff who have not set up
two-factor authentication when ``REQUIRE_STAFF_MFA`` is on (the production default).
"""

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from core.ratelimit import admin_login_limited


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

    @staticmethod
    def must_set_up_mfa(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return False
        if not request.path.startswith(reverse("admin:index")):
            return False
        return not is_mfa_enabled(user)

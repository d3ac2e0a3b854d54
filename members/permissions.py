"""Staff powers, written once: what makes an account staff for every page, query and admin screen.

With ``REQUIRE_STAFF_MFA`` (the production default) an account is staff only once it has an
authenticator (TOTP) set up: a stolen staff password alone must not open every club's members,
exports and analytics. Everywhere staff status grants access asks ``user_has_staff_powers`` (or, in a
query over many people, ``staff_powers_q``); nothing reads ``is_staff`` on its own to grant access.
A staff account without two-factor that opens a page only staff may open gets ``StaffMfaRequired``,
which ``config.admin_access.StaffMfaMiddleware`` turns into a redirect to the two-factor setup.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

# Recovery codes alone are not a second factor: they exist only alongside an authenticator app.
MFA_TYPES = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


class StaffMfaRequired(PermissionDenied):
    """Raised where staff powers would be needed by a staff account that has not set up two-factor."""


def staff_mfa_required() -> bool:
    return bool(getattr(settings, "REQUIRE_STAFF_MFA", False))


def _has_mfa(user) -> bool:
    cached = getattr(user, "_returnpath_has_mfa", None)
    if cached is None:
        cached = is_mfa_enabled(user, types=MFA_TYPES)
        user._returnpath_has_mfa = cached  # one query per request and user
    return cached


def user_has_staff_powers(user) -> bool:
    """Staff, and (when two-factor is required) with an authenticator set up."""
    if user is None or not user.is_authenticated or not user.is_staff:
        return False
    return not staff_mfa_required() or _has_mfa(user)


def user_is_staff_without_mfa(user) -> bool:
    """A staff account that must set up two-factor before it is staff anywhere."""
    if user is None or not user.is_authenticated or not user.is_staff:
        return False
    return staff_mfa_required() and not _has_mfa(user)


def staff_powers_q(*, user_path: str = "") -> Q:
    """``user_has_staff_powers`` as a filter on rows whose ``user_path`` is a user ("" for User rows)."""
    prefix = f"{user_path}__" if user_path else ""
    powers = Q(**{f"{prefix}is_staff": True})
    if staff_mfa_required():
        authenticator = Authenticator.objects.filter(user=OuterRef(user_path or "pk"), type__in=MFA_TYPES)
        powers &= Q(Exists(authenticator))
    return powers


def require_staff_powers(user) -> None:
    """For staff-only pages: staff without two-factor are sent to set it up, everyone else gets nothing."""
    if user_has_staff_powers(user):
        return
    if user_is_staff_without_mfa(user):
        raise StaffMfaRequired
    raise Http404

from django.utils.functional import SimpleLazyObject

from clubs.selectors import clubs_led_by


def navigation(request):
    """Clubs the viewer leads, for the leader menu; evaluated only when a template uses it."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"nav_led_clubs": SimpleLazyObject(lambda: list(clubs_led_by(user=user)))}

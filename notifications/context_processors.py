from functools import cache

from notifications.selectors import unread_count


def bell(request):
    """The bell's unread count for signed-in people: one COUNT, run only when a template shows it, at most once.

    A template calls the callable when it resolves ``bell_unread``; ``cache`` keeps the answer for the request.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"bell_unread": cache(lambda: unread_count(user=user))}

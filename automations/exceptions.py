class AutomationError(Exception):
    """A rule of automations, referrals or cancellation refused the request; the message is shown to the user."""

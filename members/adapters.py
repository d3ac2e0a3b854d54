"""The one place where allauth is customised (see allauth's adapter docs)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request: HttpRequest, user) -> None:
        """There is no username field; email is the login."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

"""Django's password length rule, with its number in the reader's digits (Arabic and Persian pages).

Django formats "at least %(min_length)d characters" with ASCII digits; the wording and its translations stay
Django's own, only the digits change, so there is no new string to translate.
"""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError

from core.formatting import native_digits


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError as error:
            raise ValidationError(
                [native_digits(message) for message in error.messages], code="password_too_short"
            ) from None

    def get_help_text(self):
        return native_digits(super().get_help_text())

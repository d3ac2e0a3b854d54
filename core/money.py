"""Money is integer minor units plus an ISO currency code, exactly as Stripe stores it."""

import functools
from decimal import Decimal

from babel.numbers import get_currency_symbol

from core.formatting import active_language, locale_object, native_digits, number_format

# Stripe's lists: https://docs.stripe.com/currencies (zero- and three-decimal currencies).
ZERO_DECIMAL_CURRENCIES = frozenset(
    ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
)
THREE_DECIMAL_CURRENCIES = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])

CURRENCY_CHOICES = [
    (code, code)
    for code in (
        [
            "USD",
            "EUR",
            "GBP",
            "CHF",
            "CAD",
            "AUD",
            "AED",
            "SAR",
            "QAR",
            "KWD",
            "BHD",
            "OMR",
            "JOD",
            "EGP",
            "MAD",
            "TRY",
            "SEK",
            "NOK",
            "DKK",
            "PLN",
            "JPY",
        ]
    )
]


def currency_exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    if code in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def to_major(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-currency_exponent(currency))


def format_money(amount_minor: int, currency: str, *, language: str | None = None) -> str:
    """Format for display in the active (or given) language; never for storage.

    CLDR (through Babel) places the club's currency symbol for the locale ("$48.00" in English, "48,00 $" in
    German, the amount in Arabic-Indic digits then "US$" in Arabic); the decimals follow Stripe's exponent for
    the currency, and the digits are the locale's own.
    """
    code = currency.upper()
    language = active_language(language)
    text = number_format(language, "currency", decimal_pos=currency_exponent(code), currency=code).apply(
        to_major(amount_minor, code)
    )
    text = _space_letter_symbol(text, _currency_symbol(code, language))
    return native_digits(text, language)


@functools.lru_cache(maxsize=256)
def _currency_symbol(code: str, language: str) -> str:
    return get_currency_symbol(code, locale=locale_object(language))


def _space_letter_symbol(text: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: "AED\u00a027.00", never "AED27.00"."""
    if symbol[-1:].isalpha():
        for digit in "0123456789":
            text = text.replace(symbol + digit, f"{symbol}\u00a0{digit}")
    if symbol[:1].isalpha():
        for digit in "0123456789":
            text = text.replace(digit + symbol, f"{digit}\u00a0{symbol}")
    return text


# Stripe refuses a charge above 99,999,999 minor units ($999,999.99) in every currency: the ceiling of every price.
STRIPE_MAX_AMOUNT_MINOR = 99_999_999


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount in the currency's units ("25.00" dollars, "2500" yen) as integer minor units; exact or refused.

    Raises ValueError when the amount has more decimals than the currency has (25.005 dollars is no price).
    """
    minor = Decimal(amount).scaleb(currency_exponent(currency))
    if not minor.is_finite() or minor != minor.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency} has")
    return int(minor)

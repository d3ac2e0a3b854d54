"""Money is integer minor units plus an ISO currency code, exactly as Stripe stores it."""

from decimal import Decimal

from django.utils.formats import number_format

# Stripe's lists: https://docs.stripe.com/currencies (zero- and three-decimal currencies).
ZERO_DECIMAL_CURRENCIES = frozenset(
    ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
)
THREE_DECIMAL_CURRENCIES = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

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


def format_money(amount_minor: int, currency: str) -> str:
    """Format for display with the active locale's digits and separators; never for storage."""
    exponent = currency_exponent(currency)
    number = number_format(to_major(amount_minor, currency), decimal_pos=exponent, use_l10n=True)
    code = currency.upper()
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{symbol}{number}" if symbol else f"{number}\u00a0{code}"

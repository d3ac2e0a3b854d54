"""Django ships no date-and-time pattern for Arabic, so its English "N j, Y, P" order would show; this is the
Arabic order. Everything not set here comes from Django's own ``django.conf.locale.ar.formats``."""

DATETIME_FORMAT = "j F، Y، g:i A"
SHORT_DATETIME_FORMAT = "d/m/Y g:i A"

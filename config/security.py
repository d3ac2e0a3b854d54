"""Security headers on every response, HTML pages, admin, static files and JSON alike.

Django's own middleware already sets X-Frame-Options (XFrameOptionsMiddleware), Referrer-Policy,
X-Content-Type-Options, Cross-Origin-Opener-Policy and, in production over HTTPS, HSTS
(SecurityMiddleware). This adds what Django lacks: a strict Content-Security-Policy and a
Permissions-Policy. The policy allows no inline script or style at all, so an injected ``<script>``
or ``style=""`` does nothing; pages put their JS and CSS in static files instead.
"""

from django.conf import settings

# Stripe Checkout and the Customer Portal are reached by a POST that redirects there; browsers
# check form-action against redirects too, so those hosts must be listed.
DEFAULT_FORM_ACTION_HOSTS = ("https://checkout.stripe.com", "https://billing.stripe.com")

DEFAULT_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)


def content_security_policy() -> str:
    form_action = " ".join(["'self'", *getattr(settings, "CSP_FORM_ACTION_HOSTS", DEFAULT_FORM_ACTION_HOSTS)])
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        # Bootstrap's CSS draws checkboxes and selects with data: SVGs; the TOTP QR code is a data: SVG.
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
        "form-action": form_action,
    }
    report_uri = getattr(settings, "CSP_REPORT_URI", "")
    if report_uri:
        directives["report-uri"] = report_uri
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Placed right after SecurityMiddleware, so it wraps WhiteNoise's static responses too."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()
        self.header = (
            "Content-Security-Policy-Report-Only"
            if getattr(settings, "CSP_REPORT_ONLY", False)
            else ("Content-Security-Policy")
        )
        self.permissions_policy = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        # A view may narrow its own policy; it is never widened here.
        response.headers.setdefault(self.header, self.policy)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response

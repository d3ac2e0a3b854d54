from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from billing.admin import billing_overview
from config.admin_access import admin_login
from config.email import tracking_webhook_urlpatterns
from config.health import healthz
from config.media import public_media

# Staff log in through allauth (two-factor step, rate limits), never through the admin's own form.
admin.site.login = admin_login(admin.site.login)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/billing/overview/", admin.site.admin_view(billing_overview), name="billing-overview"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("members.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Bounce and complaint webhooks of the email provider: /anymail/<provider>/tracking/ (basic auth).
    path("anymail/", include(tracking_webhook_urlpatterns())),
    # Avatars and club covers are public by design, resolved safely inside their own folder (config/media.py);
    # member-only media live outside MEDIA_ROOT and get checked views of their own.
    re_path(r"^media/(?P<folder>avatars|club-covers)/(?P<path>.+)$", public_media, name="public-media"),
    path("", include("notifications.urls")),
    path("", include("billing.urls")),
    path("", include("events.urls")),
    path("", include("feed.urls")),
    path("", include("offers.urls")),
    path("", include("analytics.urls")),
    path("", include("automations.urls")),
    path("", include("imports.urls")),
    path("", include("privacy.urls")),
    path("", include("clubs.urls")),
]

if "devtools" in settings.INSTALLED_APPS:  # local and test settings only: production never routes to it
    urlpatterns.insert(0, path("", include("devtools.urls")))

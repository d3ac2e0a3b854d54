from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from billing.admin import billing_overview

urlpatterns = [
    path("admin/billing/overview/", admin.site.admin_view(billing_overview), name="billing-overview"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("members.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Avatars and club covers are public by design; member-only media get checked views of their own.
    re_path(r"^media/(?P<path>(?:avatars|club-covers)/.+)$", serve, {"document_root": settings.MEDIA_ROOT}),
    path("", include("billing.urls")),
    path("", include("events.urls")),
    path("", include("feed.urls")),
    path("", include("offers.urls")),
    path("", include("clubs.urls")),
]

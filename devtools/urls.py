from django.urls import path

from devtools.demo import views
from devtools.outbox import views as outbox_views

app_name = "devtools"

urlpatterns = [
    # The emulator builds Stripe-like checkout URLs: <CHECKOUT_URL_BASE>/<session id>, no trailing slash.
    path("billing/demo-checkout/<str:session_id>", views.demo_checkout, name="demo-checkout"),
    # The local outbox (DEBUG only): every email the site sent.
    path("dev/outbox/", outbox_views.outbox, name="outbox"),
    path("dev/outbox/<str:message_id>/", outbox_views.outbox_message, name="outbox-message"),
    path("dev/outbox/<str:message_id>/html", outbox_views.outbox_message_html, name="outbox-message-html"),
]

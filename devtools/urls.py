from django.urls import path

from devtools.demo import views

app_name = "devtools"

urlpatterns = [
    # The emulator builds Stripe-like checkout URLs: <CHECKOUT_URL_BASE>/<session id>, no trailing slash.
    path("billing/demo-checkout/<str:session_id>", views.demo_checkout, name="demo-checkout"),
]

"""The project's URLs and a bare view: same middleware stack and gunicorn, reads the body, returns 200."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request):
    request.body  # noqa: B018 - read like the webhook reads it
    return HttpResponse("ok", content_type="text/plain")


bare.rate_limited = True  # like the webhook's own limit: exempt from the default POST ceiling

urlpatterns = [path("bench/bare/", bare, name="bench-bare"), path("", include("config.urls"))]

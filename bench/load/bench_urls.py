"""The project's URLs and a bare view: same middleware stack, no queries, no template."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench-bare"), path("", include("config.urls"))]

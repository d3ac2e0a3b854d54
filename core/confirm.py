"""Deleting asks first, with or without JavaScript.

The delete button (templates/includes/_delete_button.html) is a POST form: with htmx, ``hx-confirm`` asks in the
browser and posts ``confirm=yes``; without JavaScript the POST arrives without it and gets a confirm page whose
own form posts ``confirm=yes``. A delete view therefore deletes only when ``delete_confirmed`` says so.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.redirects import next_path


def delete_confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("confirm") == "yes"


def confirm_delete_page(request: HttpRequest, *, question: str, cancel_url: str, subject: str = "") -> HttpResponse:
    """The question, what would go (``subject``), a Delete button and a way back; nothing is deleted."""
    context = {
        "question": question,
        "subject": subject,
        "cancel_url": next_path(request, cancel_url),
        "next": request.POST.get("next", "") if request.method == "POST" else "",
    }
    return render(request, "includes/confirm_delete.html", context)


def after_delete(request: HttpRequest, url: str) -> HttpResponse:
    """htmx follows HX-Redirect (a plain 302 would be swapped into the button); a form gets the redirect."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)

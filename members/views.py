from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from core.tokens import BadToken, token_read
from members.emails import EMAIL_PREFERENCES, UNSUBSCRIBE_PURPOSE
from members.forms import ProfileForm
from members.models import User
from members.services import email_preference_turn_off, user_language_set, user_profile_update


@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user_profile_update(user=request.user, data=dict(form.cleaned_data))
        messages.success(request, _("Your profile is saved."))
        return redirect("members:profile")
    return render(request, "members/profile_edit.html", {"form": form})


@require_POST
def language_switch(request):
    """The layout's language switcher: remembered on the profile of a signed-in member."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    return set_language(request)


@csrf_exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click" without cookies or a CSRF token
@require_http_methods(["GET", "POST"])
@never_cache
def email_unsubscribe(request, token):
    """The List-Unsubscribe target of every non-transactional email but offers (offers:unsubscribe).

    GET only asks (link scanners follow GETs); POST turns the category's preference off at once.
    """
    try:
        user_id, field = token_read(token, purpose=UNSUBSCRIBE_PURPOSE, shape=(int, str))
    except BadToken:
        return render(request, "members/email_unsubscribe_invalid.html", status=400)
    user = User.objects.filter(pk=user_id).first()
    if user is None or field not in EMAIL_PREFERENCES:
        return render(request, "members/email_unsubscribe_invalid.html", status=404)
    context = {
        "token": token,
        "preference": User._meta.get_field(field).verbose_name,
        "preferences_url": reverse("members:profile") + f"#id_{field}",
    }
    if request.method == "POST":
        email_preference_turn_off(user=user, field=field)
        return render(request, "members/email_unsubscribe_done.html", context)
    return render(request, "members/email_unsubscribe.html", context)

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from members.forms import ProfileForm
from members.services import user_language_set, user_profile_update


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

from django import forms
from django.utils.translation import gettext_lazy as _


class ErasureForm(forms.Form):
    """The member confirms with their password and says what becomes of their posts."""

    POSTS_DELETE = "delete"
    POSTS_KEEP = "keep"

    posts = forms.ChoiceField(
        label=_("Your posts and comments"),
        choices=[
            (POSTS_DELETE, _("Delete them, with their photos")),
            (POSTS_KEEP, _("Keep them, shown as “Former member” instead of my name")),
        ],
        widget=forms.RadioSelect,
        initial=POSTS_DELETE,
    )
    password = forms.CharField(
        label=_("Your password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(label=_("I understand that this cannot be undone."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password

    @property
    def keep_posts(self) -> bool:
        return self.cleaned_data["posts"] == self.POSTS_KEEP

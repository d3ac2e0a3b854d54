from django import forms
from django.conf import settings

from clubs.models import Club
from members.images import validate_image_upload


class ClubAdminForm(forms.ModelForm):
    """Staff edit clubs in admin; a cover image is checked like any other upload."""

    class Meta:
        model = Club
        fields = ["cover_image"]  # admin supplies the full field list; this form only adds checks

    def clean_cover_image(self):
        cover = self.cleaned_data.get("cover_image")
        if cover and hasattr(cover, "content_type"):
            validate_image_upload(cover, max_bytes=settings.CLUB_COVER_MAX_BYTES)
        return cover

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clubs", "0008_club_cover_generated_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="club",
            name="email_logo_url",
            field=models.URLField(
                blank=True,
                help_text="An https:// address of your logo (PNG or JPEG, about 96 pixels high).",
                validators=[
                    django.core.validators.URLValidator(
                        message="Enter an https:// address of the image.", schemes=["https"]
                    )
                ],
                verbose_name="logo for emails",
            ),
        ),
        migrations.AddField(
            model_name="club",
            name="brand_colour",
            field=models.CharField(
                blank=True,
                help_text="Used for links and the top bar of emails, as #rrggbb.",
                max_length=7,
                validators=[
                    django.core.validators.RegexValidator(
                        "^#[0-9a-fA-F]{6}\\Z", "Enter a colour as # and six hexadecimal digits, for example #1a7f37."
                    )
                ],
                verbose_name="brand colour",
            ),
        ),
        migrations.AddField(
            model_name="club",
            name="postal_address",
            field=models.TextField(
                blank=True,
                help_text="Printed in the footer of every email; commercial email rules ask for one.",
                max_length=300,
                verbose_name="postal address",
            ),
        ),
        migrations.AddField(
            model_name="club",
            name="reply_to_email",
            field=models.EmailField(
                blank=True,
                help_text="Where members' replies to club emails go.",
                max_length=254,
                verbose_name="reply-to address",
            ),
        ),
    ]

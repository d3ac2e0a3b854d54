from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_activation_email"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["paid_at"], name="billing_invoice_paid_at"),
        ),
    ]

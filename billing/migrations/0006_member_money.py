from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_staffaction_to_core"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="ending_balance_minor",
            field=models.IntegerField(default=0, verbose_name="customer balance after"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="starting_balance_minor",
            field=models.IntegerField(default=0, verbose_name="customer balance before"),
        ),
        migrations.AddField(
            model_name="stripecustomer",
            name="balance_currency",
            field=models.CharField(blank=True, max_length=3, verbose_name="balance currency"),
        ),
        migrations.AddField(
            model_name="stripecustomer",
            name="balance_minor",
            field=models.IntegerField(default=0, verbose_name="balance (minor units; negative is credit)"),
        ),
        migrations.AddField(
            model_name="stripecustomer",
            name="balance_as_of",
            field=models.DateTimeField(blank=True, null=True, verbose_name="balance as of"),
        ),
        migrations.AddField(
            model_name="subscription",
            name="discount_amount_off_minor",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="discount (amount off)"),
        ),
        migrations.AddField(
            model_name="subscription",
            name="discount_coupon_id",
            field=models.CharField(blank=True, max_length=255, verbose_name="Stripe coupon id of the discount"),
        ),
        migrations.AddField(
            model_name="subscription",
            name="discount_percent_off",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="discount (percent off)"
            ),
        ),
    ]

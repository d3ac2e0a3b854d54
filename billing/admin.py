"""Staff run billing from Django admin; every action goes through a service and is audited."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billing.models import (
    Invoice,
    StripeCustomer,
    StripePrice,
    StripeProduct,
    Subscription,
    SubscriptionStatus,
    WebhookEvent,
    WebhookEventStatus,
)
from billing.selectors import mrr_by_club_and_plan, mrr_totals_by_currency
from billing.services import subscriptions as subscription_services
from billing.services.catalog import catalog_sync
from billing.services.events import webhook_event_replay
from billing.services.refunds import REFUND_REASONS, invoice_refund
from clubs.models import Membership
from core.admin import CsvExportMixin, MoneyAdminMixin
from core.audit import staff_action_record
from core.exceptions import DomainError
from core.forms import MoneyField
from core.money import format_money

DASHBOARD = "https://dashboard.stripe.com/{mode}{path}/{id}"


def dashboard_link(stripe_id: str, path: str, livemode: bool = False):
    if not stripe_id:
        return "—"
    url = DASHBOARD.format(mode="" if livemode else "test/", path=path, id=stripe_id)
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, stripe_id)


def balance_display(customer: StripeCustomer | None, currency: str = "") -> str:
    """The customer's Stripe balance as staff read it: credit (negative at Stripe) or an amount owed."""
    if customer is None or not customer.balance_minor:
        return "—"
    amount = format_money(abs(customer.balance_minor), customer.balance_currency or currency or "USD")
    if customer.balance_minor < 0:
        return _("%(amount)s credit") % {"amount": amount}
    return _("%(amount)s owed") % {"amount": amount}


@admin.register(StripeCustomer)
class StripeCustomerAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "stripe_link", "balance", "created_at"]
    search_fields = ["user__email", "email", "stripe_customer_id"]
    readonly_fields = ["user", "stripe_customer_id", "email", "balance", "balance_as_of", "created_at", "updated_at"]
    list_select_related = ["user"]

    @admin.display(description=_("balance"), ordering="balance_minor")
    def balance(self, obj):
        return balance_display(obj)

    @admin.display(description=_("Stripe"))
    def stripe_link(self, obj):
        return dashboard_link(obj.stripe_customer_id, "customers")

    def has_add_permission(self, request):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(MoneyAdminMixin, CsvExportMixin, admin.ModelAdmin):
    list_display = [
        "stripe_link",
        "member_email",
        "club",
        "plan",
        "status",
        "cancel_at_period_end",
        "current_period_end",
        "next_payment",
        "customer_balance",
    ]
    list_filter = [
        "status",
        "cancel_at_period_end",
        "membership__club",
        "plan",
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["stripe_subscription_id", "membership__user__email", "customer__stripe_customer_id"]
    list_select_related = ["membership__user", "membership__club", "plan", "customer"]
    readonly_fields = [field.name for field in Subscription._meta.fields] + ["next_payment", "customer_balance"]
    actions = ["cancel_at_period_end", "cancel_now", "resync", "export_csv"]
    csv_fields = (
        "stripe_subscription_id",
        "membership__user__email",
        "membership__club__name",
        "plan__name",
        "status",
        "amount_minor",
        "currency",
        "current_period_end",
        "cancel_at_period_end",
    )

    @admin.display(description=_("Stripe"), ordering="stripe_subscription_id")
    def stripe_link(self, obj):
        return dashboard_link(obj.stripe_subscription_id, "subscriptions")

    @admin.display(description=_("member"), ordering="membership__user__email")
    def member_email(self, obj):
        return obj.membership.user.email

    @admin.display(description=_("next payment"))
    def next_payment(self, obj):
        """The discounted amount when a save offer (or any coupon) is on the subscription."""
        amount = format_money(obj.next_amount_minor, obj.currency or "USD")
        if not obj.has_discount:
            return amount
        off = (
            f"{obj.discount_percent_off.normalize():f}%"
            if obj.discount_percent_off is not None
            else format_money(obj.discount_amount_off_minor, obj.currency or "USD")
        )
        return _("%(amount)s (discount %(off)s, coupon %(coupon)s)") % {
            "amount": amount,
            "off": off,
            "coupon": obj.discount_coupon_id or "—",
        }

    @admin.display(description=_("customer balance"))
    def customer_balance(self, obj):
        return balance_display(obj.customer, obj.currency)

    @admin.display(description=_("club"), ordering="membership__club__name")
    def club(self, obj):
        return obj.membership.club

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _each(self, request, queryset, action_name: str, service, note: str = ""):
        done = 0
        for subscription in queryset.select_related("membership"):
            before = {"status": subscription.status, "cancel_at_period_end": subscription.cancel_at_period_end}
            try:
                after = service(subscription)
            except DomainError as error:
                self.message_user(request, f"{subscription}: {error}", messages.ERROR)
                continue
            staff_action_record(
                actor=request.user,
                action=action_name,
                target=subscription,
                before=before,
                after={"status": after.status, "cancel_at_period_end": after.cancel_at_period_end},
                note=note,
            )
            done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d subscription updated.", "%(count)d subscriptions updated.", done) % {"count": done},
                messages.SUCCESS,
            )

    def _confirm_page(self, request, queryset, *, action: str, title, explanation: str, button):
        """The intermediate page both cancel actions show: which subscriptions, when each ends, a note for the log."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "button": button,
            "until_period_end": action == "cancel_at_period_end",
            "subscriptions": queryset.select_related("membership__user", "membership__club", "plan"),
            "form": CancelNoteForm(request.POST if "confirm" in request.POST else None),
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/billing/subscription_cancel_confirm.html", context)

    @admin.action(description=_("Cancel at period end"))
    def cancel_at_period_end(self, request, queryset):
        """An intermediate page first: which subscriptions, when each ends, and a note for the audit log."""
        form = CancelNoteForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            count = queryset.count()
            return self._confirm_page(
                request,
                queryset,
                action="cancel_at_period_end",
                title=_("Cancel at period end?"),
                explanation=ngettext(
                    "This subscription stops renewing: the member keeps access until the end of the period "
                    "already paid.",
                    "These %(count)d subscriptions stop renewing: each member keeps access until the end of the "
                    "period already paid.",
                    count,
                )
                % {"count": count},
                button=_("Cancel at period end"),
            )
        self._each(
            request,
            queryset,
            "cancel_at_period_end",
            lambda sub: subscription_services.subscription_cancel_at_period_end(membership=sub.membership),
            note=form.cleaned_data["note"],
        )
        return None

    @admin.action(description=_("Cancel now (access ends at once)"))
    def cancel_now(self, request, queryset):
        """Access ends at once and nothing is refunded: the same confirmation and audit note as a period-end cancel."""
        form = CancelNoteForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            count = queryset.count()
            return self._confirm_page(
                request,
                queryset,
                action="cancel_now",
                title=_("Cancel now?"),
                explanation=ngettext(
                    "This subscription ends now: the member loses access at once, and nothing is refunded.",
                    "These %(count)d subscriptions end now: each member loses access at once, and nothing is refunded.",
                    count,
                )
                % {"count": count},
                button=_("Cancel now"),
            )
        self._each(
            request,
            queryset,
            "cancel_now",
            lambda sub: subscription_services.subscription_cancel_now(membership=sub.membership),
            note=form.cleaned_data["note"],
        )
        return None

    @admin.action(description=_("Resync from Stripe"))
    def resync(self, request, queryset):
        self._each(
            request,
            queryset,
            "resync",
            lambda sub: subscription_services.subscription_resync(subscription=sub),
        )


class CancelNoteForm(forms.Form):
    confirm = forms.CharField(widget=forms.HiddenInput, initial="yes")
    note = forms.CharField(
        label=_("Note for the audit log"), max_length=200, help_text=_("Why, e.g. the member asked by email.")
    )


class RefundForm(forms.Form):
    """The amount in the invoice currency's units ("10.00"), at most what is still refundable."""

    amount = MoneyField(label=_("Amount"), min_minor=1)
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[(reason, reason.replace("_", " ")) for reason in REFUND_REASONS]
    )
    note = forms.CharField(label=_("Note for the audit log"), max_length=200)

    def __init__(self, *args, currency: str, refundable_minor: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].max_minor = max(refundable_minor, 1)
        self.fields["amount"].currency_set(currency)


@admin.register(Invoice)
class InvoiceAdmin(MoneyAdminMixin, CsvExportMixin, admin.ModelAdmin):
    list_display = [
        "stripe_link",
        "customer_email",
        "status",
        "amount_paid_minor",
        "amount_refunded_minor",
        "credit",
        "currency",
        "stripe_created",
        "refund_link",
    ]
    list_filter = ["status", "currency", "subscription__membership__club", "subscription__plan", "stripe_created"]
    search_fields = ["stripe_invoice_id", "customer__user__email", "stripe_payment_intent_id"]
    list_select_related = ["customer__user"]
    readonly_fields = [field.name for field in Invoice._meta.fields]
    date_hierarchy = "stripe_created"
    actions = ["export_csv"]
    csv_fields = (
        "stripe_invoice_id",
        "customer__user__email",
        "status",
        "amount_paid_minor",
        "amount_refunded_minor",
        "currency",
        "stripe_created",
    )

    @admin.display(description=_("Stripe"), ordering="stripe_invoice_id")
    def stripe_link(self, obj):
        return dashboard_link(obj.stripe_invoice_id, "invoices")

    @admin.display(description=_("member"), ordering="customer__user__email")
    def customer_email(self, obj):
        return obj.customer.user.email

    @admin.display(description=_("credit"))
    def credit(self, obj):
        """Credit from the customer balance this invoice used, or added (a downgrade)."""
        if obj.credit_applied_minor:
            return _("%(amount)s applied") % {"amount": format_money(obj.credit_applied_minor, obj.currency)}
        if obj.credit_created_minor:
            return _("%(amount)s added") % {"amount": format_money(obj.credit_created_minor, obj.currency)}
        return "—"

    @admin.display(description=_("refund"))
    def refund_link(self, obj):
        if not obj.refundable_minor:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:billing_invoice_refund", args=[obj.pk]), _("Refund"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<int:pk>/refund/", self.admin_site.admin_view(self.refund_view), name="billing_invoice_refund"),
            *super().get_urls(),
        ]

    def refund_view(self, request, pk):
        if not self.has_change_permission(request):
            return redirect("admin:index")
        invoice = get_object_or_404(Invoice.objects.select_related("customer__user"), pk=pk)
        form = RefundForm(
            request.POST or None,
            initial={"amount": invoice.refundable_minor},
            currency=invoice.currency,
            refundable_minor=invoice.refundable_minor,
        )
        if request.method == "POST" and form.is_valid():
            try:
                invoice_refund(
                    invoice=invoice,
                    amount_minor=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    actor=request.user,
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, _("Refund requested; Stripe confirms it by webhook."), messages.SUCCESS)
                return redirect("admin:billing_invoice_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund %s") % invoice,
            "invoice": invoice,
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/billing/invoice_refund.html", context)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["stripe_event_id", "type", "status", "attempts", "stripe_created", "received_at", "note"]
    list_filter = ["status", "type", "livemode", ("received_at", admin.DateFieldListFilter)]
    search_fields = ["stripe_event_id", "type", "note"]
    readonly_fields = [field.name for field in WebhookEvent._meta.fields]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Replay (process again)"))
    def replay(self, request, queryset):
        replayed = 0
        for event in queryset.exclude(status=WebhookEventStatus.PROCESSED):
            webhook_event_replay(event=event)
            staff_action_record(
                actor=request.user, action="replay_event", target=event, before={"status": event.status}
            )
            replayed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d event queued again; processed events are left alone.",
                "%(count)d events queued again; processed events are left alone.",
                replayed,
            )
            % {"count": replayed},
        )


def billing_overview(request):
    """Staff: paying subscriptions by club and plan with MRR (trials and complimentary excluded)."""
    rows = mrr_by_club_and_plan()
    context = {
        **admin.site.each_context(request),
        "title": _("Billing overview"),
        "rows": rows,
        "totals": mrr_totals_by_currency(rows),
        "trialing": Subscription.objects.filter(status=SubscriptionStatus.TRIALING).count(),
        "complimentary": Membership.objects.with_access().filter(is_complimentary=True).count(),
        "failed_events": WebhookEvent.objects.filter(status=WebhookEventStatus.FAILED).count(),
    }
    return render(request, "admin/billing/overview.html", context)


@admin.register(StripeProduct)
class StripeProductAdmin(admin.ModelAdmin):
    list_display = ["club", "stripe_product_id", "name", "updated_at"]
    readonly_fields = ["club", "stripe_product_id", "name", "updated_at"]
    actions = ["sync_catalog"]

    def has_add_permission(self, request):
        return False  # a mirror of Stripe: rows come from the catalog sync, never typed in

    @admin.action(description=_("Sync the Stripe catalog for these clubs"))
    def sync_catalog(self, request, queryset):
        report = catalog_sync(clubs=[product.club for product in queryset.select_related("club")])
        staff_action_record(actor=request.user, action="sync_catalog", target="catalog", after=report.__dict__)
        level = messages.ERROR if report.errors else messages.SUCCESS
        self.message_user(request, str(report.__dict__), level)


@admin.register(StripePrice)
class StripePriceAdmin(MoneyAdminMixin, admin.ModelAdmin):
    list_display = ["stripe_price_id", "plan", "amount_minor", "currency", "interval_count", "interval", "active"]
    list_filter = ["active", "plan__club"]
    readonly_fields = [field.name for field in StripePrice._meta.fields]

    def has_add_permission(self, request):
        return False  # prices are immutable in Stripe and created by the catalog sync


from billing import growth_admin  # noqa: E402, F401 - gifts and pause settings (billing/growth_admin.py)

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clubs.exceptions import MembershipError
from clubs.forms import CLUB_TRANSLATION_FIELD_NAMES, PLAN_TRANSLATION_FIELD_NAMES, ClubAdminForm, PlanAdminForm
from clubs.membership_pause import memberships_with_pause
from clubs.models import Club, Membership, MembershipStatusChange, Plan
from clubs.services import membership_end_complimentary, membership_grant_complimentary, membership_transition
from core.admin import CsvExportMixin, MoneyAdminMixin, StaffAuditMixin
from core.audit import staff_action_record
from core.dates import date_bounds_apply
from core.formatting import format_date
from members.images import delete_replaced_file_on_commit
from members.models import User

PLAN_PRICE_HELP = {"price_minor": _("In the currency's units: 5.00 is $5.00.")}


class PlanInline(MoneyAdminMixin, admin.TabularInline):
    model = Plan
    form = PlanAdminForm
    money_help_texts = PLAN_PRICE_HELP
    extra = 0
    fields = [
        "name",
        "interval",
        "interval_count",
        "price_minor",
        "currency",
        "trial_days",
        "is_active",
        "is_most_popular",
        "order",
        # The name in each site language; empty means the plan's own name (clubs/texts.py).
        *PLAN_TRANSLATION_FIELD_NAMES,
    ]


@admin.register(Club)
class ClubAdmin(StaffAuditMixin, admin.ModelAdmin):
    form = ClubAdminForm
    fieldsets = [
        (None, {"fields": ["name", "slug", "tagline", "description", "cover_image"]}),
        (
            _("Settings"),
            {
                "fields": [
                    "time_zone",
                    "currency",
                    "default_language",
                    "is_listed",
                    "grace_period_days",
                    "accepts_promotion_codes",
                    "offer_double_opt_in",
                ]
            },
        ),
        (_("Leaders"), {"fields": ["leaders"]}),
        (
            _("Texts in other languages"),
            {
                "fields": CLUB_TRANSLATION_FIELD_NAMES,
                "classes": ["collapse"],
                "description": _(
                    "Members see these in their language; an empty field shows the text above, written in the "
                    "club's default language."
                ),
            },
        ),
    ]
    list_display = ["name", "slug", "currency", "time_zone", "is_listed", "grace_period_days"]
    list_filter = ["is_listed", "currency", "default_language"]
    search_fields = ["name", "slug", "tagline", "leaders__email"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["leaders"]
    inlines = [PlanInline]

    def save_model(self, request, obj, form, change):
        delete_replaced_file_on_commit(obj, "cover_image")  # a replaced or cleared cover stops being public
        super().save_model(request, obj, form, change)


@admin.register(Plan)
class PlanAdmin(StaffAuditMixin, MoneyAdminMixin, admin.ModelAdmin):
    money_help_texts = PLAN_PRICE_HELP
    form = PlanAdminForm
    exclude = ["translations"]  # given per language through the form's fields
    list_display = [
        "name",
        "club",
        "interval_count",
        "interval",
        "price_minor",
        "currency",
        "is_active",
        "is_most_popular",
    ]
    list_filter = ["is_active", "is_most_popular", "interval", "club"]
    search_fields = ["name", "club__name"]
    list_select_related = ["club"]


class MembershipStatusChangeInline(admin.TabularInline):
    model = MembershipStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "actor", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ComplimentaryForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.order_by("email"), label=_("Member"))
    club = forms.ModelChoiceField(queryset=Club.objects.all(), label=_("Club"))
    until = forms.DateTimeField(
        label=_("Until"), required=False, help_text=_("Leave empty to keep it until staff end it.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    stop_paid_subscription = forms.BooleanField(
        label=_("If the member pays by subscription, stop it at the end of the period already paid"),
        required=False,
        help_text=_("Without this, a member who still pays is refused: nobody is both charged and given the club."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        date_bounds_apply(self)  # 2000 to ten years ahead: a date near 9999 overflowed on conversion to UTC


@admin.register(Membership)
class MembershipAdmin(StaffAuditMixin, CsvExportMixin, admin.ModelAdmin):
    actions = ["end_complimentary", "export_csv"]
    csv_fields = (
        "user__email",
        "user__display_name",
        "club__slug",
        "plan__name",
        "status",
        "is_complimentary",
        "complimentary_until",
        "started_at",
    )
    list_display = [
        "user",
        "user__email",
        "club",
        "plan",
        "status_shown",
        "started_at",
        "current_period_end",
        "grace_period_ends_at",
    ]
    list_filter = ["status", "is_complimentary", "club", "plan"]
    search_fields = ["user__email", "user__display_name", "club__name"]
    list_select_related = ["user", "club", "plan", "plan__club"]  # the plan's name says its club (Plan.__str__)
    autocomplete_fields = ["user", "club", "plan"]
    readonly_fields = [
        "past_due_since",
        "grace_period_ends_at",
        "canceled_at",
        "is_complimentary",
        "complimentary_until",
        "complimentary_reason",
        "created_at",
        "updated_at",
    ]
    change_list_template = "admin/clubs/membership/change_list.html"

    def get_queryset(self, request):
        """Each row carries its pause (clubs/membership_pause.py), in the list's own query."""
        return memberships_with_pause(super().get_queryset(request))

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, obj: Membership) -> str:
        """A paused membership stays active at Stripe: say "Paused until ..." rather than "Active"."""
        if getattr(obj, "is_paused_now", False):
            if obj.paused_until:
                return gettext("Paused until %(date)s") % {"date": format_date(obj.paused_until)}
            return gettext("Paused")
        return obj.get_status_display()

    def get_urls(self):
        return [
            path(
                "grant-complimentary/",
                self.admin_site.admin_view(self.grant_complimentary_view),
                name="clubs_membership_grant_complimentary",
            ),
            *super().get_urls(),
        ]

    def grant_complimentary_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ComplimentaryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                membership = membership_grant_complimentary(
                    user=data["user"],
                    club=data["club"],
                    until=data["until"],
                    reason=data["reason"],
                    actor=request.user,
                    stop_paid_subscription=data["stop_paid_subscription"],
                )
            except MembershipError as error:
                form.add_error(None, str(error))
            else:
                staff_action_record(
                    actor=request.user,
                    action="grant_complimentary",
                    target=membership,
                    after={
                        "until": str(data["until"] or ""),
                        "reason": data["reason"],
                        "stop_paid_subscription": data["stop_paid_subscription"],
                    },
                )
                self.message_user(request, _("Complimentary access granted."), messages.SUCCESS)
                return redirect("admin:clubs_membership_change", membership.pk)
        context = {**self.admin_site.each_context(request), "title": _("Grant complimentary access"), "form": form}
        context["opts"] = self.model._meta
        return render(request, "admin/clubs/membership/grant_complimentary.html", context)

    @admin.action(description=_("End complimentary access"))
    def end_complimentary(self, request, queryset):
        for membership in queryset.filter(is_complimentary=True).select_related("club"):
            membership_end_complimentary(membership=membership, actor=request.user, reason=str(_("Ended by staff")))
            staff_action_record(actor=request.user, action="end_complimentary", target=membership)

    date_hierarchy = "created_at"
    inlines = [MembershipStatusChangeInline]

    def save_model(self, request, obj, form, change):
        """Status changes go through the service so that dates and history stay consistent."""
        new_status = obj.status
        if change and "status" in form.changed_data:
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            # The audit row (status before and after) is written by StaffAuditMixin.save_related.
            membership_transition(
                membership=obj, to_status=new_status, actor=request.user, reason=str(_("Changed in admin"))
            )
        else:
            super().save_model(request, obj, form, change)
            if not change:
                MembershipStatusChange.objects.create(
                    membership=obj, to_status=obj.status, actor=request.user, reason=str(_("Created in admin"))
                )

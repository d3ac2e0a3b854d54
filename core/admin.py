"""Admin pieces every app uses: the audit mixin, the CSV export action, and the audit log itself."""

import re
from itertools import chain

from django.contrib import admin
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from core.audit import audit_fields, model_snapshot, staff_action_record
from core.csv import csv_response
from core.models import StaffAction


class StaffAuditMixin:
    """Every add, change and delete made through this model admin (and its inlines) is a StaffAction.

    Before and after come from the form: ``initial`` is what staff saw, ``cleaned_data`` what they
    saved, limited to ``changed_data`` so the log shows what moved, many-to-many fields included.
    Put it first among the bases: ``class ClubAdmin(StaffAuditMixin, admin.ModelAdmin)``.
    """

    def audit_action(self, verb: str, obj) -> str:
        return f"{verb} {obj._meta.model_name}"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change or form.changed_data:
            staff_action_record(
                actor=request.user,
                action=self.audit_action("change" if change else "add", form.instance),
                target=form.instance,
                before=audit_fields(form.initial, form.changed_data) if change else {},
                after=audit_fields(form.cleaned_data, form.changed_data if change else form.cleaned_data),
            )
        for formset in formsets:
            self.audit_formset(request, formset)

    def audit_formset(self, request, formset) -> None:
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms:
                if inline_form.instance.pk is None and inline_form.initial:
                    staff_action_record(
                        actor=request.user,
                        action=self.audit_action("delete", inline_form.instance),
                        target=inline_form.instance,
                        before=audit_fields(inline_form.initial, inline_form.initial),
                    )
                continue
            if not inline_form.has_changed():
                continue
            added = not inline_form.initial
            fields = inline_form.changed_data
            staff_action_record(
                actor=request.user,
                action=self.audit_action("add" if added else "change", inline_form.instance),
                target=inline_form.instance,
                before={} if added else audit_fields(inline_form.initial, fields),
                after=audit_fields(inline_form.cleaned_data, fields),
            )

    def delete_model(self, request, obj):
        staff_action_record(
            actor=request.user, action=self.audit_action("delete", obj), target=obj, before=model_snapshot(obj)
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            staff_action_record(
                actor=request.user, action=self.audit_action("delete", obj), target=obj, before=model_snapshot(obj)
            )
        super().delete_queryset(request, queryset)


class CsvExportMixin:
    """An admin action that exports the selected rows' ``csv_fields`` through the one CSV exporter, audited."""

    csv_fields: tuple[str, ...] = ()

    @admin.action(description=_("Export selected as CSV"))
    def export_csv(self, request, queryset):
        staff_action_record(
            actor=request.user,
            action="export_csv",
            target=self.model._meta.verbose_name_plural,
            after={"rows": queryset.count()},
        )
        rows = chain([self.csv_fields], queryset.values_list(*self.csv_fields).iterator())
        return csv_response(rows=rows, filename=f"{self.model._meta.model_name}s.csv")


@admin.register(StaffAction)
class StaffActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "target", "note"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    list_filter = ["action", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["target", "actor__email", "note"]
    readonly_fields = [field.name for field in StaffAction._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def money_display(field_name: str, *, currency_field: str = "currency", description=None):
    """An admin column (or read-only line) showing ``<name>_minor`` as money in the row's currency, "—" if empty."""
    from core.money import format_money

    def display(obj):
        amount = getattr(obj, field_name, None)
        if amount is None:
            return "—"
        currency = obj
        for part in currency_field.split("__"):  # "currency", or a related row's: "club__currency"
            currency = getattr(currency, part, None)
        currency = currency or ""
        return format_money(amount, currency) if currency else str(amount)

    if description is None:
        description = field_name.removesuffix("_minor").replace("_", " ")
    display.short_description = description
    display.admin_order_field = field_name
    display.__name__ = field_name.removesuffix("_minor") + "_money"
    return display


def money_form_in_currency(form_class, currency_field: str):
    """The admin form with each MoneyField's decimals and bounds set from the row's currency.

    The currency is the one submitted with the form when the form has that field (a new plan in yen), else the
    row's own (``currency_field`` may follow relations: "club__currency"), else US dollars.
    """
    from core.forms import MoneyField

    class MoneyInCurrencyForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            currency = ""
            if currency_field in self.fields and self.is_bound:
                currency = str(self.data.get(self.add_prefix(currency_field), "") or "")
            if not currency and self.instance is not None:
                currency = self.instance
                for part in currency_field.split("__"):
                    currency = getattr(currency, part, None) if currency is not None else None
                currency = currency or ""
            for field in self.fields.values():
                if isinstance(field, MoneyField):
                    field.currency_set(str(currency).upper() or "USD")

    MoneyInCurrencyForm.__name__ = form_class.__name__
    return MoneyInCurrencyForm


class MoneyAdminMixin:
    """Every ``*_minor`` column and read-only line of the admin shown as money with its currency ($25.00, ¥2,500).

    Staff read minor units as dollars ("2500" for $25.00): in lists and read-only detail pages each integer money
    field is replaced by its formatted amount (``money_currency_field`` names the row's currency). Editable forms
    take the amount in the currency's units ("25.00"), through the same ``MoneyField`` as the leaders' forms, so
    staff never type cents either. Put it before admin.ModelAdmin (or admin.TabularInline) among the bases.
    """

    money_currency_field = "currency"
    money_help_texts: dict = {}  # field name -> help text, where the model's own speaks of cents

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name not in self._money_fields():
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        from core.forms import MoneyField

        label = re.sub(r"\s*\([^)]*\)\s*$", "", str(db_field.verbose_name))
        return MoneyField(
            label=label[:1].upper() + label[1:],
            required=not db_field.blank,
            help_text=self.money_help_texts.get(db_field.name, db_field.help_text),
        )

    def get_form(self, request, obj=None, **kwargs):
        return money_form_in_currency(super().get_form(request, obj, **kwargs), self.money_currency_field)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = money_form_in_currency(formset.form, self.money_currency_field)
        return formset

    def _money_fields(self) -> set[str]:
        return {
            field.name
            for field in self.model._meta.fields
            if field.name.endswith("_minor") and field.get_internal_type().endswith("IntegerField")
        }

    def _money_column(self, name):
        """The same function object for a field on every call: Django matches read-only entries by identity."""
        if isinstance(name, str) and name in self._money_fields():
            columns = self.__dict__.setdefault("_money_columns", {})
            if name not in columns:
                columns[name] = self._money_column_make(name)
            return columns[name]
        return name

    def _money_column_make(self, name):
        verbose = self.model._meta.get_field(name).verbose_name
        # "amount (minor units)" -> "amount", in the staff member's language at each request (lazy).
        label = lazy(lambda: re.sub(r"\s*\([^)]*\)\s*$", "", str(verbose)), str)()
        return money_display(name, currency_field=self.money_currency_field, description=label)

    def get_list_display(self, request):
        return [self._money_column(name) for name in super().get_list_display(request)]

    def get_readonly_fields(self, request, obj=None):
        return [self._money_column(name) for name in super().get_readonly_fields(request, obj)]

    def get_exclude(self, request, obj=None):
        """A read-only money field stays out of the form (its formatted line replaces it)."""
        exclude = list(super().get_exclude(request, obj) or [])
        readonly = set(super().get_readonly_fields(request, obj))
        return exclude + sorted(self._money_fields() & readonly)

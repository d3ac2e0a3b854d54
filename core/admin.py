"""Admin pieces every app uses: the audit mixin, the CSV export action, and the audit log itself."""

from itertools import chain

from django.contrib import admin
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

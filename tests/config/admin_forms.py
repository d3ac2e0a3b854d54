"""Build the POST data an admin change form would send, from the form Django rendered."""

from django.db.models.fields.files import FieldFile
from django.forms import MultiWidget


def bound_values(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None or value is False or isinstance(value, FieldFile):
            continue  # unchecked boxes are absent; a stored file is left as it is
        if value is True:
            data[key] = "on"
        elif isinstance(field.widget, MultiWidget):
            parts = value if isinstance(value, list) else field.widget.decompress(value)
            for index, (widget, part) in enumerate(zip(field.widget.widgets, parts, strict=False)):
                data[f"{key}_{index}"] = "" if part is None else str(widget.format_value(part))
        elif isinstance(value, list | tuple):
            data[key] = [str(item) for item in value]
        else:
            data[key] = str(value)
    return data


def admin_form_data(response) -> dict:
    """Every field of the main form and of each inline, with the management forms, as rendered."""
    context = response.context
    data = bound_values(context["adminform"].form)
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        data.update(bound_values(formset.management_form))
        for form in formset.initial_forms:
            data.update(bound_values(form))
    return data

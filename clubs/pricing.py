"""How plans compare: per-month equivalents and the saving of longer plans.

Members choosing the longest plan is a headline retention figure, so the saving is shown plainly.
The reference is the club's most expensive plan per month (normally the monthly one).
"""

from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

from clubs.models import Plan
from core.formatting import format_number


@dataclass(frozen=True)
class PlanPricing:
    plan: Plan
    per_month_minor: int
    saving_percent: int  # 0 when the plan is the reference or not cheaper
    saving_minor: int  # per billing period, versus paying the reference price for as long

    @property
    def saves(self) -> bool:
        return self.saving_percent > 0

    @property
    def shows_per_month(self) -> bool:
        return self.plan.months != 1

    @property
    def saving_label(self) -> str:
        return _("Save %(percent)s%%") % {"percent": format_number(self.saving_percent)}


def plan_pricing(plans: list[Plan]) -> list[PlanPricing]:
    """Price comparison for a club's plans, in the given order."""
    if not plans:
        return []
    reference = max(plans, key=lambda plan: Fraction(plan.price_minor) / plan.months)
    reference_per_month = Fraction(reference.price_minor) / reference.months
    result = []
    for plan in plans:
        per_month = Fraction(plan.price_minor) / plan.months
        if reference_per_month and per_month < reference_per_month:
            saving_percent = int((1 - per_month / reference_per_month) * 100 + Fraction(1, 2))
            saving_minor = round(reference_per_month * plan.months - plan.price_minor)
        else:
            saving_percent, saving_minor = 0, 0
        result.append(
            PlanPricing(
                plan=plan,
                per_month_minor=round(per_month),
                saving_percent=saving_percent,
                saving_minor=saving_minor,
            )
        )
    return result

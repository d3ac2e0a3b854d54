"""The data behind the dashboard's charts, handed to static/analytics/dashboard.js through json_script."""

from django.utils.translation import gettext as _

from analytics.selectors import Dashboard
from core.formatting import round_half_up
from core.money import to_major


def _major(amount, currency: str) -> float:
    return float(to_major(int(round_half_up(amount)), currency))


def chart_data(dashboard: Dashboard) -> dict:
    """Plain numbers and translated labels; the tables on the page carry the same figures without JavaScript."""
    currencies = sorted({row["currency"] for row in dashboard.history})
    days = sorted({row["day"] for row in dashboard.history})
    by_key = {(row["day"], row["currency"]): row for row in dashboard.history}
    members_per_day = [sum(by_key[(day, c)]["members"] for c in currencies if (day, c) in by_key) for day in days]
    movements = [_("New"), _("Expansion"), _("Contraction"), _("Churned"), _("Paused"), _("Resumed")]
    plan_mix = {}
    for item in dashboard.metrics.clubs:
        for share in item.plan_mix:
            name = share.plan.name if share.plan else _("No plan")
            plan_mix[name] = plan_mix.get(name, 0) + share.members
    return {
        "history": {
            "labels": [day.isoformat() for day in days],
            "members_label": _("Members"),
            "members": members_per_day,
            "mrr": [
                {
                    "label": _("MRR (%(currency)s)") % {"currency": currency},
                    "data": [
                        _major(by_key[(day, currency)]["mrr_minor"], currency) if (day, currency) in by_key else None
                        for day in days
                    ],
                }
                for currency in currencies
            ],
        },
        "movements": {
            "labels": movements,
            "datasets": [
                {
                    "label": total.currency,
                    "data": [
                        _major(total.money.new, total.currency),
                        _major(total.money.expansion, total.currency),
                        -_major(total.money.contraction, total.currency),
                        -_major(total.money.churned, total.currency),
                        -_major(total.money.paused, total.currency),
                        _major(total.money.resumed, total.currency),
                    ],
                }
                for total in dashboard.metrics.by_currency
            ],
        },
        "nps": {
            "label": _("NPS"),
            "labels": [month.month.strftime("%Y-%m") for month in dashboard.nps_trend],
            "scores": [month.figures.score for month in dashboard.nps_trend],
        },
        "plans": {"labels": list(plan_mix), "members": list(plan_mix.values()), "label": _("Members at the end")},
    }

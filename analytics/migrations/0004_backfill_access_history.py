"""Give every membership and refund that existed before the history its records, from what is known.

Replayed from the status history and the price ledger. What was never stored is taken from today's
row: the grace end of an earlier past-due spell is its start plus the club's grace period now, and the
complimentary flags and the plan apply to the newest record only. Refunds made earlier count on the
invoice's last change.
"""

from datetime import timedelta

from django.db import migrations

ACCESS = ("trialing", "active")
PAYING = ("active", "past_due")


def _state(status, grace_end, is_complimentary, complimentary_until, plan_id, monthly):
    ends = [grace_end] if status == "past_due" else []
    has_access = status in ACCESS or (status == "past_due" and grace_end is not None)
    if is_complimentary and complimentary_until is not None:
        ends.append(complimentary_until)
    ends = [end for end in ends if end is not None]
    return {
        "status": status,
        "has_access": has_access,
        "access_until": min(ends) if has_access and ends else None,
        "is_complimentary": is_complimentary,
        "plan_id": plan_id,
        "monthly_amount_minor": monthly,
    }


def backfill(apps, schema_editor):
    Membership = apps.get_model("clubs", "Membership")
    MembershipStatusChange = apps.get_model("clubs", "MembershipStatusChange")
    SubscriptionPriceChange = apps.get_model("analytics", "SubscriptionPriceChange")
    AccessRecord = apps.get_model("analytics", "AccessRecord")
    Invoice = apps.get_model("billing", "Invoice")
    RefundRecord = apps.get_model("analytics", "RefundRecord")
    done = set(AccessRecord.objects.values_list("membership_id", flat=True).distinct())
    rows = []
    for membership in Membership.objects.select_related("club").iterator():
        if membership.pk in done:
            continue
        events = [
            (change.changed_at, change.pk, "status", change.to_status)
            for change in MembershipStatusChange.objects.filter(membership=membership)
        ]
        events += [
            (price.effective_at, price.pk, "price", price.monthly_amount_minor)
            for price in SubscriptionPriceChange.objects.filter(membership=membership)
        ]
        events.sort(key=lambda event: (event[0], event[2] == "price", event[1]))
        if not any(kind == "status" for _at, _pk, kind, _value in events):
            events.append((membership.started_at or membership.created_at, 0, "status", membership.status))
            events.sort(key=lambda event: (event[0], event[2] == "price", event[1]))
        status, monthly, grace_end, previous = "", None, None, None
        access_before, access_since = timedelta(), None
        for index, (at, _pk, kind, value) in enumerate(events):
            if kind == "status":
                status = value
                grace_end = at + timedelta(days=membership.club.grace_period_days) if value == "past_due" else None
            else:
                monthly = value
            last = index == len(events) - 1
            if last and status == membership.status and membership.grace_period_ends_at:
                grace_end = membership.grace_period_ends_at
            state = _state(
                status,
                grace_end,
                membership.is_complimentary if last else False,
                membership.complimentary_until if last else None,
                membership.plan_id,
                monthly,
            )
            if previous is not None:
                if all(getattr(previous, name) == value for name, value in state.items()):
                    continue
                if previous.valid_from == at:
                    for name, value in state.items():
                        setattr(previous, name, value)
                    previous.access_since = at if state["has_access"] and previous.access_since == at else None
                    continue
                previous.valid_to = at
                if previous.has_access:
                    until = min(at, previous.access_until) if previous.access_until else at
                    access_before += max(until - previous.valid_from, timedelta())
                continues = previous.has_access and (previous.access_until is None or previous.access_until >= at)
                access_since = previous.access_since if continues else None
            access_since = (access_since or at) if state["has_access"] else None
            previous = AccessRecord(
                membership_id=membership.pk,
                club_id=membership.club_id,
                valid_from=at,
                access_before=access_before,
                access_since=access_since,
                **state,
            )
            rows.append(previous)
        if len(rows) >= 2000:
            AccessRecord.objects.bulk_create(rows)
            rows = []
    AccessRecord.objects.bulk_create(rows)
    refunds = [
        RefundRecord(
            invoice_id=invoice.pk,
            club_id=invoice.subscription.membership.club_id,
            amount_minor=invoice.amount_refunded_minor,
            currency=invoice.currency,
            refunded_at=invoice.updated_at,
        )
        for invoice in Invoice.objects.select_related("subscription__membership")
        .exclude(amount_refunded_minor=0)
        .filter(subscription__isnull=False, refund_records__isnull=True)
    ]
    RefundRecord.objects.bulk_create(refunds, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_access_and_refund_history"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

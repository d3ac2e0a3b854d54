"""Helpers of the import tests: files as bytes, a leader, and a Stripe subscription made elsewhere."""

from pathlib import Path

from billing import gateway
from tests.factories import UserFactory

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / f"{name}.csv").read_bytes()


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def leader_of(club):
    leader = UserFactory()
    club.leaders.add(leader)
    return leader


def foreign_subscription(emulator, *, email: str, amount: int = 500) -> str:
    """A subscription another platform set up on the club's Stripe account: no membership in its metadata."""
    client = gateway.client()
    product = client.v1.products.create(params={"name": "Old platform membership"})
    price = client.v1.prices.create(
        params={"product": product.id, "unit_amount": amount, "currency": "usd", "recurring": {"interval": "month"}}
    )
    customer = client.v1.customers.create(params={"email": email})
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": customer.id,
            "line_items": [{"price": price.id, "quantity": 1}],
            "success_url": "https://old.example/ok",
            "cancel_url": "https://old.example/no",
        }
    )
    events = emulator.complete_checkout(session.id)
    return events[0]["data"]["object"]["subscription"]

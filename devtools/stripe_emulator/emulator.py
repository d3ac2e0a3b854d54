"""An in-memory Stripe for demo mode and tests.

``StripeEmulator`` is a ``stripe.HTTPClient``: hand it to ``stripe.StripeClient(http_client=...)`` and
the real SDK talks to it as it would to api.stripe.com, with form-encoded requests and JSON answers
shaped like Stripe's at ``billing.gateway.API_VERSION`` (2025-03-31.basil and later: periods live on
subscription items, invoices point at their subscription through ``parent.subscription_details`` and
at their payments through InvoicePayment objects, charges no longer name an invoice).

Only the endpoints this site uses are emulated. Things Stripe does on its own (a customer paying at
Checkout, a renewal, a trial ending, a card being declined) are simulation methods; each returns the
events it emitted, which are also kept in ``self.events`` and listed by ``GET /v1/events``.
``signed_delivery`` signs an event the way Stripe signs a webhook delivery.
"""

from __future__ import annotations

import calendar
import copy
import hashlib
import hmac
import json
import random
import re
import string
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

from billing.gateway import API_VERSION

__all__ = ["CHECKOUT_URL_BASE", "EmulatorError", "StripeEmulator", "add_months", "decode_form", "signed_delivery"]

CHECKOUT_URL_BASE = "/billing/demo-checkout"
ACCOUNT_ID = "acct_emulated"
DAY = 86_400
_ALPHABET = string.ascii_letters + string.digits
_ZERO_DECIMAL = {
    "bif",
    "clp",
    "djf",
    "gnf",
    "jpy",
    "kmf",
    "krw",
    "mga",
    "pyg",
    "rwf",
    "ugx",
    "vnd",
    "vuv",
    "xaf",
    "xof",
}
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$", "chf": "CHF "}
_TIMES = "\N{MULTIPLICATION SIGN}"  # as in Stripe's line descriptions ("1 x Gold", with the sign)
_REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")


class EmulatorError(Exception):
    """A simulation that Stripe could not perform: unknown object, or an object in the wrong state."""


class _ApiError(Exception):
    """An error answer, raised inside a handler and rendered the way Stripe renders errors."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        kind: str = "invalid_request_error",
    ):
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.kind = status, message, param, code, kind

    def body(self, request_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        error["type"] = self.kind
        return {"error": error}


# --- Encoding helpers ---------------------------------------------------------------------------

_BRACKETS = re.compile(r"\[([^\]]*)\]")


def decode_form(body: str | bytes | None) -> dict[str, Any]:
    """Decode Stripe's form encoding (``a[b][0][c]=v``) into nested dicts and lists of strings."""
    if not body:
        return {}
    if isinstance(body, bytes):
        body = body.decode()
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head, bracket, rest = key.partition("[")
        parts = [head, *(_BRACKETS.findall(bracket + rest) if bracket else [])]
        node = root
        for depth, part in enumerate(parts):
            name = part if part != "" else str(len(node))  # ``a[]=x`` appends
            if depth == len(parts) - 1:
                node[name] = value
                break
            child = node.setdefault(name, {})
            if not isinstance(child, dict):
                raise _ApiError(400, f"Invalid array or hash: {key}", param=key)
            node = child
    return _listify(root, None)


def _listify(node: Any, key: str | None) -> Any:
    if not isinstance(node, dict):
        return node
    children = {name: _listify(value, name) for name, value in node.items()}
    if key != "metadata" and children and all(name.isdigit() for name in children):
        return [children[name] for name in sorted(children, key=int)]
    return children


def _bool(value: Any, param: str) -> bool:
    if value in (True, "true"):
        return True
    if value in (False, "false"):
        return False
    raise _ApiError(400, f"Invalid boolean: {value}", param=param)


def _int(value: Any, param: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _ApiError(400, f"Invalid integer: {value}", param=param) from None


def _metadata(value: Any, param: str = "metadata") -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise _ApiError(400, "Invalid object", param=param)
    return {str(key): str(val) for key, val in value.items()}


def _merge_metadata(current: dict[str, str], update: Any) -> dict[str, str]:
    """Stripe merges metadata; an empty value deletes a key and ``metadata=""`` clears all."""
    if update == "":
        return {}
    merged = dict(current)
    for key, value in _metadata(update).items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _check_params(params: dict[str, Any], allowed: set[str]) -> None:
    for name in params:
        if name not in allowed and name != "expand":
            raise _ApiError(400, f"Received unknown parameter: {name}", param=name)


def _require(params: dict[str, Any], *names: str) -> None:
    for name in names:
        if params.get(name) in (None, ""):
            raise _ApiError(400, f"Missing required param: {name}.", param=name, code="parameter_missing")


# --- Calendar -----------------------------------------------------------------------------------


def add_months(timestamp: int, months: int) -> int:
    """The same day and time ``months`` later (UTC), clamped to the month's last day, as Stripe bills."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    years, month_index = divmod(moment.month - 1 + months, 12)
    year, month = moment.year + years, month_index + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def _period_boundary(anchor: int, interval: str, interval_count: int, periods: int) -> int:
    """The end of the ``periods``-th billing period counted from ``anchor``."""
    if interval == "month":
        return add_months(anchor, interval_count * periods)
    if interval == "year":
        return add_months(anchor, 12 * interval_count * periods)
    seconds = {"day": DAY, "week": 7 * DAY}[interval]
    return anchor + seconds * interval_count * periods


def _money(amount: int, currency: str) -> str:
    symbol = _SYMBOLS.get(currency, f"{currency.upper()} ")
    if currency in _ZERO_DECIMAL:
        return f"{symbol}{amount}"
    return f"{symbol}{amount / 100:.2f}"


def _every(recurring: dict[str, Any]) -> str:
    count, interval = recurring["interval_count"], recurring["interval"]
    return f"/ {interval}" if count == 1 else f"every {count} {interval}s"


def _date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%d %b %Y")


def _list(data: list[dict[str, Any]], url: str, *, has_more: bool = False) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


# --- Webhook delivery ---------------------------------------------------------------------------


def signed_delivery(event: dict[str, Any], secret: str, *, timestamp: int | None = None) -> tuple[bytes, str]:
    """The body and ``Stripe-Signature`` header of a delivery of ``event``, signed as Stripe signs."""
    body = json.dumps(event).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={signature}"


# --- The emulator -------------------------------------------------------------------------------

Handler = Callable[..., tuple[int, dict[str, Any]]]


# Keys under which Stripe objects hold a moment (Unix seconds); shift_time moves only these.
MOMENT_KEYS = frozenset(
    {
        "anchor",
        "billing_cycle_anchor",
        "cancel_at",
        "canceled_at",
        "created",
        "current_period_end",
        "current_period_start",
        "due_date",
        "effective_at",
        "end",
        "ended_at",
        "expires_at",
        "finalized_at",
        "marked_uncollectible_at",
        "next_payment_attempt",
        "paid_at",
        "period_end",
        "period_start",
        "start",
        "start_date",
        "trial_end",
        "trial_start",
        "updated",
        "updated_at",
        "voided_at",
    }
)


def _shift_moments(node: Any, seconds: int) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in MOMENT_KEYS and isinstance(value, int) and not isinstance(value, bool) and value > 10**9:
                node[key] = value + seconds
            else:
                _shift_moments(value, seconds)
    elif isinstance(node, list):
        for value in node:
            _shift_moments(value, seconds)


class StripeEmulator(stripe.HTTPClient):
    """Stripe's API for the objects this site uses, held in memory."""

    name = "emulator"

    def __init__(
        self,
        *,
        checkout_url_base: str = CHECKOUT_URL_BASE,
        clock: Callable[[], float] = time.time,
        seed: int | None = None,
    ):
        super().__init__()
        self.base_checkout_url = checkout_url_base.rstrip("/")
        self.objects: dict[str, dict[str, Any]] = {}  # every object by id
        self.events: list[dict[str, Any]] = []  # oldest first
        self.requests: list[dict[str, Any]] = []
        self._clock = clock
        self._random = random.Random(seed)  # noqa: S311 - ids, not secrets
        self._lock = threading.RLock()
        self._last_time = 0
        self._idempotent: dict[str, dict[str, Any]] = {}
        self._request_context: dict[str, Any] | None = None
        self._sessions: dict[str, dict[str, Any]] = {}  # what a checkout session was created with
        self._billing: dict[str, dict[str, Any]] = {}  # per subscription: anchor, periods, pending lines
        self._payment_methods: dict[str, str] = {}  # customer id -> the card saved at Checkout
        self._deleted_customers: dict[str, dict[str, Any]] = {}  # deleted in the Dashboard: id -> as it was
        self._unannounced_payments: list[str] = []  # InvoicePayments paid; invoice_payment.paid follows invoice.paid
        # Called with the events an API request emitted (a refund's charge.refunded): demo mode delivers them.
        self.api_events_listener: Callable[[list[dict[str, Any]]], None] | None = None
        self._declining_cards: set[str] = set()  # customers whose card declines a plan switch's invoice
        self.failing_customers: list[str] = []  # customers whose card declines every charge (demo_advance)
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("POST", re.compile(r"/v1/products"), self._product_create),
            ("POST", re.compile(r"/v1/products/([^/]+)"), self._product_update),
            ("GET", re.compile(r"/v1/products/([^/]+)"), self._retriever("product")),
            ("POST", re.compile(r"/v1/prices"), self._price_create),
            ("POST", re.compile(r"/v1/prices/([^/]+)"), self._price_update),
            ("GET", re.compile(r"/v1/prices/([^/]+)"), self._retriever("price")),
            ("POST", re.compile(r"/v1/customers"), self._customer_create),
            ("GET", re.compile(r"/v1/customers/([^/]+)"), self._customer_retrieve),
            ("DELETE", re.compile(r"/v1/customers/([^/]+)"), self._customer_delete),
            ("POST", re.compile(r"/v1/customers/([^/]+)/balance_transactions"), self._balance_transaction_create),
            ("GET", re.compile(r"/v1/customers/([^/]+)/payment_methods"), self._customer_payment_methods_list),
            ("POST", re.compile(r"/v1/checkout/sessions"), self._checkout_session_create),
            ("GET", re.compile(r"/v1/checkout/sessions/([^/]+)"), self._retriever("checkout.session")),
            ("GET", re.compile(r"/v1/subscriptions/([^/]+)"), self._retriever("subscription")),
            ("POST", re.compile(r"/v1/subscriptions/([^/]+)"), self._subscription_update),
            ("DELETE", re.compile(r"/v1/subscriptions/([^/]+)"), self._subscription_cancel),
            ("POST", re.compile(r"/v1/invoices/create_preview"), self._invoice_preview),
            ("GET", re.compile(r"/v1/invoices/([^/]+)"), self._retriever("invoice")),
            ("GET", re.compile(r"/v1/invoice_payments"), self._invoice_payments_list),
            ("GET", re.compile(r"/v1/invoice_payments/([^/]+)"), self._retriever("invoice_payment")),
            ("GET", re.compile(r"/v1/payment_intents/([^/]+)"), self._retriever("payment_intent")),
            ("GET", re.compile(r"/v1/charges/([^/]+)"), self._retriever("charge")),
            ("POST", re.compile(r"/v1/refunds"), self._refund_create),
            ("GET", re.compile(r"/v1/refunds/([^/]+)"), self._retriever("refund")),
            ("GET", re.compile(r"/v1/events"), self._events_list),
            ("GET", re.compile(r"/v1/events/([^/]+)"), self._retriever("event")),
            ("POST", re.compile(r"/v1/billing_portal/sessions"), self._portal_session_create),
            ("POST", re.compile(r"/v1/coupons"), self._coupon_create),
            ("GET", re.compile(r"/v1/coupons/([^/]+)"), self._retriever("coupon")),
            ("POST", re.compile(r"/v1/promotion_codes"), self._promotion_code_create),
            ("GET", re.compile(r"/v1/promotion_codes/([^/]+)"), self._retriever("promotion_code")),
            ("POST", re.compile(r"/v1/promotion_codes/([^/]+)"), self._promotion_code_update),
        ]

    # --- stripe.HTTPClient ----------------------------------------------------------------------

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        with self._lock:
            return self._handle(method.upper(), url, dict(headers or {}), post_data)

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise NotImplementedError("The Stripe emulator does not stream responses.")

    def close(self):
        pass

    def client(self, secret_key: str = "sk_test_emulated") -> stripe.StripeClient:  # noqa: S107 - not a secret
        """A real ``StripeClient`` configured as ``billing.gateway`` configures it, talking to this emulator."""
        return stripe.StripeClient(secret_key, stripe_version=API_VERSION, max_network_retries=2, http_client=self)

    def _handle(self, method: str, url: str, headers: dict[str, str], post_data: Any):
        split = urlsplit(url)
        path = split.path
        key = next((value for name, value in headers.items() if name.lower() == "idempotency-key"), None)
        request_id = "req_" + self._suffix(14)
        response_headers = {"request-id": request_id, "stripe-version": API_VERSION, "content-type": "application/json"}
        try:
            params = decode_form(post_data if method == "POST" else split.query)
        except _ApiError as error:
            self.requests.append({"method": method, "path": path, "params": {}, "idempotency_key": key})
            return json.dumps(error.body(request_id)), error.status, response_headers
        self.requests.append({"method": method, "path": path, "params": params, "idempotency_key": key})

        if key and method in ("POST", "DELETE"):
            response_headers["idempotency-key"] = key
            stored = self._idempotent.get(key)
            if stored is not None:
                if (stored["method"], stored["path"], stored["params"]) != (method, path, params):
                    error = _ApiError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                        kind="idempotency_error",
                    )
                    return json.dumps(error.body(request_id)), error.status, response_headers
                replay_headers = {**stored["headers"], "idempotent-replayed": "true"}
                return stored["body"], stored["status"], replay_headers

        self._request_context = {"id": request_id, "idempotency_key": key}
        mark = len(self.events)
        try:
            status, payload = self._dispatch(method, path, params)
        except _ApiError as error:
            status, payload = error.status, error.body(request_id)
        finally:
            self._request_context = None
        if self.api_events_listener is not None and len(self.events) > mark:
            self.api_events_listener(copy.deepcopy(self.events[mark:]))
        body = json.dumps(payload)
        if key and method in ("POST", "DELETE") and status < 400:
            self._idempotent[key] = {
                "method": method,
                "path": path,
                "params": params,
                "body": body,
                "status": status,
                "headers": dict(response_headers),
            }
        return body, status, response_headers

    def _dispatch(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                status, payload = handler(params, *match.groups())
                return status, self._expand(payload, params.get("expand") or [])
        raise _ApiError(
            404,
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help "
            "at https://support.stripe.com/.",
        )

    # --- Store, ids, time -----------------------------------------------------------------------

    def _suffix(self, length: int = 24) -> str:
        return "".join(self._random.choice(_ALPHABET) for _ in range(length))

    def _id(self, prefix: str, length: int = 24) -> str:
        return prefix + self._suffix(length)

    def now(self) -> int:
        """The emulator's clock: never goes backwards, so event ``created`` values never decrease."""
        return self._tick()

    def _tick(self, at: int | float | None = None) -> int:
        moment = int(self._clock() if at is None else at)
        self._last_time = max(self._last_time, moment)
        return self._last_time

    def _save(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        return obj

    def _find(self, kind: str, object_id: Any, *, param: str | None = None) -> dict[str, Any]:
        obj = self.objects.get(object_id) if isinstance(object_id, str) else None
        if obj is None or obj["object"] != kind:
            noun = kind
            if param:
                raise _ApiError(400, f"No such {noun}: '{object_id}'", param=param, code="resource_missing")
            raise _ApiError(404, f"No such {noun}: '{object_id}'", param="id", code="resource_missing")
        return obj

    def get(self, object_id: str) -> dict[str, Any]:
        """A copy of a stored object (for tests and demo pages)."""
        with self._lock:
            if object_id not in self.objects:
                raise EmulatorError(f"No such object: {object_id!r}")
            return copy.deepcopy(self.objects[object_id])

    def _retriever(self, kind: str) -> Handler:
        def retrieve(params: dict[str, Any], object_id: str) -> tuple[int, dict[str, Any]]:
            _check_params(params, set())
            return 200, copy.deepcopy(self._find(kind, object_id))

        return retrieve

    def _expand(self, payload: dict[str, Any], paths: Any) -> dict[str, Any]:
        payload = copy.deepcopy(payload)
        for path in paths if isinstance(paths, list) else [paths]:
            self._expand_path(payload, str(path).split("."))
        return payload

    def _expand_path(self, node: Any, parts: list[str]) -> None:
        if isinstance(node, list):
            for item in node:
                self._expand_path(item, parts)
            return
        if not isinstance(node, dict) or not parts:
            return
        value = node.get(parts[0])
        if isinstance(value, str) and value in self.objects:
            value = node[parts[0]] = copy.deepcopy(self.objects[value])
        self._expand_path(value, parts[1:])

    # --- Events ---------------------------------------------------------------------------------

    def _emit(self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
        context = self._request_context or {"id": None, "idempotency_key": None}
        event = {
            "id": self._id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self._tick(),
            "data": {"object": copy.deepcopy(obj), "previous_attributes": copy.deepcopy(previous or {})},
            "livemode": False,
            "pending_webhooks": 1,
            "request": dict(context),
            "type": event_type,
        }
        self.events.append(event)
        self.objects[event["id"]] = event
        if event_type == "invoice.paid":
            # Stripe sends invoice_payment.paid with the invoice's: the only link from the payment to the invoice.
            for payment_id in [pid for pid in self._unannounced_payments if self.objects[pid]["invoice"] == obj["id"]]:
                self._unannounced_payments.remove(payment_id)
                self._emit("invoice_payment.paid", self.objects[payment_id])
        return event

    # --- Catalog --------------------------------------------------------------------------------

    def _product_create(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"name", "metadata", "description", "active", "id", "statement_descriptor", "url"})
        _require(params, "name")
        now = self._tick()
        product_id = params.get("id") or self._id("prod_", 14)
        if product_id in self.objects:
            raise _ApiError(400, "Product already exists.", param="id", code="resource_already_exists")
        product = {
            "id": product_id,
            "object": "product",
            "active": _bool(params.get("active", True), "active"),
            "created": now,
            "default_price": None,
            "description": params.get("description"),
            "images": [],
            "livemode": False,
            "marketing_features": [],
            "metadata": _metadata(params.get("metadata")),
            "name": params["name"],
            "package_dimensions": None,
            "shippable": None,
            "statement_descriptor": params.get("statement_descriptor"),
            "tax_code": None,
            "unit_label": None,
            "updated": now,
            "url": params.get("url"),
        }
        return 200, copy.deepcopy(self._save(product))

    def _product_update(self, params: dict[str, Any], product_id: str) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"name", "metadata", "description", "active", "statement_descriptor", "url"})
        product = self._find("product", product_id)
        if "name" in params:
            if params["name"] == "":
                raise _ApiError(400, "You cannot set 'name' to an empty string.", param="name")
            product["name"] = params["name"]
        for field in ("description", "statement_descriptor", "url"):
            if field in params:
                product[field] = params[field] or None
        if "active" in params:
            product["active"] = _bool(params["active"], "active")
        if "metadata" in params:
            product["metadata"] = _merge_metadata(product["metadata"], params["metadata"])
        product["updated"] = self._tick()
        return 200, copy.deepcopy(product)

    def _price_create(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"product", "unit_amount", "currency", "recurring", "metadata", "nickname", "lookup_key"})
        _require(params, "currency", "product", "unit_amount")
        product = self._find("product", params["product"], param="product")
        unit_amount = _int(params["unit_amount"], "unit_amount")
        if unit_amount < 0:
            raise _ApiError(400, "Invalid non-negative integer", param="unit_amount")
        currency = str(params["currency"])
        if currency != currency.lower() or len(currency) != 3:
            raise _ApiError(400, f"Invalid currency: {currency}.", param="currency")
        recurring = None
        if params.get("recurring"):
            raw = params["recurring"]
            interval = raw.get("interval")
            if interval not in ("day", "week", "month", "year"):
                raise _ApiError(
                    400,
                    "Invalid recurring[interval]: must be one of day, week, month, or year",
                    param="recurring[interval]",
                )
            interval_count = _int(raw.get("interval_count", 1), "recurring[interval_count]")
            limit = {"day": 1095, "week": 156, "month": 36, "year": 3}[interval]
            if not 1 <= interval_count <= limit:
                raise _ApiError(400, "The maximum billing interval is three years.", param="recurring[interval_count]")
            recurring = {
                "interval": interval,
                "interval_count": interval_count,
                "meter": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            }
        price = {
            "id": self._id("price_"),
            "object": "price",
            "active": True,
            "billing_scheme": "per_unit",
            "created": self._tick(),
            "currency": currency,
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": params.get("lookup_key"),
            "metadata": _metadata(params.get("metadata")),
            "nickname": params.get("nickname"),
            "product": product["id"],
            "recurring": recurring,
            "tax_behavior": "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "recurring" if recurring else "one_time",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        }
        return 200, copy.deepcopy(self._save(price))

    def _price_update(self, params: dict[str, Any], price_id: str) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"active", "metadata", "nickname", "lookup_key"})
        price = self._find("price", price_id)
        if "active" in params:
            price["active"] = _bool(params["active"], "active")
        if "metadata" in params:
            price["metadata"] = _merge_metadata(price["metadata"], params["metadata"])
        for field in ("nickname", "lookup_key"):
            if field in params:
                price[field] = params[field] or None
        return 200, copy.deepcopy(price)

    # --- Customers ------------------------------------------------------------------------------

    def _customer_create(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"email", "name", "metadata", "description", "phone", "preferred_locales"})
        return 200, copy.deepcopy(self._new_customer(params))

    def _new_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = {
            "id": self._id("cus_", 14),
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": self._tick(),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": params.get("description"),
            "email": params.get("email"),
            "invoice_prefix": "".join(self._random.choice(string.ascii_uppercase + string.digits) for _ in range(8)),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": False,
            "metadata": _metadata(params.get("metadata")),
            "name": params.get("name"),
            "next_invoice_sequence": 1,
            "phone": params.get("phone"),
            "preferred_locales": list(params.get("preferred_locales") or []),
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": None,
        }
        return self._save(customer)

    def _customer_retrieve(self, params: dict[str, Any], customer_id: str) -> tuple[int, dict[str, Any]]:
        """A deleted customer is still found, as Stripe's stub ``{id, object, deleted: true}``."""
        _check_params(params, set())
        if customer_id in self._deleted_customers:
            return 200, {"id": customer_id, "object": "customer", "deleted": True}
        return 200, copy.deepcopy(self._find("customer", customer_id))

    def _customer_delete(self, params: dict[str, Any], customer_id: str) -> tuple[int, dict[str, Any]]:
        _check_params(params, set())
        customer = self._find("customer", customer_id)
        self._deleted_customers[customer_id] = customer
        del self.objects[customer_id]
        for subscription in [obj for obj in self.objects.values() if obj.get("object") == "subscription"]:
            if subscription["customer"] == customer_id and subscription["status"] != "canceled":
                self._end_subscription(subscription, self._tick(), canceled_at=self._tick())
                self._emit("customer.subscription.deleted", subscription)
        self._emit("customer.deleted", customer)
        return 200, {"id": customer_id, "object": "customer", "deleted": True}

    def delete_customer(self, customer_id: str) -> list[dict[str, Any]]:
        """Simulation: staff delete the customer in the Stripe Dashboard. Stripe cancels their subscriptions
        (``customer.subscription.deleted``) and emits ``customer.deleted`` with the customer as it was."""
        with self._lock:
            mark = len(self.events)
            self._customer_delete({}, customer_id)
            return copy.deepcopy(self.events[mark:])

    def _balance_transaction_create(self, params: dict[str, Any], customer_id: str) -> tuple[int, dict[str, Any]]:
        """A manual credit (negative) or debit on the customer's balance, applied to their next invoices."""
        _check_params(params, {"amount", "currency", "description", "metadata"})
        _require(params, "amount", "currency")
        customer = self._find("customer", customer_id)
        amount = _int(params["amount"], "amount")
        if amount == 0:
            raise _ApiError(400, "Invalid amount: must not be zero.", param="amount")
        before = customer["balance"]
        customer["balance"] = before + amount
        transaction = {
            "id": self._id("cbtxn_"),
            "object": "customer_balance_transaction",
            "amount": amount,
            "created": self._tick(),
            "credit_note": None,
            "currency": str(params["currency"]).lower(),
            "customer": customer_id,
            "description": params.get("description"),
            "ending_balance": customer["balance"],
            "invoice": None,
            "livemode": False,
            "metadata": _metadata(params.get("metadata")),
            "type": "adjustment",
        }
        return 200, copy.deepcopy(self._save(transaction))

    def _card(self, customer_id: str) -> dict[str, Any] | None:
        """The card saved at Checkout as a PaymentMethod (valid for three more years unless a test says otherwise)."""
        pm_id = self._payment_methods.get(customer_id)
        if pm_id is None:
            return None
        if pm_id not in self.objects:
            expires = time.gmtime(self.now() + 3 * 365 * DAY)
            self._save(
                {
                    "id": pm_id,
                    "object": "payment_method",
                    "billing_details": {"email": self.objects[customer_id]["email"], "name": None},
                    "card": {
                        "brand": "visa",
                        "country": "US",
                        "exp_month": expires.tm_mon,
                        "exp_year": expires.tm_year,
                        "funding": "credit",
                        "last4": "4242",
                    },
                    "created": self.now(),
                    "customer": customer_id,
                    "livemode": False,
                    "metadata": {},
                    "type": "card",
                }
            )
        return self.objects[pm_id]

    def _customer_payment_methods_list(self, params: dict[str, Any], customer_id: str) -> tuple[int, dict[str, Any]]:
        self._find("customer", customer_id)
        card = self._card(customer_id)
        data = [copy.deepcopy(card)] if card else []
        return 200, _list(data, f"/v1/customers/{customer_id}/payment_methods")

    def set_card_expiry(self, customer_id: str, *, month: int, year: int) -> None:
        """Simulation: the customer's saved card expires at the end of ``month``/``year``."""
        with self._lock:
            card = self._card(customer_id)
            if card is None:
                raise EmulatorError(f"Customer {customer_id} has no saved card.")
            card["card"].update(exp_month=month, exp_year=year)

    def _discount_invoice(self, invoice: dict[str, Any], coupon: dict[str, Any]) -> None:
        """Apply a coupon to a draft invoice's total (once), as Stripe does before finalizing."""
        total = invoice["total"]
        if total <= 0:
            return
        if coupon["percent_off"]:
            off = (total * int(coupon["percent_off"] * 100) + 5000) // 10000
        else:
            off = coupon["amount_off"] if coupon["currency"] == invoice["currency"] else 0
        off = min(off, total)
        discount_id = self._id("di_")
        invoice.update(
            total=total - off,
            total_excluding_tax=total - off,
            discounts=[discount_id],
            total_discount_amounts=[{"amount": off, "discount": discount_id}],
        )
        invoice["amount_due"] = max(invoice["total"] + invoice["starting_balance"], 0)
        invoice["amount_remaining"] = invoice["amount_due"]
        coupon["times_redeemed"] += 1

    # --- Checkout and the customer portal -------------------------------------------------------

    def _checkout_session_create(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_params(
            params,
            {
                "mode",
                "customer",
                "customer_email",
                "client_reference_id",
                "line_items",
                "subscription_data",
                "payment_intent_data",
                "metadata",
                "allow_promotion_codes",
                "success_url",
                "cancel_url",
                "locale",
                "customer_update",
                "billing_address_collection",
                "payment_method_types",
                "expires_at",
                "discounts",
            },
        )
        _require(params, "mode")
        mode = params["mode"]
        if mode not in ("subscription", "payment"):
            raise _ApiError(400, f"Invalid mode: {mode}. The emulator knows subscription and payment.", param="mode")
        if params.get("customer") and params.get("customer_email"):
            raise _ApiError(400, "You may only specify one of these parameters: customer, customer_email.")
        customer = self._find("customer", params["customer"], param="customer") if params.get("customer") else None
        _require(params, "success_url")
        line_items = params.get("line_items")
        if not isinstance(line_items, list) or not line_items:
            raise _ApiError(400, "Missing required param: line_items.", param="line_items", code="parameter_missing")
        if len(line_items) != 1:
            raise _ApiError(400, "The emulator supports exactly one line item.", param="line_items")
        item = line_items[0]
        if isinstance(item.get("price_data"), dict):
            price = self._inline_price(item["price_data"])
        else:
            price = self._find("price", item.get("price"), param="line_items[0][price]")
        if not price["active"]:
            raise _ApiError(
                400,
                f"The price specified is inactive. This field only accepts active prices. ({price['id']})",
                param="line_items[0][price]",
            )
        quantity = _int(item.get("quantity", 1), "line_items[0][quantity]")
        if mode == "subscription" and price["type"] != "recurring":
            raise _ApiError(
                400,
                "You must specify at least one recurring price in `subscription` mode when using prices.",
                param="line_items[0][price]",
            )
        if mode == "payment" and price["type"] == "recurring":
            raise _ApiError(
                400,
                "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode "
                "or use only one-time prices.",
                param="line_items[0][price]",
            )
        subscription_data = params.get("subscription_data") or {}
        if mode != "subscription" and subscription_data:
            raise _ApiError(400, "You can not pass `subscription_data` in `payment` mode.", param="subscription_data")
        trial_days = 0
        if subscription_data.get("trial_period_days") not in (None, ""):
            trial_days = _int(subscription_data["trial_period_days"], "subscription_data[trial_period_days]")
            if not 1 <= trial_days <= 730:
                raise _ApiError(
                    400,
                    "The trial period must be between 1 and 730 days.",
                    param="subscription_data[trial_period_days]",
                )
        payment_intent_data = params.get("payment_intent_data") or {}
        if mode != "payment" and payment_intent_data:
            raise _ApiError(
                400, "You can not pass `payment_intent_data` in `subscription` mode.", param="payment_intent_data"
            )
        discounts = params.get("discounts") or []
        if discounts and params.get("allow_promotion_codes") not in (None, "", "false", False):
            raise _ApiError(400, "You may only specify one of these parameters: allow_promotion_codes, discounts.")
        now = self._tick()
        amount = price["unit_amount"] * quantity
        amount_discount, session_discounts = self._discount_for(
            discounts,
            amount,
            price["currency"],
            customer_id=customer["id"] if customer else None,
            product_id=price["product"],
        )
        expires_at = _int(params["expires_at"], "expires_at") if params.get("expires_at") not in (None, "") else None
        if expires_at is not None and not now + 1800 <= expires_at <= now + DAY:
            raise _ApiError(
                400,
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
                param="expires_at",
            )
        session_id = self._id("cs_test_", 58)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "adaptive_pricing": None,
            "after_expiration": None,
            "allow_promotion_codes": (
                _bool(params["allow_promotion_codes"], "allow_promotion_codes")
                if "allow_promotion_codes" in params
                else None
            ),
            "amount_subtotal": 0 if trial_days else amount,
            "amount_total": 0 if trial_days else amount - amount_discount,
            "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
            "billing_address_collection": params.get("billing_address_collection"),
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "client_secret": None,
            "collected_information": None,
            "consent": None,
            "consent_collection": None,
            "created": now,
            "currency": price["currency"],
            "custom_fields": [],
            "custom_text": {
                "after_submit": None,
                "shipping_address": None,
                "submit": None,
                "terms_of_service_acceptance": None,
            },
            "customer": customer["id"] if customer else None,
            "customer_creation": None if customer else ("always" if mode == "subscription" else "if_required"),
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "discounts": session_discounts,
            "expires_at": expires_at or now + DAY,
            "invoice": None,
            "invoice_creation": None if mode == "subscription" else {"enabled": False, "invoice_data": None},
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": _metadata(params.get("metadata")),
            "mode": mode,
            "payment_intent": None,
            "payment_link": None,
            "payment_method_collection": "always" if mode == "subscription" else None,
            "payment_method_options": {},
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "phone_number_collection": {"enabled": False},
            "recovered_from": None,
            "saved_payment_method_options": None,
            "setup_intent": None,
            "shipping_address_collection": None,
            "shipping_cost": None,
            "shipping_options": [],
            "status": "open",
            "submit_type": None,
            "subscription": None,
            "success_url": params["success_url"],
            "total_details": {"amount_discount": amount_discount, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.base_checkout_url}/{session_id}",
        }
        self._sessions[session_id] = {
            "price": price["id"],
            "quantity": quantity,
            "trial_days": trial_days,
            "subscription_metadata": _metadata(subscription_data.get("metadata"), "subscription_data[metadata]"),
            "payment_intent_metadata": _metadata(payment_intent_data.get("metadata"), "payment_intent_data[metadata]"),
        }
        return 200, copy.deepcopy(self._save(session))

    def _inline_price(self, price_data: dict[str, Any]) -> dict[str, Any]:
        """``line_items[][price_data]``: Stripe creates a one-time price (and product) for this session only."""
        _require(price_data, "currency", "unit_amount")
        product_data = price_data.get("product_data") or {}
        if price_data.get("product"):
            product = self._find("product", price_data["product"], param="line_items[0][price_data][product]")
        elif product_data.get("name"):
            _, product = self._product_create({"name": product_data["name"]})
            product = self.objects[product["id"]]
        else:
            raise _ApiError(
                400, "Missing required param: line_items[0][price_data][product_data][name].", code="parameter_missing"
            )
        if price_data.get("recurring"):
            raise _ApiError(400, "The emulator supports one-time price_data only.", param="line_items[0][price_data]")
        _, price = self._price_create(
            {"product": product["id"], "unit_amount": price_data["unit_amount"], "currency": price_data["currency"]}
        )
        return self.objects[price["id"]]

    def _discount_for(
        self, discounts: Any, amount: int, currency: str, *, customer_id: str | None = None, product_id: str = ""
    ) -> tuple[int, list[dict[str, Any]]]:
        if not discounts:
            return 0, []
        if not isinstance(discounts, list) or len(discounts) != 1 or not isinstance(discounts[0], dict):
            raise _ApiError(400, "You may only apply one discount to a Checkout Session.", param="discounts")
        entry = discounts[0]
        if entry.get("promotion_code"):
            promotion = self._find("promotion_code", entry["promotion_code"], param="discounts[0][promotion_code]")
            refusal = self._promotion_code_refusal(promotion, customer_id=customer_id, product_id=product_id)
            if refusal:
                raise _ApiError(400, refusal, param="discounts[0][promotion_code]")
            coupon = self.objects[promotion["promotion"]["coupon"]]
        else:
            promotion = None
            coupon = self._find("coupon", entry.get("coupon"), param="discounts[0][coupon]")
        if coupon["percent_off"]:
            off = (amount * int(coupon["percent_off"] * 100) + 5000) // 10000
        else:
            if coupon["currency"] != currency:
                raise _ApiError(400, "The coupon's currency does not match the session's.", param="discounts")
            off = coupon["amount_off"]
        return min(off, amount), [{"coupon": coupon["id"], "promotion_code": promotion["id"] if promotion else None}]

    # --- Coupons and promotion codes ------------------------------------------------------------

    def _coupon_create(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_params(
            params,
            {
                "id",
                "name",
                "percent_off",
                "amount_off",
                "currency",
                "duration",
                "metadata",
                "max_redemptions",
                "applies_to",
            },
        )
        applies_to = params.get("applies_to")
        if applies_to not in (None, ""):
            products = applies_to.get("products") if isinstance(applies_to, dict) else None
            if not isinstance(products, list) or not products:
                raise _ApiError(400, "Missing required param: applies_to[products].", param="applies_to[products]")
            for index, product_id in enumerate(products):
                self._find("product", product_id, param=f"applies_to[products][{index}]")
        percent_off = params.get("percent_off")
        amount_off = params.get("amount_off")
        if (percent_off in (None, "")) == (amount_off in (None, "")):
            raise _ApiError(400, "You must pass exactly one of percent_off or amount_off.")
        if percent_off not in (None, ""):
            percent = float(percent_off)
            if not 0 < percent <= 100:
                raise _ApiError(
                    400, "Invalid percent_off: must be greater than 0 and at most 100.", param="percent_off"
                )
        if amount_off not in (None, ""):
            _require(params, "currency")
            if _int(amount_off, "amount_off") <= 0:
                raise _ApiError(400, "Invalid positive integer", param="amount_off")
        duration = params.get("duration", "once")
        if duration not in ("once", "forever", "repeating"):
            raise _ApiError(400, f"Invalid duration: {duration}", param="duration")
        coupon_id = params.get("id") or self._suffix(8)
        if coupon_id in self.objects:
            raise _ApiError(400, "Coupon already exists.", param="id", code="resource_already_exists")
        coupon = {
            "id": coupon_id,
            "object": "coupon",
            "amount_off": _int(amount_off, "amount_off") if amount_off not in (None, "") else None,
            "applies_to": {"products": list(applies_to["products"])} if applies_to not in (None, "") else None,
            "created": self._tick(),
            "currency": params.get("currency") or None,
            "duration": duration,
            "duration_in_months": None,
            "livemode": False,
            "max_redemptions": _int(params["max_redemptions"], "max_redemptions")
            if params.get("max_redemptions")
            else None,
            "metadata": _metadata(params.get("metadata")),
            "name": params.get("name"),
            "percent_off": float(percent_off) if percent_off not in (None, "") else None,
            "redeem_by": None,
            "times_redeemed": 0,
            "valid": True,
        }
        return 200, copy.deepcopy(self._save(coupon))

    def _promotion_code_create(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"promotion", "code", "metadata", "active", "max_redemptions", "expires_at", "customer"})
        promotion = params.get("promotion")
        if not isinstance(promotion, dict) or promotion.get("type") != "coupon":
            raise _ApiError(
                400, "Missing required param: promotion[type].", param="promotion", code="parameter_missing"
            )
        coupon = self._find("coupon", promotion.get("coupon"), param="promotion[coupon]")
        code = params.get("code") or self._suffix(8).upper()
        if not re.fullmatch(r"[A-Za-z0-9-]{1,500}", code):
            raise _ApiError(400, "Invalid code: letters, digits and dashes only.", param="code")
        taken = any(
            obj["object"] == "promotion_code" and obj["active"] and obj["code"].lower() == code.lower()
            for obj in self.objects.values()
        )
        if taken:
            raise _ApiError(400, "An active promotion code with `code` already exists.", param="code")
        if params.get("customer"):
            self._find("customer", params["customer"], param="customer")
        max_redemptions = _int(params["max_redemptions"], "max_redemptions") if params.get("max_redemptions") else None
        if max_redemptions is not None and max_redemptions < 1:
            raise _ApiError(400, "Invalid positive integer", param="max_redemptions")
        expires_at = _int(params["expires_at"], "expires_at") if params.get("expires_at") else None
        if expires_at is not None and expires_at <= self._tick():
            raise _ApiError(400, "The `expires_at` timestamp must be in the future.", param="expires_at")
        promotion_code = {
            "id": self._id("promo_"),
            "object": "promotion_code",
            "active": _bool(params.get("active", True), "active"),
            "code": code,
            "created": self._tick(),
            "customer": params.get("customer") or None,
            "expires_at": expires_at,
            "livemode": False,
            "max_redemptions": max_redemptions,
            "metadata": _metadata(params.get("metadata")),
            "promotion": {"coupon": coupon["id"], "type": "coupon"},
            "restrictions": {
                "first_time_transaction": False,
                "minimum_amount": None,
                "minimum_amount_currency": None,
            },
            "times_redeemed": 0,
        }
        return 200, copy.deepcopy(self._save(promotion_code))

    def _promotion_code_update(self, params: dict[str, Any], promotion_code_id: str) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"active", "metadata"})
        promotion_code = self._find("promotion_code", promotion_code_id)
        if "active" in params:
            promotion_code["active"] = _bool(params["active"], "active")
        if "metadata" in params:
            promotion_code["metadata"] = _merge_metadata(promotion_code["metadata"], params["metadata"])
        return 200, copy.deepcopy(promotion_code)

    def _promotion_code_refusal(
        self, promotion: dict[str, Any], *, customer_id: str | None, product_id: str
    ) -> str | None:
        """Why Stripe would refuse this code for this customer and product (None: it applies)."""
        coupon = self.objects[promotion["promotion"]["coupon"]]
        if not promotion["active"] or not coupon["valid"]:
            return "This promotion code is inactive."
        if promotion["expires_at"] is not None and promotion["expires_at"] <= self._tick():
            return "This promotion code has expired."
        if promotion["max_redemptions"] is not None and promotion["times_redeemed"] >= promotion["max_redemptions"]:
            return "This promotion code has been redeemed the maximum number of times."
        if coupon["max_redemptions"] is not None and coupon["times_redeemed"] >= coupon["max_redemptions"]:
            return "This coupon has been redeemed the maximum number of times."
        if promotion["customer"] and promotion["customer"] != customer_id:
            return "This promotion code cannot be redeemed by this customer."
        applies_to = (coupon.get("applies_to") or {}).get("products")
        if applies_to and product_id not in applies_to:
            return "This promotion code is not valid for the items in this session."
        return None

    def _portal_session_create(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"customer", "return_url", "flow_data", "locale", "configuration"})
        _require(params, "customer")
        customer = self._find("customer", params["customer"], param="customer")
        return_url = params.get("return_url")
        separator = "&" if return_url and "?" in return_url else "?"
        session = {
            "id": self._id("bps_"),
            "object": "billing_portal.session",
            "configuration": params.get("configuration") or "bpc_emulated_default",
            "created": self._tick(),
            "customer": customer["id"],
            "flow": params.get("flow_data"),
            "livemode": False,
            "locale": params.get("locale"),
            "on_behalf_of": None,
            "return_url": return_url,
            "url": f"{return_url}{separator}portal=demo" if return_url else "/?portal=demo",
        }
        return 200, copy.deepcopy(self._save(session))

    # --- Subscriptions --------------------------------------------------------------------------

    def _plan(self, price: dict[str, Any]) -> dict[str, Any]:
        recurring = price["recurring"]
        return {
            "id": price["id"],
            "object": "plan",
            "active": price["active"],
            "amount": price["unit_amount"],
            "amount_decimal": price["unit_amount_decimal"],
            "billing_scheme": "per_unit",
            "created": price["created"],
            "currency": price["currency"],
            "interval": recurring["interval"],
            "interval_count": recurring["interval_count"],
            "livemode": False,
            "metadata": dict(price["metadata"]),
            "meter": None,
            "nickname": price["nickname"],
            "product": price["product"],
            "tiers_mode": None,
            "transform_usage": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        }

    def _set_item_price(self, item: dict[str, Any], price: dict[str, Any]) -> None:
        item["price"] = copy.deepcopy(price)
        item["plan"] = self._plan(price)

    def _subscription_item(self, subscription_id: str, price: dict[str, Any], quantity: int, start: int, end: int):
        item = {
            "id": self._id("si_", 14),
            "object": "subscription_item",
            "billing_thresholds": None,
            "created": start,
            "current_period_end": end,
            "current_period_start": start,
            "discounts": [],
            "metadata": {},
            "plan": None,
            "price": None,
            "quantity": quantity,
            "subscription": subscription_id,
            "tax_rates": [],
        }
        self._set_item_price(item, price)
        return item

    def _new_subscription(
        self, customer: dict[str, Any], price: dict[str, Any], quantity: int, trial_days: int, metadata, now: int
    ) -> dict[str, Any]:
        recurring = price["recurring"]
        subscription_id = self._id("sub_")
        trial_end = now + trial_days * DAY if trial_days else None
        anchor = trial_end or now
        end = trial_end or _period_boundary(anchor, recurring["interval"], recurring["interval_count"], 1)
        item = self._subscription_item(subscription_id, price, quantity, now, end)
        subscription = {
            "id": subscription_id,
            "object": "subscription",
            "application": None,
            "application_fee_percent": None,
            "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
            "billing_cycle_anchor": anchor,
            "billing_cycle_anchor_config": None,
            "billing_mode": {"flexible": {"proration_discounts": "included"}, "type": "flexible", "updated_at": now},
            "billing_thresholds": None,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": "charge_automatically",
            "created": now,
            "currency": price["currency"],
            "customer": customer["id"],
            "days_until_due": None,
            "default_payment_method": self._payment_methods.get(customer["id"]),
            "default_source": None,
            "default_tax_rates": [],
            "description": None,
            "discounts": [],
            "ended_at": None,
            "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
            "items": {
                "object": "list",
                "data": [item],
                "has_more": False,
                "total_count": 1,
                "url": f"/v1/subscription_items?subscription={subscription_id}",
            },
            "latest_invoice": None,
            "livemode": False,
            "metadata": dict(metadata),
            "next_pending_invoice_item_invoice": None,
            "on_behalf_of": None,
            "pause_collection": None,
            "payment_settings": {
                "payment_method_options": None,
                "payment_method_types": None,
                "save_default_payment_method": "off",
            },
            "pending_invoice_item_interval": None,
            "pending_setup_intent": None,
            "pending_update": None,
            "schedule": None,
            "start_date": now,
            "status": "trialing" if trial_days else "active",
            "test_clock": None,
            "transfer_data": None,
            "trial_end": trial_end,
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
            "trial_start": now if trial_days else None,
        }
        self._billing[subscription_id] = {"anchor": anchor, "periods": 0 if trial_days else 1, "pending": []}
        return self._save(subscription)

    def _subscription_update(self, params: dict[str, Any], subscription_id: str) -> tuple[int, dict[str, Any]]:
        _check_params(
            params,
            {
                "cancel_at_period_end",
                "items",
                "proration_behavior",
                "proration_date",
                "metadata",
                "cancellation_details",
                "payment_behavior",
                "discounts",
                "pause_collection",
            },
        )
        subscription = self._find("subscription", subscription_id)
        if subscription["status"] == "canceled" and set(params) - {"metadata", "cancellation_details", "expand"}:
            raise _ApiError(400, "A canceled subscription can only update its cancellation_details and metadata.")
        before = copy.deepcopy(subscription)
        now = self._tick()
        invoice = None
        if params.get("items"):
            self._refuse_incomplete_switch(subscription, params, now)
        if "metadata" in params:
            subscription["metadata"] = _merge_metadata(subscription["metadata"], params["metadata"])
        if "discounts" in params:
            self._subscription_discount(subscription, params["discounts"])
        if "pause_collection" in params:
            subscription["pause_collection"] = self._pause_collection(subscription, params["pause_collection"], now)
        if isinstance(params.get("cancellation_details"), dict):
            for field in ("comment", "feedback"):
                if field in params["cancellation_details"]:
                    subscription["cancellation_details"][field] = params["cancellation_details"][field] or None
        if "cancel_at_period_end" in params:
            if _bool(params["cancel_at_period_end"], "cancel_at_period_end"):
                subscription.update(
                    cancel_at_period_end=True,
                    cancel_at=subscription["items"]["data"][0]["current_period_end"],
                    canceled_at=now,
                )
                subscription["cancellation_details"]["reason"] = "cancellation_requested"
            else:
                subscription.update(cancel_at_period_end=False, cancel_at=None, canceled_at=None)
                subscription["cancellation_details"]["reason"] = None
        if params.get("items"):
            invoice = self._switch_price(subscription, params, now)
        previous = {field: value for field, value in before.items() if subscription[field] != value}
        if "cancellation_details" in previous:
            previous["cancellation_details"] = {
                field: value
                for field, value in before["cancellation_details"].items()
                if subscription["cancellation_details"][field] != value
            }
        if previous:
            self._emit("customer.subscription.updated", subscription, previous)
        if invoice is not None:
            self._emit("invoice.paid" if invoice["status"] == "paid" else "invoice.payment_failed", invoice)
        return 200, copy.deepcopy(subscription)

    def _pause_collection(self, subscription: dict[str, Any], value: Any, now: int) -> dict[str, Any] | None:
        """``pause_collection={behavior, resumes_at}`` pauses collection; ``''`` resumes it (Stripe's rules)."""
        if value in ("", None):
            return None
        if not isinstance(value, dict):
            raise _ApiError(400, "Invalid pause_collection: must be an object or ''.", param="pause_collection")
        _check_params(value, {"behavior", "resumes_at"})
        behavior = value.get("behavior")
        if behavior not in ("keep_as_draft", "mark_uncollectible", "void"):
            raise _ApiError(
                400,
                "Invalid pause_collection[behavior]: must be one of keep_as_draft, mark_uncollectible, or void",
                param="pause_collection[behavior]",
            )
        if subscription["status"] not in ("active", "trialing", "past_due"):
            raise _ApiError(400, f"A {subscription['status']} subscription cannot pause collection.")
        resumes_at = value.get("resumes_at")
        if resumes_at not in (None, ""):
            resumes_at = _int(resumes_at, "pause_collection[resumes_at]")
            if resumes_at <= now:
                raise _ApiError(
                    400, "pause_collection[resumes_at] must be in the future.", param="pause_collection[resumes_at]"
                )
        return {"behavior": behavior, "resumes_at": resumes_at or None}

    def resume_due(self, *, now: int | None = None) -> list[dict[str, Any]]:
        """Stripe's clock reaching ``now``: every paused collection whose ``resumes_at`` has come resumes
        (``customer.subscription.updated`` with ``pause_collection`` back to null)."""
        with self._lock:
            at = self._tick(now)
            mark = len(self.events)
            for subscription in [obj for obj in self.objects.values() if obj.get("object") == "subscription"]:
                pause = subscription.get("pause_collection")
                if pause and pause.get("resumes_at") and pause["resumes_at"] <= at:
                    subscription["pause_collection"] = None
                    self._emit("customer.subscription.updated", subscription, {"pause_collection": pause})
            return copy.deepcopy(self.events[mark:])

    def _subscription_discount(self, subscription: dict[str, Any], discounts: Any) -> None:
        """``discounts=[{coupon}]``: the coupon applies to the next invoice (duration once); '' removes it."""
        billing = self._billing[subscription["id"]]
        if not discounts:
            billing.pop("coupon", None)
            subscription["discounts"] = []
            return
        if not isinstance(discounts, list) or len(discounts) != 1 or not isinstance(discounts[0], dict):
            raise _ApiError(400, "The emulator supports one coupon per subscription.", param="discounts")
        coupon = self._find("coupon", discounts[0].get("coupon"), param="discounts[0][coupon]")
        billing["coupon"] = coupon["id"]
        subscription["discounts"] = [self._id("di_")]

    # --- Plan switches: a declined card, the credit a downgrade leaves (issue 15) ---------------------

    def decline_card(self, customer_id: str, *, declines: bool = True) -> None:
        """Simulation: the customer's card declines the immediate invoice of a plan switch (until reset)."""
        with self._lock:
            self._find("customer", customer_id)
            (self._declining_cards.add if declines else self._declining_cards.discard)(customer_id)

    def _refuse_incomplete_switch(self, subscription: dict[str, Any], params: dict[str, Any], now: int) -> None:
        """``payment_behavior=error_if_incomplete``: when the switch's invoice needs a charge the card declines,
        Stripe answers 402 (card_error) and leaves the subscription exactly as it was."""
        behavior = params.get("payment_behavior", "allow_incomplete")
        if behavior not in ("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"):
            raise _ApiError(400, f"Invalid payment_behavior: {behavior}", param="payment_behavior")
        if behavior != "error_if_incomplete" or subscription["customer"] not in self._declining_cards:
            return
        _, price, quantity = self._new_price_param(subscription, params, "items")
        at = _int(params["proration_date"], "proration_date") if "proration_date" in params else now
        lines, restarts = self._proration_lines(subscription, price, quantity, at, preview=True)
        invoiced = restarts or params.get("proration_behavior") == "always_invoice"
        total = sum(line["amount"] for line in self._billing[subscription["id"]]["pending"] + lines)
        if invoiced and total + self.objects[subscription["customer"]]["balance"] > 0:
            raise _ApiError(
                402, "Your card was declined.", code="card_declined", kind="card_error", param="payment_method"
            )

    def _customer_balance_move(self, customer: dict[str, Any], balance: int, *, currency: str) -> None:
        """An invoice used or added credit (a downgrade's unused time): the balance moves and Stripe sends
        ``customer.updated`` with the previous balance, as it does for every change of the customer."""
        before = {"balance": customer["balance"]}
        if customer["currency"] is None:
            before["currency"] = None
            customer["currency"] = currency
        if balance == customer["balance"]:
            return
        customer["balance"] = balance
        self._emit("customer.updated", customer, before)

    def _new_price_param(self, subscription: dict[str, Any], params: dict[str, Any], prefix: str):
        items = params["items"]
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
            raise _ApiError(400, "The emulator supports switching the subscription's one item.", param=f"{prefix}")
        change = items[0]
        item = subscription["items"]["data"][0]
        if change.get("id") != item["id"]:
            raise _ApiError(
                400,
                f"No such subscription item: '{change.get('id')}'",
                param=f"{prefix}[0][id]",
                code="resource_missing",
            )
        price = self._find("price", change.get("price"), param=f"{prefix}[0][price]")
        if not price["active"]:
            raise _ApiError(400, f"The price specified is inactive. ({price['id']})", param=f"{prefix}[0][price]")
        if price["type"] != "recurring":
            raise _ApiError(400, "The price specified is not recurring.", param=f"{prefix}[0][price]")
        if price["currency"] != subscription["currency"]:
            raise _ApiError(
                400,
                "The price specified uses a different currency than the subscription.",
                param=f"{prefix}[0][price]",
            )
        quantity = _int(change.get("quantity", item["quantity"]), f"{prefix}[0][quantity]")
        return item, price, quantity

    def _proration_lines(
        self, subscription: dict[str, Any], new_price: dict[str, Any], quantity: int, at: int, *, preview: bool
    ) -> tuple[list[dict[str, Any]], bool]:
        """Lines for moving the item to ``new_price`` at ``at``, and whether the billing period restarts.

        Same interval: credit for the unused time of the old price and a charge for the remaining time
        at the new price. A different interval restarts the period now: the credit, then the new price
        for a whole period (Stripe invoices that immediately)."""
        item = subscription["items"]["data"][0]
        old_price, old_quantity = item["price"], item["quantity"]
        start, end = item["current_period_start"], item["current_period_end"]
        at = min(max(at, start), end)
        total, remaining = max(end - start, 1), end - at
        old_recurring, new_recurring = old_price["recurring"], new_price["recurring"]
        restarts = (old_recurring["interval"], old_recurring["interval_count"]) != (
            new_recurring["interval"],
            new_recurring["interval_count"],
        )
        trialing = subscription["status"] == "trialing"
        lines = []
        credit = 0 if trialing else (old_price["unit_amount"] * old_quantity * remaining + total // 2) // total
        if credit:
            lines.append(
                self._line(
                    subscription,
                    old_price,
                    old_quantity,
                    -credit,
                    at,
                    end,
                    f"Unused time on {old_quantity} {_TIMES} {self._product_name(old_price)} after {_date(at)}",
                    proration=True,
                    preview=preview,
                )
            )
        if restarts and not trialing:
            new_end = _period_boundary(at, new_recurring["interval"], new_recurring["interval_count"], 1)
            lines.append(self._period_line(subscription, new_price, quantity, at, new_end, preview=preview))
        elif not trialing:
            charge = (new_price["unit_amount"] * quantity * remaining + total // 2) // total
            if charge:
                lines.append(
                    self._line(
                        subscription,
                        new_price,
                        quantity,
                        charge,
                        at,
                        end,
                        f"Remaining time on {quantity} {_TIMES} {self._product_name(new_price)} after {_date(at)}",
                        proration=True,
                        preview=preview,
                    )
                )
        return lines, restarts and not trialing

    def _switch_price(self, subscription: dict[str, Any], params: dict[str, Any], now: int) -> dict[str, Any] | None:
        item, price, quantity = self._new_price_param(subscription, params, "items")
        behavior = params.get("proration_behavior", "create_prorations")
        if behavior not in ("create_prorations", "always_invoice", "none"):
            raise _ApiError(400, f"Invalid proration_behavior: {behavior}", param="proration_behavior")
        at = _int(params["proration_date"], "proration_date") if "proration_date" in params else now
        lines, restarts = self._proration_lines(subscription, price, quantity, at, preview=False)
        if behavior == "none":
            lines = [line for line in lines if not line["parent"]["invoice_item_details"]]
        self._set_item_price(item, price)
        item["quantity"] = quantity
        billing = self._billing[subscription["id"]]
        if restarts:
            recurring = price["recurring"]
            item["current_period_start"] = now
            item["current_period_end"] = _period_boundary(now, recurring["interval"], recurring["interval_count"], 1)
            subscription["billing_cycle_anchor"] = now
            billing.update(anchor=now, periods=1)
            if subscription["cancel_at_period_end"]:
                subscription["cancel_at"] = item["current_period_end"]
        if restarts or (behavior == "always_invoice" and lines):
            lines = billing.pop("pending", []) + lines
            billing["pending"] = []
            invoice = self._new_invoice(subscription, lines, "subscription_update", now, now, now)
            self._settle(invoice, succeed=subscription["customer"] not in self._declining_cards, at=now)
            if invoice["status"] != "paid":
                subscription["status"] = "past_due"  # allow_incomplete: the switch stands, the invoice is owed
            return invoice
        billing["pending"].extend(lines)
        return None

    def _subscription_cancel(self, params: dict[str, Any], subscription_id: str) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"invoice_now", "prorate", "cancellation_details"})
        subscription = self._find("subscription", subscription_id)
        if subscription["status"] == "canceled":
            raise _ApiError(
                400,
                f"This subscription has already been canceled: {subscription_id}",
                code="resource_missing",
            )
        now = self._tick()
        self._end_subscription(subscription, now, canceled_at=now)
        if isinstance(params.get("cancellation_details"), dict):
            for field in ("comment", "feedback"):
                if field in params["cancellation_details"]:
                    subscription["cancellation_details"][field] = params["cancellation_details"][field] or None
        self._emit("customer.subscription.deleted", subscription)
        return 200, copy.deepcopy(subscription)

    def _end_subscription(self, subscription: dict[str, Any], ended_at: int, *, canceled_at: int | None) -> None:
        subscription.update(status="canceled", ended_at=ended_at)
        if canceled_at is not None:
            subscription["canceled_at"] = canceled_at
        subscription["cancellation_details"]["reason"] = "cancellation_requested"
        self._billing[subscription["id"]]["pending"] = []

    # --- Invoices and payments ------------------------------------------------------------------

    def _product_name(self, price: dict[str, Any]) -> str:
        product = self.objects.get(price["product"])
        return product["name"] if product else price["product"]

    def _line(
        self,
        subscription: dict[str, Any],
        price: dict[str, Any],
        quantity: int,
        amount: int,
        start: int,
        end: int,
        description: str,
        *,
        proration: bool,
        preview: bool,
    ) -> dict[str, Any]:
        item = subscription["items"]["data"][0]
        if proration:
            parent = {
                "invoice_item_details": {
                    "invoice_item": self._id("ii_"),
                    "proration": True,
                    "proration_details": {"credited_items": None},
                    "subscription": subscription["id"],
                },
                "subscription_item_details": None,
                "type": "invoice_item_details",
            }
        else:
            parent = {
                "invoice_item_details": None,
                "subscription_item_details": {
                    "invoice_item": None,
                    "proration": False,
                    "proration_details": {"credited_items": None},
                    "subscription": subscription["id"],
                    "subscription_item": item["id"],
                },
                "type": "subscription_item_details",
            }
        return {
            "id": self._id("il_tmp_" if preview else "il_"),
            "object": "line_item",
            "amount": amount,
            "currency": price["currency"],
            "description": description,
            "discount_amounts": [],
            "discountable": not proration,
            "discounts": [],
            "invoice": None,
            "livemode": False,
            "metadata": {},
            "parent": parent,
            "period": {"end": end, "start": start},
            "pretax_credit_amounts": [],
            "pricing": {
                "price_details": {"price": price["id"], "product": price["product"]},
                "type": "price_details",
                "unit_amount_decimal": price["unit_amount_decimal"],
            },
            "quantity": quantity,
            "taxes": [],
        }

    def _period_line(
        self, subscription, price, quantity: int, start: int, end: int, *, trial: bool = False, preview: bool = False
    ):
        if trial:
            description = f"Trial period for {self._product_name(price)}"
            amount = 0
        else:
            amount = price["unit_amount"] * quantity
            description = (
                f"{quantity} {_TIMES} {self._product_name(price)} "
                f"(at {_money(price['unit_amount'], price['currency'])} {_every(price['recurring'])})"
            )
        return self._line(
            subscription, price, quantity, amount, start, end, description, proration=False, preview=preview
        )

    def _invoice_body(
        self,
        invoice_id: str,
        subscription: dict[str, Any],
        lines: list[dict[str, Any]],
        billing_reason: str,
        created: int,
        period_start: int,
        period_end: int,
    ) -> dict[str, Any]:
        customer = self.objects[subscription["customer"]]
        total = sum(line["amount"] for line in lines)
        starting_balance = customer["balance"]
        amount_due = max(total + starting_balance, 0)
        for line in lines:
            line["invoice"] = invoice_id
        return {
            "id": invoice_id,
            "object": "invoice",
            "account_country": "US",
            "account_name": "Returnpath (emulated)",
            "account_tax_ids": None,
            "amount_due": amount_due,
            "amount_overpaid": 0,
            "amount_paid": 0,
            "amount_remaining": amount_due,
            "amount_shipping": 0,
            "application": None,
            "attempt_count": 0,
            "attempted": False,
            "auto_advance": False,
            "automatic_tax": {
                "disabled_reason": None,
                "enabled": False,
                "liability": None,
                "provider": None,
                "status": None,
            },
            "automatically_finalizes_at": None,
            "billing_reason": billing_reason,
            "collection_method": "charge_automatically",
            "confirmation_secret": None,
            "created": created,
            "currency": subscription["currency"],
            "custom_fields": None,
            "customer": customer["id"],
            "customer_address": None,
            "customer_email": customer["email"],
            "customer_name": customer["name"],
            "customer_phone": None,
            "customer_shipping": None,
            "customer_tax_exempt": "none",
            "customer_tax_ids": [],
            "default_payment_method": None,
            "default_source": None,
            "default_tax_rates": [],
            "description": None,
            "discounts": [],
            "due_date": None,
            "effective_at": None,
            "ending_balance": None,
            "footer": None,
            "from_invoice": None,
            "hosted_invoice_url": None,
            "invoice_pdf": None,
            "issuer": {"type": "self"},
            "last_finalization_error": None,
            "latest_revision": None,
            "lines": {
                "object": "list",
                "data": lines,
                "has_more": False,
                "total_count": len(lines),
                "url": f"/v1/invoices/{invoice_id}/lines",
            },
            "livemode": False,
            "metadata": {},
            "next_payment_attempt": None,
            "number": None,
            "on_behalf_of": None,
            "parent": {
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(subscription["metadata"]),
                    "subscription": subscription["id"],
                },
                "type": "subscription_details",
            },
            "payment_settings": {"default_mandate": None, "payment_method_options": None, "payment_method_types": None},
            "period_end": period_end,
            "period_start": period_start,
            "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0,
            "receipt_number": None,
            "rendering": None,
            "shipping_cost": None,
            "shipping_details": None,
            "starting_balance": starting_balance,
            "statement_descriptor": None,
            "status": "draft",
            "status_transitions": {
                "finalized_at": None,
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
            "subtotal": total,
            "subtotal_excluding_tax": total,
            "test_clock": None,
            "threshold_reason": None,
            "total": total,
            "total_discount_amounts": [],
            "total_excluding_tax": total,
            "total_pretax_credit_amounts": [],
            "total_taxes": [],
            "webhooks_delivered_at": None,
        }

    def _new_invoice(
        self,
        subscription: dict[str, Any],
        lines: list[dict[str, Any]],
        billing_reason: str,
        created: int,
        period_start: int,
        period_end: int,
        coupon: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A finalized (open) invoice for the subscription; a coupon, then the customer's credit balance apply."""
        customer = self.objects[subscription["customer"]]
        invoice_id = self._id("in_")
        invoice = self._invoice_body(invoice_id, subscription, lines, billing_reason, created, period_start, period_end)
        if coupon is not None:
            self._discount_invoice(invoice, coupon)
        token = self._suffix(60)
        invoice.update(
            status="open",
            number=f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}",
            effective_at=created,
            ending_balance=min(invoice["total"] + invoice["starting_balance"], 0),
            hosted_invoice_url=f"https://invoice.stripe.com/i/{ACCOUNT_ID}/test_{token}",
            invoice_pdf=f"https://invoice.stripe.com/i/{ACCOUNT_ID}/test_{token}/pdf",
            webhooks_delivered_at=created,
        )
        invoice["status_transitions"]["finalized_at"] = created
        customer["next_invoice_sequence"] += 1
        subscription["latest_invoice"] = invoice_id
        self._save(invoice)
        self._customer_balance_move(customer, invoice["ending_balance"], currency=invoice["currency"])
        return invoice

    def _charge(self, customer_id: str, payment_intent: dict[str, Any], *, succeed: bool, at: int) -> dict[str, Any]:
        customer = self.objects[customer_id]
        amount = payment_intent["amount"]
        charge_id = self._id("ch_")
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": amount,
            "amount_captured": amount if succeed else 0,
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": self._id("txn_") if succeed else None,
            "billing_details": {
                "address": {
                    "city": None,
                    "country": None,
                    "line1": None,
                    "line2": None,
                    "postal_code": None,
                    "state": None,
                },
                "email": customer["email"],
                "name": customer["name"],
                "phone": None,
                "tax_id": None,
            },
            "calculated_statement_descriptor": "RETURNPATH",
            "captured": succeed,
            "created": at,
            "currency": payment_intent["currency"],
            "customer": customer_id,
            "description": payment_intent["description"],
            "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": None if succeed else "card_declined",
            "failure_message": None if succeed else "Your card was declined.",
            "fraud_details": {},
            "livemode": False,
            "metadata": {},
            "on_behalf_of": None,
            "outcome": {
                "advice_code": None,
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "approved_by_network" if succeed else "declined_by_network",
                "reason": None if succeed else "generic_decline",
                "risk_level": "normal",
                "risk_score": 32,
                "seller_message": (
                    "Payment complete." if succeed else "The bank did not return any further details with this decline."
                ),
                "type": "authorized" if succeed else "issuer_declined",
            },
            "paid": succeed,
            "payment_intent": payment_intent["id"],
            "payment_method": payment_intent["payment_method"],
            "payment_method_details": {
                "card": {
                    "amount_authorization": None,
                    "brand": "visa",
                    "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
                    "country": "US",
                    "exp_month": 12,
                    "exp_year": 2034,
                    "fingerprint": "emulatedFingerprint",
                    "funding": "credit",
                    "last4": "4242",
                    "network": "visa",
                    "three_d_secure": None,
                    "wallet": None,
                },
                "type": "card",
            },
            "receipt_email": None,
            "receipt_number": None,
            "receipt_url": f"https://pay.stripe.com/receipts/payment/{self._suffix(60)}",
            "refunded": False,
            "review": None,
            "shipping": None,
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "succeeded" if succeed else "failed",
            "transfer_data": None,
            "transfer_group": None,
        }
        return self._save(charge)

    def _payment_method_for(self, customer_id: str) -> str:
        return self._payment_methods.setdefault(customer_id, self._id("pm_"))

    def _payment_intent(self, customer_id: str, amount: int, currency: str, description: str, at: int):
        payment_intent_id = self._id("pi_")
        payment_intent = {
            "id": payment_intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": 0,
            "application": None,
            "application_fee_amount": None,
            "automatic_payment_methods": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic_async",
            "client_secret": f"{payment_intent_id}_secret_{self._suffix(25)}",
            "confirmation_method": "automatic",
            "created": at,
            "currency": currency,
            "customer": customer_id,
            "description": description,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": {},
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": self._payment_method_for(customer_id),
            "payment_method_configuration_details": None,
            "payment_method_options": {},
            "payment_method_types": ["card"],
            "processing": None,
            "receipt_email": None,
            "review": None,
            "setup_future_usage": None,
            "shipping": None,
            "source": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "requires_payment_method",
            "transfer_data": None,
            "transfer_group": None,
        }
        return self._save(payment_intent)

    def _attempt(self, payment_intent: dict[str, Any], *, succeed: bool, at: int) -> dict[str, Any]:
        charge = self._charge(payment_intent["customer"], payment_intent, succeed=succeed, at=at)
        payment_intent["latest_charge"] = charge["id"]
        if succeed:
            payment_intent.update(status="succeeded", amount_received=payment_intent["amount"], last_payment_error=None)
        else:
            payment_intent.update(
                status="requires_payment_method",
                last_payment_error={
                    "charge": charge["id"],
                    "code": "card_declined",
                    "decline_code": "generic_decline",
                    "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                    "message": "Your card was declined.",
                    "payment_method": {"id": payment_intent["payment_method"], "object": "payment_method"},
                    "type": "card_error",
                },
            )
        return charge

    def _settle(self, invoice: dict[str, Any], *, succeed: bool, at: int) -> None:
        """Attempt to collect an open invoice: nothing to collect pays it at once; otherwise charge the card."""
        invoice["attempted"] = True
        invoice["attempt_count"] += 1
        amount = invoice["amount_remaining"]
        if amount > 0:
            invoice_payment = next(
                (
                    obj
                    for obj in self.objects.values()
                    if obj["object"] == "invoice_payment" and obj["invoice"] == invoice["id"]
                ),
                None,
            )
            if invoice_payment is None:
                description = {
                    "subscription_create": "Subscription creation",
                    "subscription_cycle": "Subscription update",
                    "subscription_update": "Subscription update",
                }.get(invoice["billing_reason"], "Invoice payment")
                payment_intent = self._payment_intent(invoice["customer"], amount, invoice["currency"], description, at)
                invoice_payment = self._save(
                    {
                        "id": self._id("inpay_"),
                        "object": "invoice_payment",
                        "amount_paid": None,
                        "amount_requested": amount,
                        "created": at,
                        "currency": invoice["currency"],
                        "invoice": invoice["id"],
                        "is_default": True,
                        "livemode": False,
                        "payment": {"payment_intent": payment_intent["id"], "type": "payment_intent"},
                        "status": "open",
                        "status_transitions": {"canceled_at": None, "paid_at": None},
                    }
                )
            payment_intent = self.objects[invoice_payment["payment"]["payment_intent"]]
            self._attempt(payment_intent, succeed=succeed, at=at)
            if not succeed:
                invoice["next_payment_attempt"] = at + 3 * DAY if invoice["attempt_count"] < 4 else None
                return
            invoice_payment.update(amount_paid=amount, status="paid")
            invoice_payment["status_transitions"]["paid_at"] = at
            self._unannounced_payments.append(invoice_payment["id"])
        invoice.update(status="paid", amount_paid=invoice["amount_paid"] + amount, amount_remaining=0)
        invoice["next_payment_attempt"] = None
        invoice["status_transitions"]["paid_at"] = at

    def _invoice_preview(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"customer", "subscription", "subscription_details"})
        _require(params, "subscription")
        subscription = self._find("subscription", params["subscription"], param="subscription")
        if params.get("customer") and params["customer"] != subscription["customer"]:
            raise _ApiError(400, "The subscription does not belong to this customer.", param="customer")
        if subscription["status"] == "canceled":
            raise _ApiError(
                400, f"No upcoming invoices for customer: {subscription['customer']}", code="invoice_upcoming_none"
            )
        details = params.get("subscription_details") or {}
        if not isinstance(details, dict):
            raise _ApiError(400, "Invalid object", param="subscription_details")
        _check_params(details, {"items", "proration_date", "proration_behavior", "cancel_at_period_end"})
        now = self._tick()
        item = subscription["items"]["data"][0]
        price, quantity = item["price"], item["quantity"]
        billing = self._billing[subscription["id"]]
        proration_date = None
        lines = [copy.deepcopy(line) for line in billing["pending"]]
        behavior = details.get("proration_behavior", "create_prorations")
        restarts = False
        if details.get("items"):
            _, price, quantity = self._new_price_param(subscription, details, "subscription_details[items]")
            proration_date = (
                _int(details["proration_date"], "subscription_details[proration_date]")
                if "proration_date" in details
                else now
            )
            change, restarts = self._proration_lines(subscription, price, quantity, proration_date, preview=True)
            if behavior == "none":
                change = [line for line in change if not line["parent"]["invoice_item_details"]]
            lines += change
        if restarts or (behavior == "always_invoice" and details.get("items")):
            billing_reason, period_start, period_end, created = "subscription_update", now, now, now
        else:
            start = item["current_period_end"]
            recurring = price["recurring"]
            if (recurring["interval"], recurring["interval_count"]) == (
                item["price"]["recurring"]["interval"],
                item["price"]["recurring"]["interval_count"],
            ):
                end = _period_boundary(
                    billing["anchor"], recurring["interval"], recurring["interval_count"], billing["periods"] + 1
                )
            else:
                end = _period_boundary(start, recurring["interval"], recurring["interval_count"], 1)
            lines.append(self._period_line(subscription, price, quantity, start, end, preview=True))
            billing_reason, period_start, period_end, created = (
                "upcoming",
                item["current_period_start"],
                item["current_period_end"],
                start,
            )
        preview_id = self._id("upcoming_in_")
        invoice = self._invoice_body(preview_id, subscription, lines, billing_reason, created, period_start, period_end)
        invoice["ending_balance"] = min(invoice["total"] + invoice["starting_balance"], 0)
        invoice["parent"]["subscription_details"]["subscription_proration_date"] = proration_date
        if billing_reason == "upcoming":
            invoice["next_payment_attempt"] = created
        return 200, invoice

    def _invoice_payments_list(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"invoice", "payment", "limit", "starting_after", "ending_before"})
        limit = _int(params.get("limit", 10), "limit")
        payments = [obj for obj in self.objects.values() if obj["object"] == "invoice_payment"]
        if params.get("invoice"):
            payments = [obj for obj in payments if obj["invoice"] == params["invoice"]]
        payment_filter = params.get("payment") or {}
        if isinstance(payment_filter, dict) and payment_filter.get("payment_intent"):
            payments = [obj for obj in payments if obj["payment"]["payment_intent"] == payment_filter["payment_intent"]]
        payments.sort(key=lambda obj: obj["created"], reverse=True)
        return 200, _list(copy.deepcopy(payments[:limit]), "/v1/invoice_payments", has_more=len(payments) > limit)

    # --- Refunds --------------------------------------------------------------------------------

    def _refund_create(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"payment_intent", "charge", "amount", "reason", "metadata"})
        if params.get("payment_intent"):
            payment_intent = self._find("payment_intent", params["payment_intent"], param="payment_intent")
            if payment_intent["status"] != "succeeded" or not payment_intent["latest_charge"]:
                raise _ApiError(
                    400,
                    f"This PaymentIntent ({payment_intent['id']}) does not have a successful charge to refund.",
                    param="payment_intent",
                )
            charge = self.objects[payment_intent["latest_charge"]]
        elif params.get("charge"):
            charge = self._find("charge", params["charge"], param="charge")
        else:
            raise _ApiError(
                400, "One of the following params should be provided for this request: payment_intent or charge."
            )
        refundable = charge["amount"] - charge["amount_refunded"]
        if charge["status"] != "succeeded":
            raise _ApiError(400, f"Charge {charge['id']} has not succeeded and cannot be refunded.", param="charge")
        if refundable <= 0:
            raise _ApiError(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
        amount = _int(params["amount"], "amount") if "amount" in params else refundable
        if amount <= 0:
            raise _ApiError(400, "Invalid positive integer", param="amount")
        if amount > refundable:
            raise _ApiError(
                400,
                f"Refund amount ({_money(amount, charge['currency'])}) is greater than unrefunded amount on charge "
                f"({_money(refundable, charge['currency'])})",
                param="amount",
            )
        reason = params.get("reason")
        if reason is not None and reason not in _REFUND_REASONS:
            raise _ApiError(400, f"Invalid reason: must be one of {', '.join(_REFUND_REASONS)}", param="reason")
        now = self._tick()
        refund = self._save(
            {
                "id": self._id("re_"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": self._id("txn_"),
                "charge": charge["id"],
                "created": now,
                "currency": charge["currency"],
                "destination_details": {
                    "card": {
                        "reference": None,
                        "reference_status": "pending",
                        "reference_type": "acquirer_reference_number",
                        "type": "refund",
                    },
                    "type": "card",
                },
                "metadata": _metadata(params.get("metadata")),
                "payment_intent": charge["payment_intent"],
                "reason": reason,
                "receipt_number": None,
                "source_transfer_reversal": None,
                "status": "succeeded",
                "transfer_reversal": None,
            }
        )
        previous = {"amount_refunded": charge["amount_refunded"]}
        charge["amount_refunded"] += amount
        if charge["amount_refunded"] == charge["amount"]:
            previous["refunded"] = False
            charge["refunded"] = True
        self._emit("charge.refunded", charge, previous)
        self._emit("refund.created", refund)
        return 200, copy.deepcopy(refund)

    # --- Events ---------------------------------------------------------------------------------

    def _events_list(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _check_params(params, {"created", "limit", "starting_after", "ending_before", "type", "types"})
        limit = _int(params.get("limit", 10), "limit")
        if not 1 <= limit <= 100:
            raise _ApiError(400, "Invalid integer: limit must be between 1 and 100", param="limit")
        events = list(reversed(self.events))  # newest first
        created = params.get("created")
        if isinstance(created, dict):
            bounds = {
                "gt": lambda value, bound: value > bound,
                "gte": lambda value, bound: value >= bound,
                "lt": lambda value, bound: value < bound,
                "lte": lambda value, bound: value <= bound,
            }
            for op, value in created.items():
                if op not in bounds:
                    raise _ApiError(400, f"Received unknown parameter: created[{op}]", param=f"created[{op}]")
                bound = _int(value, f"created[{op}]")
                events = [event for event in events if bounds[op](event["created"], bound)]
        elif created not in (None, ""):
            moment = _int(created, "created")
            events = [event for event in events if event["created"] == moment]
        types = [params["type"]] if params.get("type") else list(params.get("types") or [])
        if types:
            events = [event for event in events if any(self._type_matches(event["type"], kind) for kind in types)]
        if params.get("starting_after"):
            self._find("event", params["starting_after"], param="starting_after")
            ids = [event["id"] for event in events]
            events = events[ids.index(params["starting_after"]) + 1 :] if params["starting_after"] in ids else []
        elif params.get("ending_before"):
            self._find("event", params["ending_before"], param="ending_before")
            ids = [event["id"] for event in events]
            cut = ids.index(params["ending_before"]) if params["ending_before"] in ids else len(ids)
            events = events[max(cut - limit, 0) : cut]
        return 200, _list(copy.deepcopy(events[:limit]), "/v1/events", has_more=len(events) > limit)

    @staticmethod
    def _type_matches(event_type: str, pattern: str) -> bool:
        return event_type == pattern or (pattern.endswith(".*") and event_type.startswith(pattern[:-1]))

    # --- Simulations: what customers and Stripe's scheduler do -----------------------------------

    def _simulated(self, object_kind: str, object_id: str) -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != object_kind:
            raise EmulatorError(f"No such {object_kind}: {object_id!r}")
        return obj

    def complete_checkout(
        self, session_id: str, *, now: int | None = None, promotion_code: str | None = None, delayed: bool = False
    ) -> list[dict[str, Any]]:
        """The customer pays on the Checkout page. Subscription mode starts the subscription (trialing
        when the session asked for trial days), invoices and charges the first period, and emits
        ``checkout.session.completed``, ``customer.subscription.created`` and ``invoice.paid``.
        Payment mode charges the price and emits ``checkout.session.completed`` only.

        ``promotion_code`` is a code the customer types on the page: refused (EmulatorError, nothing paid) unless
        the session allows codes and Stripe would accept this one (active, not expired or used up, this customer's
        if it names one, its coupon applying to the product). ``delayed`` pays by a delayed method (SEPA debit,
        payment mode): the session completes unpaid, and ``settle_delayed_payment`` gives the bank's answer."""
        with self._lock:
            session = self._simulated("checkout.session", session_id)
            if session["status"] != "open":
                raise EmulatorError(f"Checkout session {session_id} is {session['status']}, not open.")
            config = self._sessions[session_id]
            at = self._tick(now)
            mark = len(self.events)
            if session["customer"]:
                customer = self.objects[session["customer"]]
            else:
                customer = self._new_customer({"email": session["customer_email"]})
                session["customer"] = customer["id"]
            self._payment_method_for(customer["id"])
            price = self.objects[config["price"]]
            quantity = config["quantity"]
            if promotion_code is not None:
                self._typed_promotion_code(session, promotion_code, customer["id"], price, quantity)
            if delayed and session["mode"] != "payment":
                raise EmulatorError(
                    "The emulator pays subscriptions by card only; delayed methods are for payment mode."
                )
            session["customer_details"] = {
                "address": {
                    "city": None,
                    "country": "US",
                    "line1": None,
                    "line2": None,
                    "postal_code": "10001",
                    "state": None,
                },
                "business_name": None,
                "email": customer["email"],
                "individual_name": None,
                "name": customer["name"],
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            }
            if session["mode"] == "subscription":
                subscription = self._new_subscription(
                    customer, price, quantity, config["trial_days"], config["subscription_metadata"], at
                )
                item = subscription["items"]["data"][0]
                trial = subscription["status"] == "trialing"
                line = self._period_line(
                    subscription, price, quantity, item["current_period_start"], item["current_period_end"], trial=trial
                )
                coupon = self.objects[session["discounts"][0]["coupon"]] if session["discounts"] else None
                if coupon is not None and trial:
                    # A first-period discount on a trial waits for the first paid invoice.
                    self._billing[subscription["id"]]["coupon"] = coupon["id"]
                    subscription["discounts"] = [self._id("di_")]
                    coupon = None
                for discount in session["discounts"]:
                    if discount["promotion_code"]:
                        self.objects[discount["promotion_code"]]["times_redeemed"] += 1
                invoice = self._new_invoice(subscription, [line], "subscription_create", at, at, at, coupon=coupon)
                self._settle(invoice, succeed=True, at=at)
                session.update(
                    status="complete",
                    payment_status="paid" if invoice["amount_paid"] else "no_payment_required",
                    subscription=subscription["id"],
                    invoice=invoice["id"],
                    amount_subtotal=invoice["subtotal"],
                    amount_total=invoice["total"],
                )
                self._emit("checkout.session.completed", session)
                self._emit("customer.subscription.created", subscription)
                self._emit("invoice.paid", invoice)
            else:
                payment_intent = self._payment_intent(
                    customer["id"], session["amount_total"], price["currency"], "Checkout payment", at
                )
                payment_intent["metadata"] = dict(config.get("payment_intent_metadata") or {})
                if delayed:
                    payment_intent.update(status="processing", payment_method_types=["sepa_debit"])
                    config["delayed"] = True
                    session.update(
                        status="complete",
                        payment_status="unpaid",
                        payment_intent=payment_intent["id"],
                        payment_method_types=["sepa_debit"],
                    )
                    self._emit("checkout.session.completed", session)
                    return copy.deepcopy(self.events[mark:])
                self._attempt(payment_intent, succeed=True, at=at)
                self.objects[payment_intent["latest_charge"]]["metadata"] = dict(payment_intent["metadata"])
                for discount in session["discounts"]:
                    for object_id in (discount["coupon"], discount["promotion_code"]):
                        if object_id:
                            self.objects[object_id]["times_redeemed"] += 1
                session.update(status="complete", payment_status="paid", payment_intent=payment_intent["id"])
                self._emit("checkout.session.completed", session)
            return copy.deepcopy(self.events[mark:])

    def _typed_promotion_code(
        self, session: dict[str, Any], code: str, customer_id: str, price: dict[str, Any], quantity: int
    ) -> None:
        if not session["allow_promotion_codes"]:
            raise EmulatorError("This Checkout page has no promotion code field (allow_promotion_codes is off).")
        promotion = next(
            (
                obj
                for obj in self.objects.values()
                if obj["object"] == "promotion_code" and obj["active"] and obj["code"].lower() == code.lower()
            ),
            None,
        )
        if promotion is None:
            raise EmulatorError("This code is invalid.")
        refusal = self._promotion_code_refusal(promotion, customer_id=customer_id, product_id=price["product"])
        if refusal:
            raise EmulatorError(refusal)
        amount = price["unit_amount"] * quantity
        off, discounts = self._discount_for(
            [{"promotion_code": promotion["id"]}],
            amount,
            price["currency"],
            customer_id=customer_id,
            product_id=price["product"],
        )
        session.update(
            discounts=discounts, amount_total=session["amount_subtotal"] - min(off, session["amount_subtotal"])
        )
        session["total_details"]["amount_discount"] = min(off, session["amount_subtotal"])

    def settle_delayed_payment(self, session_id: str, *, succeed: bool) -> list[dict[str, Any]]:
        """The bank answers a delayed payment (SEPA debit) days later: the charge succeeds or fails, and
        ``checkout.session.async_payment_succeeded`` or ``..._failed`` is emitted."""
        with self._lock:
            session = self._simulated("checkout.session", session_id)
            if not self._sessions[session_id].get("delayed") or session["payment_status"] != "unpaid":
                raise EmulatorError(f"Checkout session {session_id} has no delayed payment waiting.")
            mark = len(self.events)
            payment_intent = self.objects[session["payment_intent"]]
            charge = self._attempt(payment_intent, succeed=succeed, at=self._tick())
            charge["metadata"] = dict(payment_intent["metadata"])
            if succeed:
                for discount in session["discounts"]:
                    for object_id in (discount["coupon"], discount["promotion_code"]):
                        if object_id:
                            self.objects[object_id]["times_redeemed"] += 1
                session["payment_status"] = "paid"
                self._emit("checkout.session.async_payment_succeeded", session)
            else:
                payment_intent["status"] = "requires_payment_method"
                self._emit("checkout.session.async_payment_failed", session)
            return copy.deepcopy(self.events[mark:])

    def dashboard_refund(self, charge_id: str, *, amount: int | None = None) -> list[dict[str, Any]]:
        """Simulation: someone refunds a charge in the Stripe Dashboard (not through this site's API calls):
        ``charge.refunded`` and ``refund.created`` are emitted, with no request of ours behind them."""
        with self._lock:
            mark = len(self.events)
            params: dict[str, Any] = {"charge": charge_id}
            if amount is not None:
                params["amount"] = str(amount)
            try:
                self._refund_create(params)
            except _ApiError as error:
                raise EmulatorError(error.args[0] if error.args else "refused") from error
            return copy.deepcopy(self.events[mark:])

    def expire_checkout(self, session_id: str) -> list[dict[str, Any]]:
        """The customer never pays: the session expires and ``checkout.session.expired`` is emitted."""
        with self._lock:
            session = self._simulated("checkout.session", session_id)
            if session["status"] != "open":
                raise EmulatorError(f"Checkout session {session_id} is {session['status']}, not open.")
            session.update(status="expired", url=None)
            return [copy.deepcopy(self._emit("checkout.session.expired", session))]

    def advance_to_renewal(self, subscription_id: str, *, succeed: bool) -> list[dict[str, Any]]:
        """The current period (or trial) ends. A subscription set to cancel at period end ends
        (``customer.subscription.deleted``). Otherwise the next period starts and is invoiced:
        ``invoice.paid`` and ``customer.subscription.updated`` (active) when the card is charged,
        ``invoice.payment_failed`` and ``customer.subscription.updated`` (past_due) when declined."""
        with self._lock:
            subscription = self._live_subscription(subscription_id)
            item = subscription["items"]["data"][0]
            return self._renew(subscription, item["current_period_end"], succeed=succeed)

    def end_trial(self, subscription_id: str, *, succeed: bool = True) -> list[dict[str, Any]]:
        """The trial ends now (not at ``trial_end``): the first paid period starts now and is invoiced,
        with the same events as a renewal."""
        with self._lock:
            subscription = self._live_subscription(subscription_id)
            if subscription["status"] != "trialing":
                raise EmulatorError(f"Subscription {subscription_id} is {subscription['status']}, not trialing.")
            now = self._tick()
            billing = self._billing[subscription_id]
            billing.update(anchor=now, periods=0)
            subscription["billing_cycle_anchor"] = now
            return self._renew(subscription, now, succeed=succeed)

    def pay_invoice(self, invoice_id: str, *, succeed: bool = True) -> list[dict[str, Any]]:
        """Stripe retries an open invoice (Smart Retries, or the customer updating their card).
        Success emits ``invoice.paid`` and, when the subscription was past_due,
        ``customer.subscription.updated`` (active); failure emits ``invoice.payment_failed``."""
        with self._lock:
            invoice = self._simulated("invoice", invoice_id)
            if invoice["status"] != "open":
                raise EmulatorError(f"Invoice {invoice_id} is {invoice['status']}, not open.")
            mark = len(self.events)
            self._settle(invoice, succeed=succeed, at=self._tick())
            self._emit("invoice.paid" if succeed else "invoice.payment_failed", invoice)
            subscription = self.objects[invoice["parent"]["subscription_details"]["subscription"]]
            if succeed and subscription["status"] == "past_due" and subscription["latest_invoice"] == invoice_id:
                subscription["status"] = "active"
                self._emit("customer.subscription.updated", subscription, {"status": "past_due"})
            return copy.deepcopy(self.events[mark:])

    def set_card_to_fail(self, customer_id: str, *, fail: bool = True) -> None:
        """From now on this customer's card is declined at every renewal (``succeed=False``), or works again."""
        with self._lock:
            self._simulated("customer", customer_id)
            failing = set(self.failing_customers)
            failing.add(customer_id) if fail else failing.discard(customer_id)
            self.failing_customers = sorted(failing)

    def shift_time(self, seconds: int) -> None:
        """Move every moment this emulator knows by ``seconds`` (negative: into the past).

        ``demo_advance`` moves the whole demo back by N days rather than the clock forward: the site and
        its database keep the real clock, and what was due "in N days" is due now, in Stripe and in the
        database alike. Only Unix timestamps under the keys Stripe uses for moments are moved.
        """
        with self._lock:
            _shift_moments(self.objects, seconds)
            _shift_moments(self.events, seconds)
            for billing in self._billing.values():
                if isinstance(billing.get("anchor"), int):
                    billing["anchor"] += seconds
            self._last_time = max(0, self._last_time + seconds)

    def renew_due(self, *, now: int | None = None) -> list[dict[str, Any]]:
        """Stripe's clock reaching ``now``: every period (or trial) that ended by then renews, declined for a
        card set to fail (the subscription goes past_due and waits for a retry), else paid."""
        with self._lock:
            at = self._tick(now)
            mark = len(self.events)
            self.resume_due(now=at)  # a pause that ended by then resumes first: that period is charged again
            for subscription in [obj for obj in self.objects.values() if obj.get("object") == "subscription"]:
                while subscription["status"] in ("active", "trialing"):
                    item = subscription["items"]["data"][0]
                    if item["current_period_end"] > at:
                        break
                    succeed = subscription["customer"] not in self.failing_customers
                    self._renew(subscription, item["current_period_end"], succeed=succeed)
            return copy.deepcopy(self.events[mark:])

    def _live_subscription(self, subscription_id: str) -> dict[str, Any]:
        subscription = self._simulated("subscription", subscription_id)
        if subscription["status"] == "canceled":
            raise EmulatorError(f"Subscription {subscription_id} is canceled.")
        return subscription

    def _renew(self, subscription: dict[str, Any], start: int, *, succeed: bool) -> list[dict[str, Any]]:
        mark = len(self.events)
        item = subscription["items"]["data"][0]
        if subscription["cancel_at_period_end"]:
            self._end_subscription(subscription, item["current_period_end"], canceled_at=None)
            self._emit("customer.subscription.deleted", subscription)
            return copy.deepcopy(self.events[mark:])
        before = copy.deepcopy(subscription)
        billing = self._billing[subscription["id"]]
        price = self.objects.get(item["price"]["id"], item["price"])
        recurring = price["recurring"]
        billing["periods"] += 1
        end = _period_boundary(
            billing["anchor"], recurring["interval"], recurring["interval_count"], billing["periods"]
        )
        previous_start, previous_end = item["current_period_start"], item["current_period_end"]
        item.update(current_period_start=start, current_period_end=end)
        pause = subscription.get("pause_collection")
        if pause and (pause.get("resumes_at") is None or pause["resumes_at"] > start):
            # Collection paused (behaviour void): the period moves on, its invoice is voided, nothing is charged.
            previous = {field: value for field, value in before.items() if subscription[field] != value}
            self._emit("customer.subscription.updated", subscription, previous)
            return copy.deepcopy(self.events[mark:])
        lines = billing["pending"] + [self._period_line(subscription, item["price"], item["quantity"], start, end)]
        billing["pending"] = []
        at = self._tick()
        coupon = self.objects.get(billing.pop("coupon", ""))
        invoice = self._new_invoice(
            subscription, lines, "subscription_cycle", at, previous_start, previous_end, coupon=coupon
        )
        if coupon is not None:
            subscription["discounts"] = []  # duration once: used up
        self._settle(invoice, succeed=succeed, at=at)
        subscription["status"] = "active" if succeed else "past_due"
        if before["status"] == "trialing":
            subscription["trial_end"] = min(subscription["trial_end"] or start, start)
        previous = {field: value for field, value in before.items() if subscription[field] != value}
        self._emit("invoice.paid" if succeed else "invoice.payment_failed", invoice)
        self._emit("customer.subscription.updated", subscription, previous)
        return copy.deepcopy(self.events[mark:])

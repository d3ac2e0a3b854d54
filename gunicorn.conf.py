"""gunicorn settings for the web process; every value can be changed by an environment variable.

Sync workers suit this app: each request is a few short queries and a template render, and Stripe
calls (checkout, portal) are bounded by the gateway's own timeouts. Scale with more workers per host
(``WEB_CONCURRENCY``, about 2 x cores + 1) and then more hosts behind the proxy.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# Recycle workers now and then so a slow leak never grows; jitter keeps them from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Refuse absurd request lines and headers before Django sees them (bodies are capped by Django).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# The app logs one JSON line per request with its request id (config/observability.py);
# gunicorn's access log would only repeat it. Errors still go to stderr.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Only the proxy in front may set X-Forwarded-*; list its address when it is not on localhost.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the app once in the master, so workers fork with it in memory (faster starts, shared pages).
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() == "true"

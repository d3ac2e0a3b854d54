# One image for web, worker and beat; the command decides which (see docker-compose.yml / Procfile).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

# gettext compiles translations; libpq is not needed (psycopg[binary] ships its own).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are collected at build time (whitenoise serves them, hashed and compressed).
# The build needs a throwaway key and host; the real ones come from the environment at run time.
# BUILD_WITHOUT_REDIS: these two steps enqueue nothing; at run time production refuses to start without Redis.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=build.invalid BUILD_WITHOUT_REDIS=true SITE_URL=https://build.invalid \
    DEFAULT_FROM_EMAIL=build@build.invalid python manage.py compilemessages --ignore=.venv \
    && SECRET_KEY=build-only ALLOWED_HOSTS=build.invalid BUILD_WITHOUT_REDIS=true SITE_URL=https://build.invalid \
    DEFAULT_FROM_EMAIL=build@build.invalid python manage.py collectstatic --noinput

RUN useradd --create-home --uid 10001 returnpath \
    && mkdir -p /app/media \
    && chown -R returnpath /app/media
USER returnpath

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["gunicorn", "config.wsgi:application", "--config", "gunicorn.conf.py"]

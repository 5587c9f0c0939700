# dressdb: one image for web, worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=false

WORKDIR /app
RUN useradd --create-home --uid 1000 dressdb
COPY . .
RUN pip install --no-cache-dir . \
    && SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --noinput \
    && mkdir -p /app/var/files && chown -R dressdb:dressdb /app/var

USER dressdb
EXPOSE 8000
CMD ["gunicorn", "dressdb.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "3", "--threads", "8", "--timeout", "120", "--access-logfile", "-"]

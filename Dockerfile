# Production image of the dispatch centre: one image for web, worker and beat
# (docker-compose.yml picks the command). Configuration comes only from the
# environment variables that dispatch_center/settings.py reads.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DISPATCH_VAR_DIR=/var/lib/dispatch

WORKDIR /app

# Dependencies in their own layer, rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" >/tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself (see .dockerignore for what stays out), installed with pip
# in editable mode so the code runs from /app, beside templates/ and static/.
COPY . .
RUN pip install --no-deps -e . \
    && python manage.py collectstatic --noinput -v0 \
    && useradd --system --uid 10001 --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin dispatch \
    && mkdir -p "$DISPATCH_VAR_DIR" \
    && chown -R dispatch "$DISPATCH_VAR_DIR"

USER dispatch
EXPOSE 8000
# Workers and worker class: gunicorn.conf.py (WEB_CONCURRENCY overrides).
CMD ["gunicorn", "dispatch_center.wsgi:application", "-b", "0.0.0.0:8000", "--access-logfile", "-"]

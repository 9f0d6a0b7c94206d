# KAM production image: gunicorn serves the web app (static files by WhiteNoise); the same
# image runs the Celery worker and beat. See docker-compose.yml.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    KAM_MEDIA_ROOT=/data/media \
    KAM_STATIC_ROOT=/app/staticfiles

# WeasyPrint's system libraries and fonts for the PDF exports.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv \
    && useradd --system --user-group --uid 10001 --home-dir /app --no-create-home kam \
    && mkdir -p /app /data/media \
    && chown kam:kam /data/media

WORKDIR /app

# Dependencies first, so that code changes reuse this layer.
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --locked --no-dev --no-install-project --python /usr/local/bin/python3.12 \
    && rm -rf /root/.cache

COPY . .

# The project's bytecode, compiled once here as uv compiled the dependencies' (UV_COMPILE_BYTECODE):
# every process then starts without compiling anything (the app folder is read-only at run time).
RUN python -m compileall -q -j 0 accounts kam planning scoring manage.py

# Collect and compress static files with the production storage. The key below exists only
# for this build step; the containers get DJANGO_SECRET_KEY from the environment.
RUN DJANGO_DEBUG=false \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DJANGO_SECRET_KEY=collectstatic-only-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEF \
    python manage.py collectstatic --no-input --verbosity 0

USER kam
EXPOSE 8000
CMD ["gunicorn", "kam.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

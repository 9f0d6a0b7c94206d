#!/usr/bin/env bash
# Install what is missing, start PostgreSQL and Redis if needed, migrate, seed the demo
# programme, then serve KAM with Celery workers (jobs; PDF rendering) and beat. Ctrl-C stops everything it started.
#
#   scripts/run.sh                  http://127.0.0.1:8000/
#   KAM_PORT=8080 scripts/run.sh    another port
#
# Demo mode (DJANGO_DEBUG=true): never expose it. For production, see docker-compose.yml.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
kam_traps

PORT="${KAM_PORT:-8000}"
[[ $PORT =~ ^[0-9]+$ ]] || kam_die "KAM_PORT must be a port number, not '$PORT'."
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    kam_die "Port $PORT is already in use: stop what uses it, or set KAM_PORT."
fi

kam_install_packages libharfbuzz-subset0
kam_install_python

export DJANGO_DEBUG=true
# Meeting reminders are printed in the worker's log (.run/logs/worker.log), not sent.
export EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
export KAM_BASE_URL="http://127.0.0.1:$PORT"
# Static files are served from the apps' folders in debug mode; this one only has to exist.
export KAM_STATIC_ROOT="${KAM_STATIC_ROOT:-$KAM_RUN_DIR/static}"
mkdir -p "$KAM_STATIC_ROOT"
kam_postgres kam
kam_redis 0

kam_step "Migrating the database" python manage.py migrate --no-input
kam_step "Seeding the demo programme" python manage.py seed_demo

LOGS="$KAM_RUN_DIR/logs"
mkdir -p "$LOGS"
kam_banner "Starting the Celery workers and beat (logs in .run/logs/)"
kam_start "Celery worker" "$LOGS/worker.log" \
    celery -A kam worker --queues celery --concurrency=1 --loglevel=INFO --hostname "kam-demo@%h"
# PDF rendering and batch exports: a pool process past 800 MiB after a task is replaced.
kam_start "Celery render worker" "$LOGS/render-worker.log" \
    celery -A kam worker --queues render --concurrency=1 --max-memory-per-child=819200 \
    --loglevel=INFO --hostname "kam-demo-render@%h"
kam_start "Celery beat" "$LOGS/beat.log" \
    celery -A kam beat --loglevel=INFO --schedule "$KAM_RUN_DIR/celerybeat-schedule" \
    --pidfile "$KAM_RUN_DIR/celerybeat.pid"
kam_start "web server" - python manage.py runserver "127.0.0.1:$PORT"

cat >&2 <<TEXT

KAM is running at http://127.0.0.1:$PORT/

  Demo logins (password: $(python -c 'from accounts.demo import DEMO_PASSWORD; print(DEMO_PASSWORD)')):
    director     Director: sees every client, imports ledgers
    kam, kam2    Key account managers: see their own clients
    sponsor      Executive sponsor
    contributor  Contributor (logistics)
    admin        Administrator, with the Django admin at /admin/

Press Ctrl-C to stop.
TEXT

# Stop everything as soon as any of them stops on its own.
status=0
wait -n "${KAM_STARTED_PGIDS[@]}" || status=$?
kam_die "a process stopped unexpectedly (exit code $status); see .run/logs/"

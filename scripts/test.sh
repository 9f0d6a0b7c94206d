#!/usr/bin/env bash
# Install what is missing, start PostgreSQL and Redis if needed, then run every check and test:
# Django's checks, migrations, ruff, mypy, translations, the compose file and pytest.
#
#   scripts/test.sh                 everything
#   scripts/test.sh -k ledger -x    everything, with these arguments passed on to pytest
#
# Tests use their own Redis database (15 unless REDIS_URL is set), throwaway media and static
# folders and pytest-django's test_<name> database, so they never touch scripts/run.sh's data.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
kam_traps

kam_check_translations() {
    # The committed .mo files must be what msgfmt makes of the committed .po files.
    local po mo tmp status=0 count=0
    tmp="$(mktemp -d)"
    while IFS= read -r -d '' po; do
        count=$((count + 1))
        mo="${po%.po}.mo"
        msgfmt --check-format -o "$tmp/compiled.mo" "$po" || { status=1; continue; }
        if [[ ! -f $mo ]]; then
            kam_say "$mo is missing: run python manage.py compilemessages"
            status=1
        elif ! python - "$tmp/compiled.mo" "$mo" <<'PY'; then
import gettext
import sys

compiled, committed = (gettext.GNUTranslations(open(p, "rb"))._catalog for p in sys.argv[1:])
sys.exit(compiled != committed)
PY
            kam_say "$mo is out of date: run python manage.py compilemessages"
            status=1
        fi
    done < <(find . -path ./.venv -prune -o -path ./.tools -prune -o -path ./.run -prune \
        -o -name '*.po' -path '*/LC_MESSAGES/*' -print0)
    rm -rf "$tmp"
    kam_say "$count catalogue(s) checked."
    return "$status"
}

kam_collect_static() {
    # As the image build does: production storage (hashed, compressed), so a missing file that
    # a stylesheet refers to fails here rather than in the Docker build.
    DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=localhost \
        DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        python manage.py collectstatic --no-input --verbosity 0
}

kam_pytest() {
    local status=0
    pytest "$@" || status=$?
    if ((status == 5)); then
        kam_say "pytest collected no tests."
        return 1
    fi
    return "$status"
}

kam_install_packages chromium chromium-driver libharfbuzz-subset0 poppler-utils gettext
kam_install_python

export DJANGO_DEBUG=true
export DJANGO_ALLOW_ASYNC_UNSAFE=true
KAM_MEDIA_ROOT="$(mktemp -d /tmp/kam-test-media.XXXXXX)"
KAM_STATIC_ROOT="$(mktemp -d /tmp/kam-test-static.XXXXXX)"
export KAM_MEDIA_ROOT KAM_STATIC_ROOT
kam_test_exit() {
    local status=$?
    rm -rf "$KAM_MEDIA_ROOT" "$KAM_STATIC_ROOT"
    kam_say "Total time: $((SECONDS / 60)) min $((SECONDS % 60)) s"
    kam_cleanup "$status"
}
trap kam_test_exit EXIT
kam_postgres kam
kam_redis 15

kam_step "Django system checks" python manage.py check
kam_step "Migrations are up to date" python manage.py makemigrations --check --dry-run
kam_step "ruff check" ruff check .
kam_step "ruff format --check" ruff format --check .
kam_step "mypy" mypy .
kam_step "Translations are compiled" kam_check_translations
kam_step "Static files collect with the production storage" kam_collect_static
kam_step "docker-compose.yml is valid" \
    check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
kam_step "pytest" kam_pytest "$@"

kam_banner "All checks passed"

"""What each benchmark does before it measures: settings as in production and a throwaway
database, removed afterwards whatever happens.

    with benchdb.throwaway_database("plan") as name:
        return run(args)
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


@contextmanager
def throwaway_database(subject: str, *, production: bool = True) -> Iterator[str]:
    """A new database ``kam_bench_<subject>_<pid>`` on the server of ``DATABASE_URL``, which
    Django then uses; its name is given to the block. ``production``: DEBUG off (no SQL
    logging, no debug cursor) and hashed static files in a throwaway folder, as served."""
    static_root = None
    if production:
        os.environ["DJANGO_DEBUG"] = "false"
        os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
        os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
        static_root = tempfile.mkdtemp(prefix="kam-bench-static-")
        os.environ["KAM_STATIC_ROOT"] = static_root
    os.environ.setdefault("KAM_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kam.settings"
    server = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kam"))
    name = f"kam_bench_{subject}_{os.getpid()}"
    admin_url = urlunsplit(server._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = urlunsplit(server._replace(path=f"/{name}"))
    try:
        yield name
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if static_root:
            shutil.rmtree(static_root, ignore_errors=True)

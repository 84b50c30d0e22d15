"""The bench database: PostgreSQL only, created when missing, and never a database the bench was not meant for."""

import psycopg
from django.conf import settings
from psycopg import sql


class NotABenchDatabase(Exception):
    pass


def ensure_exists(*, recreate: bool = False) -> None:
    """Create the database DATABASE_URL names if it is missing (connecting to the server's `postgres` database).

    `recreate` drops it first, so that a migration edited in place cannot leave an old schema behind.
    """
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise NotABenchDatabase("The bench needs PostgreSQL: set DATABASE_URL=postgres://… (make bench does).")
    # The fill empties the core tables, so refuse a database not named for the bench (e.g. `test` or production).
    if "bench" not in db["NAME"]:
        raise NotABenchDatabase(f"Refusing to fill '{db['NAME']}': the bench database's name must contain 'bench'.")
    server = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"] or None}
    with psycopg.connect(dbname="postgres", password=db["PASSWORD"] or None, autocommit=True, **server) as conn:
        if recreate:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db["NAME"])))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            print(f"Created the database {db['NAME']}.")

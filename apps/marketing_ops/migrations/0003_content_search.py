"""Indexes for the content library's search, on PostgreSQL only (SQLite searches with `icontains`).

pg_trgm for the typo-tolerant title search; a GIN index on `search_vector` (what `@@` reads) and a trigram GIN index
on `title` (what `%>` reads). On SQLite every step is a no-op, so one migration history serves both databases.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS content_asset_search ON marketing_ops_asset USING gin (search_vector)",
    "CREATE INDEX IF NOT EXISTS content_asset_title_trgm ON marketing_ops_asset USING gin (title gin_trgm_ops)",
]
# The extension stays: other tables may use it, and dropping it needs more rights than creating it.
BACKWARD = [
    "DROP INDEX IF EXISTS content_asset_title_trgm",
    "DROP INDEX IF EXISTS content_asset_search",
]


def _on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("marketing_ops", "0002_content_library"),
    ]

    operations = [
        migrations.RunPython(_on_postgres(FORWARD), _on_postgres(BACKWARD), elidable=False),
    ]

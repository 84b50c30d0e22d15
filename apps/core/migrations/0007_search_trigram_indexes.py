"""Trigram indexes for the admin's searches on PostgreSQL: `icontains` (UPPER(col::text) LIKE '%…%') over
contact e-mails and names, account names and domains is served from GIN indexes instead of reading every row.
SQLite has no pg_trgm: there the migration does nothing. Creating the extension needs a role allowed to
(a superuser, or the database owner on PostgreSQL 13+ as pg_trgm is a trusted extension)."""

from django.db import migrations

# (index, table, column): each index is on the very expression Django's icontains compares, so the planner
# can use it.
INDEXES = [
    ("core_contact_email_trgm", "core_contact", "email"),
    ("core_contact_first_name_trgm", "core_contact", "first_name"),
    ("core_contact_last_name_trgm", "core_contact", "last_name"),
    ("core_account_name_trgm", "core_account", "name"),
    ("core_account_domain_trgm", "core_account", "domain"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("core", "0006_pipeline_definition")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

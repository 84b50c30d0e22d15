"""Celery tasks of the content library: thin, idempotent, calling services."""

from celery import shared_task


@shared_task(acks_late=True)
def version_process_task(version_id: int) -> None:
    """After an upload: extract the version's text and render its preview (safe to run twice)."""
    from apps.marketing_ops.content.services import processing

    processing.version_process(version_id=version_id)

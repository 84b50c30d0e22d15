"""API tokens (django-rest-knox): issued at sign-in, revoked by their owner, by ops, and whenever the person
behind them changes: a new password or a deactivated account ends every token they had."""

import logging

from django.db import transaction
from knox.models import AuthToken

from apps.core.models import User

log = logging.getLogger(__name__)


def api_token_create(*, user: User) -> tuple[AuthToken, str]:
    """A new token for `user`, ending after API_TOKEN_TTL_DAYS. The secret is returned once, never stored."""
    token, secret = AuthToken.objects.create(user=user)
    log.info("API token %s issued to %s", token.token_key, user)
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: AuthToken, actor: User) -> None:
    """End one token. Revoking one already gone is not an error: the wanted state holds."""
    deleted, _ = AuthToken.objects.filter(digest=token.digest).delete()
    if deleted:
        log.info("API token %s of %s revoked by %s", token.token_key, token.user_id, actor)


@transaction.atomic
def api_tokens_revoke_all(*, user_id: int, reason: str) -> int:
    """End every token of one person; the number ended."""
    deleted, _ = AuthToken.objects.filter(user_id=user_id).delete()
    if deleted:
        log.info("%d API tokens of user %s revoked: %s", deleted, user_id, reason)
    return deleted

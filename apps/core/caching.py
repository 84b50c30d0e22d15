"""Reads kept in the shared cache (`CACHES["default"]`: the database cache, or Redis when `CACHE_URL` says so).

A cached read is an optimisation, never a dependency: if the cache cannot be reached, the value is worked out
as if it were not there, and the page answers as it would without a cache (a little slower).
"""

import hashlib
import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def digest(*parts: str) -> str:
    """A short, stable name for `parts` (a key's worth of text: a query's SQL, a data version)."""
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def cached(key: str, compute, *, timeout: int):
    """The value cached under `key`, else `compute()`, kept for `timeout` seconds. None is never cached."""
    try:
        value = cache.get(key)
    except Exception:  # any backend's failure: the database cache's table, a Redis that is down
        logger.warning("cache unavailable, reading %s directly", key, exc_info=True)
        return compute()
    if value is not None:
        return value
    value = compute()
    try:
        cache.set(key, value, timeout)
    except Exception:
        logger.warning("cache unavailable, %s not kept", key, exc_info=True)
    return value

"""A cached read is an optimisation, never a dependency: kept and read back, and worked out directly when the
cache cannot be reached."""

from apps.core.caching import cached, digest


def test_a_value_is_worked_out_once_then_read_back(db):
    calls = []

    def compute():
        calls.append(1)
        return {"sums": [1, 2]}

    assert cached("test:caching:once", compute, timeout=60) == {"sums": [1, 2]}
    assert cached("test:caching:once", compute, timeout=60) == {"sums": [1, 2]}
    assert len(calls) == 1


def test_an_unreachable_cache_gives_the_value_worked_out(settings, caplog):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }

    assert cached("test:caching:down", lambda: 42, timeout=60) == 42
    assert "cache unavailable" in caplog.text


def test_a_digest_names_its_parts_in_order():
    assert digest("a", "b") == digest("a", "b")
    assert digest("a", "b") != digest("b", "a")
    assert digest("ab") != digest("a", "b")

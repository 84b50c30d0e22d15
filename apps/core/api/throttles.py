"""API throttles, counted in the shared cache (CACHES["default"]) so every web process counts together."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class _RatesFromSettings:
    """DRF binds the rates when the class is defined; reading them per request lets a deployment (or a test)
    change REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] and be obeyed."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_RatesFromSettings, AnonRateThrottle):
    """Anonymous callers, per address."""


class UserThrottle(_RatesFromSettings, UserRateThrottle):
    """Signed-in callers (session or token), per user."""


class ScopedThrottle(_RatesFromSettings, ScopedRateThrottle):
    """A view's own `throttle_scope` (the token endpoint's `auth`), per user or address."""

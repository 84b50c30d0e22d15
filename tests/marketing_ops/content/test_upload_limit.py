"""The request-size guard lets the content library's uploads be larger than other files, and only there."""

import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from apps.core.uploads import UploadLimitMiddleware

MB = 1024 * 1024


@pytest.fixture
def limits(settings):
    settings.UPLOAD_MAX_BYTES, settings.CONTENT_UPLOAD_MAX_BYTES = 10 * MB, 100 * MB


def answer(path: str, length: int):
    """The middleware's answer to a POST declaring `length` bytes (none are sent: it must not read them)."""
    request = RequestFactory().post(path, content_type="application/octet-stream", CONTENT_LENGTH=str(length))
    return UploadLimitMiddleware(lambda request: HttpResponse("passed"))(request)


@pytest.mark.parametrize("path", ["/api/v1/content/assets/1/versions/", "/marketing/content/assets/1/upload/"])
def test_a_50_mb_content_upload_passes(limits, path):
    assert answer(path, 50 * MB).content == b"passed"


def test_a_content_upload_past_its_limit_is_a_413_naming_it(limits):
    response = answer("/api/v1/content/assets/1/versions/", 150 * MB)
    assert response.status_code == 413
    assert json.loads(response.content) == {
        "detail": "The upload is too large: a file may be at most 100 MB.",
        "code": "too_large",
    }


def test_elsewhere_the_general_limit_stays(limits):
    response = answer("/sales/deals/1/attachments/", 50 * MB)
    assert response.status_code == 413 and "at most 10 MB" in response.content.decode()


def test_the_content_limit_never_lowers_the_general_one(settings):
    settings.UPLOAD_MAX_BYTES, settings.CONTENT_UPLOAD_MAX_BYTES = 10 * MB, 1 * MB
    assert answer("/api/v1/content/assets/1/versions/", 5 * MB).content == b"passed"

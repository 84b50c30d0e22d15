"""The API's JSON parser: DRF's, refusing bodies nested deeper than any request of ours needs."""

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _depth(value) -> int:
    """How deeply lists and objects nest in `value`, walked without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(JSONParser):
    """A body nested past API_MAX_JSON_DEPTH, or past what Python's parser can hold, is a 400, never a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(self.too_deep()) from error
        if _depth(data) > settings.API_MAX_JSON_DEPTH:
            raise ParseError(self.too_deep())
        return data

    @staticmethod
    def too_deep() -> str:
        return f"JSON parse error - the body nests lists and objects deeper than {settings.API_MAX_JSON_DEPTH} levels."

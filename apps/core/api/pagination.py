"""API pagination: keyset (cursor) pages, newest first, so page 10 000 costs what page 1 costs."""

from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

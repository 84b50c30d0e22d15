"""Full-text search of the library: the search vector kept on PostgreSQL, ranked queries; `icontains` on SQLite."""


def asset_search_refresh(asset_ids: list[int]) -> None:
    """Recompute the search vector of these assets (title A, tags and description B, current text C).

    Called by every service that changes what is searched; a no-op on SQLite.
    """

"""What the list tests of every app ask: which rows a portal list page and its API show for the same filter."""


def page_ids(client, path: str) -> set[int]:
    """The ids of the rows a portal list page shows (apps/core/list_views.py), asserting it answered 200."""
    response = client.get(path)
    assert response.status_code == 200, response.content.decode()[:500]
    return {row.pk for row in response.context["page"].rows}


def api_ids(api, path: str) -> set[int]:
    """The ids of the rows an API list answers, asserting it answered 200."""
    response = api.get(path)
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}

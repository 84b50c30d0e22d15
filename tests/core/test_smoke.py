from apps.core.factories import LeadFactory


def test_lead_list_answers_for_a_rep(api, rep):
    LeadFactory(owner=rep)
    response = api.as_user(rep).get("/api/v1/leads/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1

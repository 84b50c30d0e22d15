"""The user admin: sales ops manage the organisation below them and cannot escalate anyone, themselves included."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from apps.core.factories import UserFactory
from apps.core.models import Role, User


@pytest.fixture
def ops_client(client, sales_ops):
    client.force_login(sales_ops)
    return client


def _change_url(user):
    return reverse("admin:core_user_change", args=[user.pk])


def _form(user, **changes):
    """What the organisation form posts for `user`, with `changes` on top (crafted fields included)."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "manager": user.manager_id or "",
        "territory": user.territory_id or "",
        "is_active": "on",
        "groups": [group.pk for group in user.groups.all()],
    }
    data.update(changes)
    return data


def _group(role):
    return Group.objects.get(name=role).pk


def test_sales_ops_change_the_manager_chain_and_the_rep_and_manager_roles(ops_client, rep, other_rep, manager):
    response = ops_client.post(
        _change_url(other_rep), _form(other_rep, manager=manager.pk, groups=[_group(Role.MANAGER)])
    )
    assert response.status_code == 302
    other_rep.refresh_from_db()
    assert other_rep.manager_id == manager.pk
    assert set(other_rep.groups.values_list("name", flat=True)) == {Role.MANAGER}


def test_the_organisation_form_offers_no_flag_permission_or_password(ops_client, rep):
    page = ops_client.get(_change_url(rep)).content.decode()
    for field in ('name="is_superuser"', 'name="is_staff"', 'name="user_permissions"', "password/"):
        assert field not in page


def test_a_crafted_superuser_flag_is_not_written(ops_client, rep):
    ops_client.post(_change_url(rep), _form(rep, is_superuser="on", is_staff="on"))
    rep.refresh_from_db()
    assert not rep.is_superuser and not rep.is_staff


def test_sales_ops_cannot_make_themselves_staff_or_superuser(ops_client, sales_ops):
    sales_ops.is_staff = True
    sales_ops.save()
    ops_client.post(_change_url(sales_ops), _form(sales_ops, is_superuser="on", is_staff=""))
    sales_ops.refresh_from_db()
    assert sales_ops.is_staff and not sales_ops.is_superuser
    assert sales_ops.groups.filter(name=Role.SALES_OPS).exists()


@pytest.mark.parametrize("role", [Role.SALES_OPS, Role.MARKETING_OPS])
def test_a_crafted_ops_role_is_refused(ops_client, rep, role):
    response = ops_client.post(_change_url(rep), _form(rep, groups=[_group(role)]))
    assert response.status_code == 200  # the form again, with the error
    assert "groups" in response.context["adminform"].form.errors
    assert set(rep.groups.values_list("name", flat=True)) == {Role.REP}


def test_a_crafted_permission_is_not_written(ops_client, rep):
    permission = Permission.objects.get(codename="change_user")
    ops_client.post(_change_url(rep), _form(rep, user_permissions=[permission.pk]))
    assert not rep.user_permissions.exists()


def test_sales_ops_cannot_set_another_users_password(ops_client, rep):
    before = User.objects.get(pk=rep.pk).password
    url = reverse("admin:auth_user_password_change", args=[rep.pk])
    response = ops_client.post(url, {"password1": "Escalated-123", "password2": "Escalated-123"})
    assert response.status_code == 403
    assert User.objects.get(pk=rep.pk).password == before


@pytest.mark.parametrize("target", ["superuser", "other ops"])
def test_a_superusers_or_another_ops_users_record_is_read_only(ops_client, admin_user, marketing_ops, target):
    user = admin_user if target == "superuser" else marketing_ops
    response = ops_client.post(_change_url(user), _form(user, first_name="Changed", is_active=""))
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.first_name != "Changed" and user.is_active


def test_sales_ops_may_not_revert_a_user_to_an_earlier_version(ops_client, rep):
    version = rep.history.first()
    url = reverse("admin:core_user_simple_history", args=[rep.pk, version.history_id])
    assert ops_client.get(url).status_code == 403


def test_sales_ops_send_a_password_reset_email_instead(ops_client, rep, admin_user):
    response = ops_client.post(
        reverse("admin:core_user_changelist"),
        {"action": "send_password_reset", "_selected_action": [rep.pk, admin_user.pk]},
    )
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [[rep.email]]
    assert "/password/reset/" in mail.outbox[0].body


def test_an_admin_keeps_the_full_form(admin_client, rep):
    page = admin_client.get(_change_url(rep)).content.decode()
    assert 'name="is_superuser"' in page and 'name="user_permissions"' in page


def test_an_admin_may_give_an_ops_role(admin_client, rep):
    data = _form(rep, groups=[_group(Role.SALES_OPS)], is_staff="on", date_joined_0="2026-01-01")
    data.update({"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "last_login_0": "", "last_login_1": ""})
    response = admin_client.post(_change_url(rep), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert rep.groups.filter(name=Role.SALES_OPS).exists()


def test_the_groups_sales_ops_may_not_give_stay_on_the_user(ops_client, manager):
    viewer = UserFactory(username="both", roles=[Role.REP, "auditors"])
    ops_client.post(_change_url(viewer), _form(viewer, groups=[_group(Role.MANAGER)]))
    assert set(viewer.groups.values_list("name", flat=True)) == {Role.MANAGER, "auditors"}

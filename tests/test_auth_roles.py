"""Roles and sign-in: permissions for every write of the measures-that-matter work, and email-to-role mapping."""
from __future__ import annotations

import pytest

from framework.core import auth
from framework.core.model import ROLES, User
from framework.streamlit_glue import signed_in_user

ROLES_CONFIG = {
    "default": "viewer",
    "emails": {"Lead@NHS.net": "editor", "typo@nhs.net": "superuser"},
    "domains": {"nhs.net": "partner", "council.gov.uk": "partner", "voices.org.uk": "community"},
}


@pytest.mark.parametrize("permission, allowed", [
    ("propose_measure", {"community", "partner", "editor", "admin"}),
    ("review_proposals", {"editor", "admin"}),
    ("vote", {"community", "partner", "editor", "admin"}),
    ("run_priorities", {"editor", "admin"}),
    ("edit_indicators", {"editor", "admin"}),
    ("edit_framework", {"editor", "admin"}),
    ("view_history", {"editor", "admin"}),
])
def test_each_permission_is_held_by_exactly_the_roles_listed(permission, allowed):
    holders = {role for role in ROLES if auth.can(User("u", "U", role), permission)}
    assert holders == allowed


@pytest.mark.parametrize("email, role", [
    ("lead@nhs.net", "editor"),             # the exact address wins over its domain, case ignored
    ("someone@nhs.net", "partner"),         # the domain
    ("a.person@north.council.gov.uk", "partner"),  # a sub-domain of a listed domain
    ("chair@voices.org.uk", "community"),
    ("stranger@example.com", "viewer"),     # the default
    ("typo@nhs.net", "viewer"),             # an unknown role never grants more than reading
    ("", "viewer"),
])
def test_a_signed_in_email_maps_to_its_role(email, role):
    assert auth.role_for_email(email, ROLES_CONFIG["emails"], ROLES_CONFIG["domains"], "viewer") == role


def test_the_default_role_applies_to_unlisted_addresses_when_configured():
    assert auth.role_for_email("x@else.org", {}, {}, default="community") == "community"


def test_a_signed_in_identity_becomes_a_user_with_role_and_stakeholder_group():
    user = signed_in_user({"is_logged_in": True, "email": "Chair@Voices.org.uk", "name": "Asha Patel"},
                          ROLES_CONFIG, {"domains": {"voices.org.uk": "community"}})
    assert (user.user_id, user.name, user.role, user.group_code) == (
        "chair@voices.org.uk", "Asha Patel", "community", "community")


def test_someone_not_signed_in_is_an_anonymous_viewer():
    user = signed_in_user({"is_logged_in": False}, ROLES_CONFIG, {})
    assert (user.user_id, user.role) == ("anonymous", "viewer")


def test_a_refusal_names_the_role_and_who_may_act():
    with pytest.raises(PermissionError, match="signed in as community representative; only engagement lead \\(editor\\) and administrator can review proposals"):
        auth.require(User("c", "Casey", "community"), "review_proposals")


def test_the_secrets_example_documents_auth_roles_and_groups():
    import tomllib

    from tests.conftest import ROOT

    example = tomllib.loads((ROOT / ".streamlit" / "secrets.toml.example").read_text())
    assert {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"} <= set(example["auth"])
    assert set(example["roles"]["emails"].values()) <= set(ROLES)
    assert set(example["roles"]["domains"].values()) <= set(ROLES)
    assert example["groups"]["domains"]

"""Create Auth Challenge: presents the challenge, and holds no secret."""

from __future__ import annotations

import pytest

from tests.conftest import load_event
from triggers import create_auth_challenge

pytestmark = pytest.mark.usefixtures("stack")  # triggers read the audit key from SSM


def test_presents_the_emailed_challenge() -> None:
    response = create_auth_challenge.handler(load_event("create_auth_challenge"), None)["response"]
    assert response["publicChallengeParameters"] == {"challenge": "EMAIL_CODE_OR_LINK"}
    assert response["challengeMetadata"] == "SESAME_EMAIL"
    # The code and link were mailed earlier; only a random flow id passes through Cognito.
    private = response["privateChallengeParameters"]
    assert private["challenge"] == "EMAIL_CODE_OR_LINK" and len(private["flow"]) >= 32
    again = create_auth_challenge.handler(load_event("create_auth_challenge"), None)["response"]
    assert again["privateChallengeParameters"]["flow"] != private["flow"]

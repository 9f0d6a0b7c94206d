"""The cast: KAMs alice and bob, director dana, sponsor sam, contributor carl, admin ada."""

import pytest

from accounts.models import Department, User
from tests.factories import UserFactory


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", role=User.Role.KAM, country="FR")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", role=User.Role.KAM, country="DE")


@pytest.fixture
def dana(db):
    return UserFactory(
        username="dana", role=User.Role.DIRECTOR, department=Department.MANAGEMENT, country="FR"
    )


@pytest.fixture
def sam(db):
    return UserFactory(
        username="sam", role=User.Role.SPONSOR, department=Department.MANAGEMENT, country="FR"
    )


@pytest.fixture
def carl(db):
    return UserFactory(
        username="carl", role=User.Role.CONTRIBUTOR, department=Department.LOGISTICS, country="ES"
    )


@pytest.fixture
def ada(db):
    return UserFactory(
        username="ada", role=User.Role.ADMIN, department=Department.OTHER, is_staff=True
    )

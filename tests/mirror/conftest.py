"""A running mirror shared by the mirror tests, and an HTTP session that trusts its CA bundle."""
from __future__ import annotations

import pytest
import requests

from portal_mirror import MirrorServer
from portal_mirror.config import CERT_DIR

CA_BUNDLE = str(CERT_DIR / "ca-bundle.pem")


def make_session() -> requests.Session:
    s = requests.Session()
    s.trust_env = False            # REQUESTS_CA_BUNDLE in the environment would override s.verify
    s.verify = CA_BUNDLE
    return s


@pytest.fixture(scope="session")
def mirror():
    with MirrorServer() as m:
        yield m


@pytest.fixture
def http():
    with make_session() as s:
        yield s

import pytest

from lianxin.engines.fraudscreen import Screener


@pytest.fixture(scope="session")
def screener() -> Screener:
    return Screener.load()

from tests.web.conftest import fast_password_hasher  # noqa: F401 (autouse fixture shared with the page tests)

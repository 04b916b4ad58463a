"""The web tests' seeded workspace (two brands, staff of every role) for the noise pages."""

from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.web.conftest import workspace  # noqa: F401 (fixture)

"""The web tests' seeded workspace (Acme: ana, sam; Other: olga; root) for the lifecycle tests."""

from tests.web.conftest import workspace  # noqa: F401 (fixture)

"""Settings come from the environment, validated by their declared types."""
from __future__ import annotations

import pytest

from vnict.settings import REPO_ROOT, SettingsError, load_settings


def test_no_environment_gives_the_embedded_defaults(monkeypatch):
    for var in ("VNICT_STATE_DIR", "WAREHOUSE_DSN", "VNICT_PG_PORT", "VNICT_SOURCES", "VNICT_MIRROR_PORT"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings()
    assert settings.state_dir == (REPO_ROOT / ".state").resolve()
    assert settings.warehouse_dsn is None and settings.sources_mode == "mirror"
    assert settings.warehouse.port == settings.pg_port == 54329


@pytest.mark.parametrize("variable, value, message", [
    ("VNICT_PG_PORT", "five", "valid integer"),
    ("VNICT_MIRROR_PORT", "70000", "less than or equal to 65535"),
    ("VNICT_SOURCES", "web", "'mirror' or 'live'"),
])
def test_a_malformed_variable_is_named(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=rf"{variable}: .*{message}.*{value!r}"):
        load_settings()

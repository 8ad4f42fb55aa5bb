"""Every setting of the project in one place, read from the environment with working defaults.

With no environment at all the project runs on its embedded Postgres and its portal mirror, with
all state (database files, Airflow home, logs) in `.state/` inside the checkout. The fields' types
are the validation (pydantic); a malformed variable fails with its name.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator
from pydantic.dataclasses import dataclass

from warehouse.settings import WarehouseSettings

REPO_ROOT = Path(__file__).resolve().parents[1]

Port = Annotated[int, Field(ge=1, le=65535)]


class SettingsError(ValueError):
    """A setting in the environment is malformed."""


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Settings:
    """The defaults live in ENVIRONMENT below."""

    state_dir: Path
    warehouse_dsn: str | None        # WAREHOUSE_DSN: an external server; None = embedded
    pg_host: str
    pg_port: Port
    pg_database: str
    pg_user: str
    mirror_port: Port                # first port of the portal mirror (one port per site)
    sources_mode: Literal["mirror", "live"]
    bi_reader_password: str | None

    @field_validator("state_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()

    @property
    def warehouse(self) -> WarehouseSettings:
        """What the warehouse layer needs, handed to it (it never reads these settings itself)."""
        return WarehouseSettings(state_dir=self.state_dir, run_dir=self.run_dir, log_dir=self.log_dir,
                                 external_dsn=self.warehouse_dsn, host=self.pg_host, port=self.pg_port,
                                 database=self.pg_database, user=self.pg_user)

    @property
    def run_dir(self) -> Path:
        return self.state_dir / "run"

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "logs"

    @property
    def airflow_home(self) -> Path:
        return self.state_dir / "airflow"

    @property
    def mirror_sites_file(self) -> Path:
        return self.run_dir / "mirror_sites.json"

    @property
    def sql_dir(self) -> Path:
        return REPO_ROOT / "sql"

    @property
    def dbt_project_dir(self) -> Path:
        return REPO_ROOT / "dbt_project"

    @property
    def dags_dir(self) -> Path:
        return REPO_ROOT / "dags"


# Environment variable -> (setting, default when the variable is unset or empty).
ENVIRONMENT = {
    "VNICT_STATE_DIR": ("state_dir", REPO_ROOT / ".state"),
    "WAREHOUSE_DSN": ("warehouse_dsn", None),
    "VNICT_PG_HOST": ("pg_host", "127.0.0.1"),
    "VNICT_PG_PORT": ("pg_port", 54329),
    "VNICT_PG_DATABASE": ("pg_database", "vnict"),
    "VNICT_PG_USER": ("pg_user", "vnict"),
    "VNICT_MIRROR_PORT": ("mirror_port", 18400),
    "VNICT_SOURCES": ("sources_mode", "mirror"),
    "BI_READER_PASSWORD": ("bi_reader_password", None),
}


def load_settings() -> Settings:
    values = {field: os.environ.get(var) or default for var, (field, default) in ENVIRONMENT.items()}
    try:
        return Settings(**values)
    except ValidationError as exc:
        variable = {field: var for var, (field, _) in ENVIRONMENT.items()}
        raise SettingsError("; ".join(f"{variable.get(str(e['loc'][0]), e['loc'][0])}: {e['msg']} (got {e['input']!r})"
                                      for e in exc.errors())) from None

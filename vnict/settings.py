"""Every setting of the project in one place, read from the environment with working defaults.

With no environment at all the project runs on its embedded Postgres and its portal mirror, with
all state (database files, Airflow home, logs) in `.state/` inside the checkout.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from warehouse.settings import WarehouseSettings

REPO_ROOT = Path(__file__).resolve().parents[1]


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


class SettingsError(ValueError):
    """A setting in the environment is malformed."""


@dataclass(frozen=True)
class Settings:
    state_dir: Path
    warehouse_dsn: str | None        # WAREHOUSE_DSN: an external server; None = embedded
    pg_host: str
    pg_port: int
    pg_database: str
    pg_user: str
    mirror_port: int                 # first port of the portal mirror (one port per site)
    sources_mode: str                # mirror | live
    bi_reader_password: str | None

    @property
    def warehouse(self) -> WarehouseSettings:
        """What the warehouse layer needs, handed to it (it never reads these settings itself)."""
        return WarehouseSettings(state_dir=self.state_dir, external_dsn=self.warehouse_dsn,
                                 host=self.pg_host, port=self.pg_port, database=self.pg_database,
                                 user=self.pg_user)

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


def load_settings() -> Settings:
    mode = os.environ.get("VNICT_SOURCES", "mirror")
    if mode not in ("mirror", "live"):
        raise SettingsError(f"VNICT_SOURCES must be 'mirror' or 'live', got {mode!r}")
    return Settings(
        state_dir=Path(os.environ.get("VNICT_STATE_DIR") or REPO_ROOT / ".state").resolve(),
        warehouse_dsn=os.environ.get("WAREHOUSE_DSN") or None,
        pg_host=os.environ.get("VNICT_PG_HOST", "127.0.0.1"),
        pg_port=_env_int("VNICT_PG_PORT", 54329),
        pg_database=os.environ.get("VNICT_PG_DATABASE", "vnict"),
        pg_user=os.environ.get("VNICT_PG_USER", "vnict"),
        mirror_port=_env_int("VNICT_MIRROR_PORT", 18400),
        sources_mode=mode,
        bi_reader_password=os.environ.get("BI_READER_PASSWORD") or None,
    )

"""What the warehouse layer needs to know, handed in by the application (vnict.settings builds it):
the warehouse never reads the application's settings itself."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WarehouseSettings:
    state_dir: Path                  # the embedded cluster's data, password and lock live here
    run_dir: Path                    # its socket folder
    log_dir: Path                    # its log
    external_dsn: str | None         # a server Postgres (WAREHOUSE_DSN); None = the embedded cluster
    host: str
    port: int
    database: str
    user: str

    @property
    def data_dir(self) -> Path:
        return self.state_dir / "pgdata"

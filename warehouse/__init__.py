"""Warehouse access: the embedded Postgres, migrations, and the stores that write raw and staging."""
from warehouse.connection import resolve_dsn
from warehouse.embedded import WarehouseError
from warehouse.settings import WarehouseSettings

__all__ = ["WarehouseError", "WarehouseSettings", "resolve_dsn"]

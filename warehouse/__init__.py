"""Warehouse access: the embedded Postgres, migrations, and the stores that write raw and staging."""
from warehouse.connection import connect, resolve_dsn
from warehouse.embedded import WarehouseError

__all__ = ["WarehouseError", "connect", "resolve_dsn"]

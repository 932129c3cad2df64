"""Klantspiegel: customer-orientation maturity assessments for consultancies and their clients."""

from __future__ import annotations


def create_app(config: dict | None = None):
    """Build the application (``maturity.app``). Imported when called, not with the package:
    importing one module of the package (the pure core, a migration, a unit test) must not
    import every feature."""
    from .app import create_app as build

    return build(config)

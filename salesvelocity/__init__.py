"""salesvelocity: how fast a sales team turns leads into deals, and how well it is supported.

>>> import salesvelocity as sv
>>> con = sv.connect(":memory:")
>>> sv.metrics.sales_velocity(con).to_pyarrow()  # doctest: +SKIP
"""

from salesvelocity.errors import ImportValidationError, SalesVelocityError, StoreError

__version__ = "0.1.0"


def __getattr__(name: str):
    """Ibis and the engine load on first use, so the command line starts at once (`--help`, `--version`)."""
    if name == "metrics":
        import salesvelocity.metrics as metrics

        return metrics
    if name in ("Store", "connect"):
        from salesvelocity import store

        return getattr(store, name)
    raise AttributeError(f"module 'salesvelocity' has no attribute {name!r}")


__all__ = ["ImportValidationError", "SalesVelocityError", "Store", "StoreError", "connect", "metrics", "__version__"]

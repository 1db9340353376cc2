"""salesvelocity: how fast a sales team turns leads into deals, and how well it is supported.

>>> import salesvelocity as sv
>>> con = sv.connect(":memory:")
>>> sv.metrics.sales_velocity(con).to_pyarrow()  # doctest: +SKIP
"""

from salesvelocity import metrics
from salesvelocity.errors import ImportValidationError, SalesVelocityError, StoreError
from salesvelocity.store import Store, connect

__version__ = "0.1.0"

__all__ = ["ImportValidationError", "SalesVelocityError", "Store", "StoreError", "connect", "metrics", "__version__"]

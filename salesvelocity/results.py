"""The base of every result a service returns: a typed Pydantic model whose dump is the JSON output.

Results carry executed tables (pyarrow) and small numeric series (numpy) as they are; the annotated
types below say how each is dumped (rows; lists) and how it reads in a JSON schema (the web API's
OpenAPI description), so ``--format json`` and ``/api/v1`` are the model's dump, nothing hand-written.
"""

from __future__ import annotations

from typing import Annotated, Any, Self

import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    """Rows for JSON: amounts (DECIMAL) as numbers, not strings."""
    for i, column in enumerate(table.schema):
        if pa.types.is_decimal(column.type):
            table = table.set_column(i, column.name, table.column(i).cast(pa.float64()))
    return table.to_pylist()


#: An executed result table, dumped as a list of rows (column → value).
Rows = Annotated[
    pa.Table,
    PlainSerializer(_rows, return_type=list[dict[str, Any]]),
    WithJsonSchema({"type": "array", "items": {"type": "object"}}),
]

#: A numeric series (numpy), dumped as a list of numbers.
Numbers = Annotated[
    np.ndarray,
    PlainSerializer(lambda values: values.tolist(), return_type=list[float]),
    WithJsonSchema({"type": "array", "items": {"type": "number"}}),
]


class Result(BaseModel):
    """A service's result. Renderers read its fields; ``dump()`` is its JSON form."""

    model_config = ConfigDict(arbitrary_types_allowed=True, validate_assignment=False)

    @classmethod
    def of(cls, *values: Any, **named: Any) -> Self:
        """A result from values in field order (the way a dataclass is made), then named ones."""
        return cls(**dict(zip(cls.model_fields, values, strict=False)), **named)

    def dump(self) -> dict[str, Any]:
        """The result as plain data (dates and times stay objects; ``output.to_json`` writes them ISO)."""
        return self.model_dump(by_alias=True)

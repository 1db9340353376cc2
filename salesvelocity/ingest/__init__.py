"""Getting data in: canonical files now; vendor exports register here as they arrive."""

from salesvelocity.ingest.canonical import ImportResult, TableCounts, import_paths

__all__ = ["ImportResult", "TableCounts", "import_paths"]

"""Getting data in: canonical files, CRM exports (Salesforce, HubSpot, Pipedrive) and mapped files."""

from salesvelocity.ingest.canonical import TableCounts
from salesvelocity.ingest.importer import ImportResult, import_paths
from salesvelocity.ingest.mapping import Mapping

__all__ = ["ImportResult", "Mapping", "TableCounts", "import_paths"]

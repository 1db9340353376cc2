"""CRM exports as their vendors write them, recognised from their headers and turned into mappings.

Each vendor is a function from a file's headers to a ``Mapping`` (see ``mapping.py``), so what a
vendor import does can be written out (``--suggest-mapping --from hubspot``), edited and reused.
Column names follow the vendors' own exports:

- Salesforce: the Opportunities report ("Opportunity Name", "Opportunity Owner", "Stage", "Amount",
  "Close Date", "Created Date", ...), the Opportunity History report ("From Stage", "To Stage",
  "Last Modified"/"Edit Date"), and Data Loader object exports with API names (Opportunity: Id,
  OwnerId, StageName, IsWon, IsClosed, CreatedDate, CloseDate; OpportunityHistory: OpportunityId,
  StageName, CreatedDate; User: Id, Name, Email, ManagerId). Report footers are dropped on reading.
- HubSpot: the deals export ("Record ID", "Deal Name", "Deal Stage", "Pipeline", "Amount",
  "Create Date", "Close Date", "Deal owner", and one `Date entered "Stage (Pipeline)"` column per
  stage, which become stage changes).
- Pipedrive: the deals export ("Deal - ID", "Deal - Title", "Deal - Value", "Deal - Currency",
  "Deal - Status" open/won/lost/deleted, "Deal - Stage", "Deal - Pipeline", "Deal - Owner",
  "Deal - Deal created"/"Deal - Add time", "Deal - Won time", "Deal - Lost time",
  "Deal - Expected close date", "Deal - Last stage change"), with or without the "Deal - " prefix.

Stage kinds come from the data (the status of deals that end in a stage) and from names ("Closed
Won"); stage order from when deals enter stages. Both can be overridden with [[rows.stages]].
"""

from __future__ import annotations

from collections.abc import Callable

from salesvelocity.ingest.mapping import ColumnSpec, Mapping, TableSpec, Unpivot

HUBSPOT_ENTERED = r"""Date entered ["'](?P<stage>.+) \((?P<pipeline>.+)\)["']"""


def _find(headers: list[str], *names: str) -> str | None:
    """The first header equal (case-insensitively) to one of ``names``."""
    lower = {h.strip().lower(): h for h in headers}
    for name in names:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


#: CRMs allow deals without an owner; they get one placeholder person instead of failing the import.
UNASSIGNED = "unassigned"


def _put(spec: TableSpec, column: str, header: str | None, **options) -> None:
    if header is not None:
        spec.columns[column] = ColumnSpec(column=header, **options)


def _closed(spec: TableSpec, *headers: str | None) -> None:
    """closed_at (for won and lost deals) from the first of these columns that has a value: the close
    date, then a last-stage-change or last-modified time, which a closed deal last changed at."""
    found = [h for h in headers if h]
    if found:
        _put(spec, "closed_at", found[0], when_status=["won", "lost"], fallbacks=found[1:] or None)


def _owner(spec: TableSpec, header: str | None) -> None:
    _put(spec, "owner_id", header, default=UNASSIGNED)


def _people(owner: str | None) -> TableSpec | None:
    if owner is None:
        return None
    return TableSpec(
        "people",
        {
            "person_id": ColumnSpec(column=owner, default=UNASSIGNED),
            "name": ColumnSpec(column=owner, default="Unassigned"),
        },
    )


# -- Salesforce ---------------------------------------------------------------------------------------
def salesforce_opportunities(headers: list[str]) -> Mapping:
    h = lambda *n: _find(headers, *n)  # noqa: E731
    deals = TableSpec("deals")
    _put(deals, "deal_id", h("Opportunity ID", "Opportunity Id", "Id", "Opportunity Name", "Name"))
    owner = h("Opportunity Owner", "Owner Full Name", "Owner Name", "Owner", "OwnerId", "Owner ID")
    _owner(deals, owner)
    _put(deals, "created_at", h("Created Date", "CreatedDate", "Create Date"))
    stage = h("Stage", "StageName", "Stage Name")
    won, closed = h("Won", "IsWon"), h("Closed", "IsClosed")
    # IsWon/IsClosed decide when the export has them; otherwise the stage's words ("Closed Won").
    deals.columns["status"] = ColumnSpec(
        column=stage, infer="status" if stage else None, won_flag=won, closed_flag=closed
    )
    _put(deals, "stage", stage)
    _put(deals, "amount", h("Amount", "Amount (converted)", "Total Amount"))
    _put(deals, "currency", h("Opportunity Currency", "Amount Currency", "Currency", "CurrencyIsoCode"))
    close = h("Close Date", "CloseDate")
    last_change = h("Last Stage Change Date", "LastStageChangeDate")
    _closed(deals, close, last_change, h("Last Modified Date", "LastModifiedDate"))
    _put(deals, "expected_close_on", close)
    _put(deals, "account", h("Account Name", "Account", "AccountId"))
    _put(deals, "segment", h("Segment", "Type", "Opportunity Type", "Industry"))
    _put(deals, "product", h("Product", "Product Name", "Primary Product"))
    _put(deals, "source", h("Lead Source", "LeadSource", "Source"))
    _put(deals, "pipeline", h("Opportunity Record Type", "Record Type", "Sales Process"))
    deleted = h("IsDeleted", "Deleted")
    if deleted:
        deals.skip = (deleted, ["true", "1"])  # Data Loader "export all" includes the recycle bin
    _put(deals, "lost_reason", h("Loss Reason", "Lost Reason", "Reason Lost", "Closed Lost Reason"))
    tables = [deals]
    if (people := _people(owner)) is not None:
        tables.append(people)
    return Mapping("salesforce opportunities", tables=tables)


def salesforce_history(headers: list[str]) -> Mapping:
    h = lambda *n: _find(headers, *n)  # noqa: E731
    changes = TableSpec("stage_changes")
    _put(changes, "deal_id", h("Opportunity ID", "Opportunity Id", "OpportunityId", "Opportunity Name"))
    _put(changes, "stage", h("To Stage", "StageName", "Stage"))
    _put(changes, "entered_at", h("Last Modified", "Last Modified Date", "Edit Date", "CreatedDate", "Date"))
    _put(changes, "changed_by", h("Last Modified By", "Edited By", "CreatedById", "Modified By"))
    deleted = h("IsDeleted", "Deleted")
    if deleted:
        changes.skip = (deleted, ["true", "1"])
    return Mapping("salesforce opportunity history", tables=[changes])


def salesforce_users(headers: list[str]) -> Mapping:
    h = lambda *n: _find(headers, *n)  # noqa: E731
    people = TableSpec("people")
    _put(people, "person_id", h("Id", "User ID"))
    _put(people, "name", h("Name", "Full Name"))
    _put(people, "email", h("Email"))
    _put(people, "manager_id", h("ManagerId", "Manager ID"))
    _put(people, "team_id", h("UserRoleId", "Role", "Department"))
    tables = [people]
    team = h("UserRoleId", "Role", "Department")
    if team:
        tables.append(TableSpec("teams", {"team_id": ColumnSpec(column=team), "name": ColumnSpec(column=team)}))
    return Mapping("salesforce users", tables=tables)


# -- HubSpot ------------------------------------------------------------------------------------------
def hubspot_deals(headers: list[str]) -> Mapping:
    h = lambda *n: _find(headers, *n)  # noqa: E731
    deals = TableSpec("deals")
    deal_id = h("Record ID", "Deal ID", "hs_object_id")
    _put(deals, "deal_id", deal_id)
    owner = h("Deal owner", "Deal Owner", "HubSpot Owner", "Owner")
    _owner(deals, owner)
    _put(deals, "created_at", h("Create Date", "Created Date", "createdate"))
    stage = h("Deal Stage", "dealstage")
    deals.columns["status"] = ColumnSpec(
        column=stage,
        infer="status",
        won_flag=h("Is Closed Won", "Is closed won"),
        lost_flag=h("Is closed lost", "Is Closed Lost"),
        closed_flag=h("Is Deal Closed?", "Is Closed"),
    )
    _put(deals, "stage", stage)
    _put(deals, "amount", h("Amount", "Amount in company currency"))
    _put(deals, "currency", h("Deal currency code", "Currency"))
    close = h("Close Date", "closedate")
    _closed(deals, close, h("Last Modified Date", "hs_lastmodifieddate"))
    _put(deals, "expected_close_on", close)
    _put(deals, "pipeline", h("Pipeline", "pipeline"))
    _put(deals, "account", h("Associated Company", "Company", "Associated Company (Primary)"))
    _put(deals, "segment", h("Deal Type", "Segment"))
    _put(deals, "source", h("Original Source Type", "Original Traffic Source", "Source", "Lead Source"))
    _put(deals, "lost_reason", h("Closed lost reason", "Closed Lost Reason"))
    tables = [deals]
    if (people := _people(owner)) is not None:
        tables.append(people)
    tables.append(
        TableSpec(
            "stage_changes", {"deal_id": ColumnSpec(column=deal_id)}, unpivot=Unpivot(HUBSPOT_ENTERED, "entered_at")
        )
    )
    return Mapping("hubspot deals", tables=tables)


# -- Pipedrive ----------------------------------------------------------------------------------------
def pipedrive_deals(headers: list[str]) -> Mapping:
    def h(*names: str) -> str | None:
        return _find(headers, *[f"Deal - {n}" for n in names]) or _find(headers, *names)

    deals = TableSpec("deals")
    deal_id = h("ID", "Pipedrive System ID")
    _put(deals, "deal_id", deal_id)
    owner = h("Owner", "Owner name")
    _owner(deals, owner)
    created = h("Deal created", "Add time", "Created", "Deal created on")
    _put(deals, "created_at", created)
    status = h("Status")
    deals.columns["status"] = ColumnSpec(column=status, infer="status")
    deals.skip = (status, ["deleted"]) if status else None
    stage = h("Stage", "Stage (pipeline)")
    _put(deals, "stage", stage)
    _put(deals, "amount", h("Value"))
    _put(deals, "currency", h("Currency", "Currency of value"))
    _closed(
        deals,
        h("Deal closed on", "Close time", "Closed on"),
        h("Won time"),
        h("Lost time"),
        h("Last stage change", "Stage change time"),
        h("Update time"),
    )
    _put(deals, "expected_close_on", h("Expected close date"))
    _put(deals, "pipeline", h("Pipeline"))
    _put(deals, "account", h("Organization", "Organization name"))
    _put(deals, "source", h("Source channel", "Source", "Lead source"))
    _put(deals, "lost_reason", h("Lost reason"))
    tables = [deals]
    if (people := _people(owner)) is not None:
        tables.append(people)
    # The export carries the current stage and when the deal entered it; that much history is kept.
    entered = h("Last stage change", "Stage change time", "Stage changed")
    if stage and deal_id:
        changes = TableSpec(
            "stage_changes",
            {
                "deal_id": ColumnSpec(column=deal_id),
                "stage": ColumnSpec(column=stage),
                # A deal that never moved has no "Last stage change": it entered its stage when created.
                "entered_at": ColumnSpec(
                    column=entered or created, fallbacks=[created] if entered and created else None
                ),
            },
        )
        if deals.skip:
            changes.skip = deals.skip
        tables.append(changes)
    return Mapping("pipedrive deals", tables=tables)


#: name → (recogniser over lower-cased headers, mapping builder). Order matters: specific first.
VENDORS: dict[str, list[tuple[Callable[[set[str]], bool], Callable[[list[str]], Mapping]]]] = {
    "hubspot": [
        (lambda s: "record id" in s and ("deal stage" in s or "deal name" in s), hubspot_deals),
    ],
    "pipedrive": [
        (
            lambda s: any(x.startswith("deal - ") for x in s) and ({"deal - status", "deal - stage"} & s),
            pipedrive_deals,
        ),
    ],
    "salesforce": [
        (lambda s: "to stage" in s or ("opportunityid" in s and "stagename" in s), salesforce_history),
        (lambda s: {"opportunity name", "stage"} <= s or {"stagename", "closedate"} <= s, salesforce_opportunities),
        (lambda s: {"id", "username"} <= s or {"id", "name", "managerid"} <= s, salesforce_users),
    ],
}


def recognise(headers: list[str], vendor: str | None = None) -> Mapping | None:
    """The mapping for a vendor export recognised from its headers (within ``vendor`` if given)."""
    lowered = {h.strip().lower() for h in headers}
    for name, candidates in VENDORS.items():
        if vendor is not None and name != vendor:
            continue
        for matches, build in candidates:
            if matches(lowered):
                return _complete(build(headers))
    return None


#: Where each required deal column usually comes from, for the error when an export lacks it.
EXPECTED = {
    "deal_id": "an id or name column",
    "created_at": "a created date column",
    "status": "a stage or status column",
}


def missing_columns(mapping: Mapping) -> list[str]:
    """Required deal columns the export does not carry (it must be exported with them)."""
    deals = [t for t in mapping.tables if t.table == "deals"]
    if not deals:
        return []
    spec = deals[0].columns
    return [
        c
        for c in EXPECTED
        if c not in spec or (spec[c].column is None and spec[c].value is None and not spec[c].won_flag)
    ]


def _complete(mapping: Mapping) -> Mapping:
    """An export without an owner column: every deal goes to the placeholder person."""
    for spec in mapping.tables:
        if spec.table == "deals" and "owner_id" not in spec.columns:
            spec.columns["owner_id"] = ColumnSpec(value=UNASSIGNED)
            placeholder = {"person_id": ColumnSpec(value=UNASSIGNED), "name": ColumnSpec(value="Unassigned")}
            mapping.tables.append(TableSpec("people", placeholder))
    return mapping

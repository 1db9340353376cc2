"""Admin imports in the browser: upload, see the dry run (or the problems), confirm, download the quarantine.

The same import path as `salesvelocity import` (``ingest.import_paths``): the upload is kept in a private
folder under a random id while the admin looks at the dry run; confirming imports exactly those files.
Uploads are dropped after UPLOAD_HOURS or once imported (the quarantine file stays until then), and all of
them when the server stops.
"""

from __future__ import annotations

import atexit
import secrets
import shutil
import tempfile
import time as timer
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse

from salesvelocity.errors import ImportValidationError, SalesVelocityError
from salesvelocity.i18n import _
from salesvelocity.web import accounts
from salesvelocity.web.accounts import User
from salesvelocity.web.app import page, require, server_of

router = APIRouter(include_in_schema=False)
AdminUser = Annotated[User, Depends(require("admin"))]
SOURCES = ("", "canonical", "salesforce", "hubspot", "pipedrive")
UPLOAD_HOURS = 1
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet", ".xes", ".gz", ".json", ".toml")
_root = Path(tempfile.mkdtemp(prefix="salesvelocity-uploads-"))
atexit.register(shutil.rmtree, _root, True)  # uploads (customer data) never outlive the server
_uploads: dict[str, tuple[float, Path, dict]] = {}


def _folder(upload_id: str) -> tuple[Path, dict]:
    for key, (made, folder, _o) in list(_uploads.items()):
        if timer.time() - made > UPLOAD_HOURS * 3600:
            shutil.rmtree(folder, ignore_errors=True)
            _uploads.pop(key, None)
    if upload_id not in _uploads:
        raise HTTPException(404, "this upload is gone (an hour old, or already imported): upload the files again")
    _made, folder, options = _uploads[upload_id]
    return folder, options


def _run(request: Request, folder: Path, options: dict, dry_run: bool):
    from salesvelocity.ingest import import_paths

    files = sorted(p for p in (folder / "files").iterdir())
    mapping = folder / "mapping.toml" if (folder / "mapping.toml").exists() else None
    quarantine = None
    if options.get("quarantine"):  # the dry run lists the rows it would set aside, too
        quarantine = folder / ("quarantine-preview.csv" if dry_run else "quarantine.csv")
    server = server_of(request)
    with server.lock:
        return import_paths(
            server.store,
            files,
            source=options.get("source") or None,
            mapping=mapping,
            dry_run=dry_run,
            quarantine=quarantine,
            merge=bool(options.get("merge")),
            force=True,  # the quarantine file lives in this upload's own folder
        )


@router.get("/admin/import", response_class=HTMLResponse)
def import_form(request: Request, user: AdminUser) -> str:
    return page(request, "import.html", sources=SOURCES, result=None, problems=None, upload_id="", said="")


@router.post("/admin/import", response_class=HTMLResponse)
async def upload(
    request: Request,
    user: AdminUser,
    files: Annotated[list[UploadFile], File()],
    mapping: Annotated[UploadFile | None, File()] = None,
    source: Annotated[str, Form()] = "",
    quarantine: Annotated[str | None, Form()] = None,
    merge: Annotated[str | None, Form()] = None,
) -> HTMLResponse:
    if source not in SOURCES:
        raise SalesVelocityError(f"unknown source {source!r}", hint="choose one from the list")
    upload_id = secrets.token_urlsafe(12)
    folder = _root / upload_id
    (folder / "files").mkdir(parents=True, mode=0o700)
    for given in files:
        name = Path(given.filename or "").name
        if not name or not name.lower().endswith(SUFFIXES):
            shutil.rmtree(folder, ignore_errors=True)
            raise SalesVelocityError(
                f"{name or 'a file without a name'} is not a file salesvelocity reads",
                hint="upload CSV, Excel (.xlsx), Parquet or XES files",
            )
        (folder / "files" / name).write_bytes(await given.read())
    if mapping is not None and mapping.filename:
        (folder / "mapping.toml").write_bytes(await mapping.read())
    options = {"source": source, "quarantine": bool(quarantine), "merge": bool(merge)}
    _uploads[upload_id] = (timer.time(), folder, options)
    return _dry_run(request, upload_id, folder, options)


def _dry_run(request: Request, upload_id: str, folder: Path, options: dict) -> HTMLResponse:
    try:
        result = _run(request, folder, options, dry_run=True)
    except ImportValidationError as exc:
        groups = [
            {
                "file": Path(m[0].file).name,
                "column": m[0].column,
                "message": m[0].message,
                "fix": m[0].fix,
                "count": n,
                "rows": [p.row for p in m[:5] if p.row is not None],
                "examples": list(dict.fromkeys(p.value for p in m if p.value is not None))[:3],
            }
            for m, n in exc.groups()
        ]
        return _shown(request, upload_id, folder, None, problems=groups, total=exc.total)
    return _shown(request, upload_id, folder, result)


def _shown(request: Request, upload_id: str, folder: Path, result, **values) -> HTMLResponse:
    """The import page for one upload: the problems, or what the import would do (or did). Files are named
    as they were uploaded, never by the server's folder."""
    inside = str(folder / "files") + "/"
    if result is not None:
        values["files"] = {Path(k).name: v for k, v in result.files.items()}
        values["set_aside"] = [str(p).replace(inside, "") for p in result.rejected]
    values.setdefault("problems", None)
    values.setdefault("said", "")
    return HTMLResponse(page(request, "import.html", sources=SOURCES, result=result, upload_id=upload_id, **values))


@router.post("/admin/import/{upload_id}/confirm", response_class=HTMLResponse)
def confirm(request: Request, user: AdminUser, upload_id: str) -> HTMLResponse:
    folder, options = _folder(upload_id)
    try:
        result = _run(request, folder, options, dry_run=False)
    except ImportValidationError:
        return _dry_run(request, upload_id, folder, options)
    server = server_of(request)
    with server.lock:
        counts = ", ".join(f"{t}: {c.new} new, {c.updated} updated" for t, c in result.tables.items())
        names = ", ".join(Path(f).name for f in result.files)
        accounts.audit(server.store, user.user_id, "import", names[:300], counts[:500])
    server.changed()
    kept = (folder / "quarantine.csv").exists()
    if not kept:
        shutil.rmtree(folder, ignore_errors=True)
        _uploads.pop(upload_id, None)
    return _shown(request, upload_id, folder, result, done=True, quarantined=kept, said=_("Imported."))


@router.get("/admin/import/{upload_id}/quarantine.csv")
def quarantined(request: Request, user: AdminUser, upload_id: str) -> FileResponse:
    folder, _options = _folder(upload_id)
    path = folder / "quarantine.csv"
    if not path.exists():
        raise HTTPException(404, "this import quarantined no rows")
    return FileResponse(path, media_type="text/csv", filename="quarantine.csv")

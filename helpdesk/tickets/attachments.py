"""Attachments on disk by content hash (identical files stored once), with size and type limits."""
from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from helpdesk.errors import DomainError, Invalid
from helpdesk.models import Attachment, Message, Ticket, User

# What a helpdesk receives: screenshots, scans, documents, logs, archives. No executables or HTML.
ALLOWED_TYPES = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv",
    "application/zip", "application/json", "application/xml", "text/xml",
    "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "audio/mpeg", "audio/wav", "audio/x-wav", "video/mp4",
}
# Magic numbers of the binary formats we accept, so a renamed .exe is not taken for a .png.
SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
}


class TooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class UnsupportedType(DomainError):
    status = 415
    code = "unsupported_media_type"


def attachments_root(instance_path: str | Path) -> Path:
    """Where the instance keeps its attachments."""
    return Path(instance_path) / "attachments"


def storage_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def content_type_for(filename: str, head: bytes) -> str:
    guessed, _ = mimetypes.guess_type(filename)
    content_type = guessed or "application/octet-stream"
    if content_type not in ALLOWED_TYPES:
        raise UnsupportedType(f"Files of type {content_type} are not accepted.", {"fields": {"file": "type_not_allowed"}})
    signatures = SIGNATURES.get(content_type)
    if signatures and not any(head.startswith(sig) for sig in signatures):
        raise UnsupportedType("The file's content does not match its name.", {"fields": {"file": "content_mismatch"}})
    return content_type


def store_attachment(session: Session, root: Path, ticket: Ticket, uploader: User | None, stream: BinaryIO,
                     filename: str, max_bytes: int, now: datetime, message: Message | None = None) -> Attachment:
    """Stream the file to disk while hashing it; refuse it past `max_bytes`. The row is added, not committed."""
    filename = os.path.basename((filename or "").replace("\\", "/")).strip()[:255]
    if not filename:
        raise Invalid({"file": "required"}, "A file with a name is required.")
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    with tempfile.NamedTemporaryFile(dir=root, delete=False) as tmp:
        try:
            while chunk := stream.read(64 * 1024):
                if not head:
                    head = chunk[:16]
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"The file is larger than {max_bytes // (1024 * 1024)} MB.", {"fields": {"file": "too_large"}, "limits": {"file": {"max_mb": max_bytes // (1024 * 1024)}}})
                digest.update(chunk)
                tmp.write(chunk)
            if size == 0:
                raise Invalid({"file": "empty"}, "The file is empty.")
            content_type = content_type_for(filename, head)
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    sha = digest.hexdigest()
    target = storage_path(root, sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        os.unlink(tmp.name)  # same content already stored
        os.utime(target)  # fresh again: the orphan sweep leaves recent files alone
    else:
        os.replace(tmp.name, target)
    attachment = Attachment(
        ticket_id=ticket.id, message=message, filename=filename, content_type=content_type, size=size,
        sha256=sha, uploaded_by_id=uploader.id if uploader else None, created_at=now,
    )
    session.add(attachment)
    return attachment


ORPHAN_GRACE = timedelta(hours=24)


def prune_orphans(session: Session, root: Path, now: datetime, grace: timedelta = ORPHAN_GRACE,
                  batch: int = 500) -> int:
    """Delete the files no attachment row refers to: written by a request that failed and rolled back
    (a refused upload among several, an e-mail quarantined half-way), or left by an interrupted
    write. Only files untouched for `grace` go, so an upload whose row is not committed yet stays.
    Returns how many files were deleted."""
    if not root.is_dir():
        return 0
    cutoff = (now - grace).timestamp()
    deleted = 0
    candidates: dict[str, Path] = {}

    def flush() -> int:
        referenced = set(session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(candidates))))
        removed = 0
        for sha, path in candidates.items():
            if sha not in referenced and _older_than(path, cutoff):
                path.unlink(missing_ok=True)
                removed += 1
        candidates.clear()
        return removed

    for path in root.glob("*/*/*"):
        if path.is_file() and len(path.name) == 64 and _older_than(path, cutoff):
            candidates[path.name] = path
            if len(candidates) >= batch:
                deleted += flush()
    if candidates:
        deleted += flush()
    for path in root.glob("tmp*"):  # a write interrupted before its rename
        if path.is_file() and _older_than(path, cutoff):
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def _older_than(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:
        return False

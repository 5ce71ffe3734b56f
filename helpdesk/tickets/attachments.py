"""Attachments on disk by content hash (identical files stored once), with size and type limits."""
from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

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


def storage_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def content_type_for(filename: str, head: bytes) -> str:
    guessed, _ = mimetypes.guess_type(filename)
    content_type = guessed or "application/octet-stream"
    if content_type not in ALLOWED_TYPES:
        raise UnsupportedType(f"Files of type {content_type} are not accepted.", {"fields": {"file": "type not allowed"}})
    signatures = SIGNATURES.get(content_type)
    if signatures and not any(head.startswith(sig) for sig in signatures):
        raise UnsupportedType("The file's content does not match its name.", {"fields": {"file": "content does not match type"}})
    return content_type


def store_attachment(session: Session, root: Path, ticket: Ticket, uploader: User | None, stream: BinaryIO,
                     filename: str, max_bytes: int, now: datetime, message: Message | None = None) -> Attachment:
    """Stream the file to disk while hashing it; refuse it past `max_bytes`. The row is added, not committed."""
    filename = os.path.basename((filename or "").replace("\\", "/")).strip()[:255]
    if not filename:
        raise Invalid({"file": "a file with a name is required"})
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
                    raise TooLarge(f"The file is larger than {max_bytes // (1024 * 1024)} MB.", {"fields": {"file": "too large"}})
                digest.update(chunk)
                tmp.write(chunk)
            if size == 0:
                raise Invalid({"file": "the file is empty"})
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
    else:
        os.replace(tmp.name, target)
    attachment = Attachment(
        ticket_id=ticket.id, message=message, filename=filename, content_type=content_type, size=size,
        sha256=sha, uploaded_by_id=uploader.id if uploader else None, created_at=now,
    )
    session.add(attachment)
    return attachment

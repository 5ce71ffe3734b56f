"""Attachment files on disk: a file left by a request that failed (its row rolled back) is deleted by
the housekeeping sweep once it has been untouched for a day; a file a ticket refers to never is."""
import io
import os
import time
from datetime import timedelta

from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Attachment, utcnow
from helpdesk.tickets.attachments import attachments_root, prune_orphans, storage_path

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
DAY = 24 * 3600


def _age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _upload(client, auth, factory, content: bytes, name: str = "photo.png"):
    factory.user("agent", email="agent@example.com")
    ticket_id = factory.ticket()
    headers = {"Authorization": f"Bearer {auth.token('agent@example.com')}"}
    response = client.post(f"/api/v1/tickets/{ticket_id}/attachments", headers=headers,
                           data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_only_old_unreferenced_files_are_deleted(app, client, auth, factory):
    kept = _upload(client, auth, factory, PNG)
    root = attachments_root(app.instance_path)
    with app.app_context():
        sha = db.session.scalar(select(Attachment.sha256).where(Attachment.id == kept["id"]))
    referenced = storage_path(root, sha)
    orphan_old = storage_path(root, "a" * 64)
    orphan_new = storage_path(root, "b" * 64)
    for path in (orphan_old, orphan_new):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left by a rolled-back request")
    interrupted = root / "tmpabc123"
    interrupted.write_bytes(b"half a file")
    for path in (referenced, orphan_old, interrupted):
        _age(path, 2 * DAY)
    _age(orphan_new, 3600)

    with app.app_context():
        assert prune_orphans(db.session, root, utcnow()) == 2
    assert referenced.exists() and orphan_new.exists()
    assert not orphan_old.exists() and not interrupted.exists()
    with app.app_context():  # a day later the newer orphan goes too
        assert prune_orphans(db.session, root, utcnow() + timedelta(days=1)) == 1
    assert not orphan_new.exists() and referenced.exists()
    assert client.get(f"/api/v1/attachments/{kept['id']}",
                      headers={"Authorization": f"Bearer {auth.token('agent@example.com')}"}).data == PNG


def test_a_stored_content_uploaded_again_is_kept_while_its_row_is_not_committed(app, client, auth, factory):
    from sqlalchemy.orm import Session

    from helpdesk.models import Ticket
    from helpdesk.tickets.attachments import store_attachment

    first = _upload(client, auth, factory, PNG)
    root = attachments_root(app.instance_path)
    with app.app_context():
        path = storage_path(root, db.session.scalar(select(Attachment.sha256).where(Attachment.id == first["id"])))
        db.session.execute(db.delete(Attachment))  # as if its request had rolled back
        db.session.commit()
        _age(path, 2 * DAY)
        ticket = db.session.get(Ticket, factory.ticket())
        # The same content again, its row not committed yet: the sweep in another process must keep the file.
        store_attachment(db.session, root, ticket, None, io.BytesIO(PNG), "again.png", 10**6, utcnow())
        with Session(db.engine) as other:
            assert prune_orphans(other, root, utcnow()) == 0
        db.session.commit()
    assert path.exists()


def test_the_cli_prunes(app, runner):
    root = attachments_root(app.instance_path)
    orphan = storage_path(root, "c" * 64)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x")
    _age(orphan, 2 * DAY)
    result = runner.invoke(args=["tickets", "prune-attachments"])
    assert result.exit_code == 0 and "deleted 1 unreferenced attachment files" in result.output
    assert not orphan.exists()

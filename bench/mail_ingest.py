"""E-mail in: ingest N messages (new tickets, replies by token and by In-Reply-To, a few auto-replies)
into a fresh instance on one process, and report messages per second and p50/p95 per message.

    .venv/bin/python -m bench.mail_ingest --n 10000 [--database-url URL] [--keep]

Target: >= 50 messages/s. Only `ingest()` is timed (building the next message is not); each call
is its own transaction with its commit, as with `flask mail ingest` or one IMAP message.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_PER_SECOND = 50
FIRST_NAMES = ("Marie", "Jean", "Sophie", "Pierre", "Claire", "Luc", "Hélène", "Gérard", "Agnès", "Nathalie")
LAST_NAMES = ("Dupont", "Martin", "Lefèvre", "Bernard", "Roux", "Léger", "Moreau", "Petit", "Fontaine", "Girard")
SUBJECTS = ("Ma box ne se connecte plus", "Facture erronée", "Remboursement en attente", "Téléviseur en panne",
            "Livraison non reçue", "Mot de passe oublié", "Question sur ma garantie", "Changement d'adresse")


def _message(sender: str, name: str, subject: str, body: str, message_id: str, *, to: str = "support@helpdesk.local",
             in_reply_to: str | None = None, auto: bool = False) -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    if auto:
        message["Auto-Submitted"] = "auto-replied"
    message.set_content(body)
    if random.random() < 0.3:  # a share of HTML mail, as clients send it
        message.add_alternative(f"<div>{body}</div><blockquote>ancien message</blockquote>", subtype="html")
    return bytes(message)


def run(n: int, database_url: str | None, keep: bool) -> dict:
    from config import TestingConfig
    from flask_migrate import upgrade

    from helpdesk import create_app
    from helpdesk.extensions import db
    from helpdesk.mail.inbound.service import ingest
    from helpdesk.models import Ticket, utcnow

    folder = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    overrides = {"INSTANCE_PATH": str(folder / "instance"),
                 "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{folder}/instance/helpdesk.db",
                 "MAIL_NEW_TICKETS_PER_HOUR": 1_000_000}
    (folder / "instance").mkdir(parents=True)
    app = create_app(TestingConfig, **overrides)
    random.seed(11)
    customers = [(f"client{i}@example.fr", f"{random.choice(FIRST_NAMES)} {random.choice(LAST_NAMES)}") for i in range(max(1, n // 10))]
    threads: list[tuple[int, str, str, str]] = []  # (ticket id, sender, name, last Message-ID)
    timings: list[float] = []
    states: dict[str, int] = {}
    kinds: dict[str, int] = {}
    now = utcnow()
    with app.app_context():
        upgrade()
        session = db.session
        for i in range(n):
            roll = random.random()
            message_id = f"<bench-{i}@example.fr>"
            if threads and roll < 0.55:
                ticket_id, sender, name, last = random.choice(threads)
                body = f"Bonjour, toujours le même souci (message {i}).\n\nLe lundi, Support a écrit :\n> Avez-vous redémarré ?"
                if roll < 0.3:
                    token = session.scalar(db.select(Ticket.reply_token).where(Ticket.id == ticket_id))
                    session.commit()
                    kind = "reply by token" if token else "reply by In-Reply-To"
                    to = f"support+t-{token}@helpdesk.local" if token else "support@helpdesk.local"
                    raw = _message(sender, name, "Re: suivi", body, message_id, to=to, in_reply_to=None if token else last)
                else:
                    kind = "reply by In-Reply-To"
                    raw = _message(sender, name, "Re: suivi", body, message_id, in_reply_to=last)
            elif roll < 0.6:
                sender, name = random.choice(customers)
                kind = "auto-reply"
                raw = _message(sender, name, "Réponse automatique", "Je suis absent.", message_id, auto=True)
            else:
                sender, name = random.choice(customers)
                kind = "new ticket"
                raw = _message(sender, name, random.choice(SUBJECTS), f"Bonjour,\n\nJ'ai un problème ({i}).\n\n{name}",
                               message_id)
            at = now + timedelta(seconds=i)
            started = time.perf_counter()
            row = ingest(session, raw, source="pipe", now=at)
            timings.append(time.perf_counter() - started)
            states[row.state] = states.get(row.state, 0) + 1
            kinds[kind] = kinds.get(kind, 0) + 1
            if kind == "new ticket" and row.ticket_id:
                threads.append((row.ticket_id, sender, name, message_id))
            session.remove()  # each message on its own, as `flask mail ingest` does
        db.engine.dispose()
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    total = sum(timings)
    ordered = sorted(timings)
    return {
        "messages": n, "seconds": round(total, 2), "messages_per_second": round(n / total, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2), "states": states, "mix": kinds,
        "database": "postgresql" if database_url else "sqlite", "target_per_second": TARGET_PER_SECOND,
        "kept": str(folder) if keep else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="messages to ingest (default 10,000)")
    parser.add_argument("--database-url", help="a PostgreSQL URL to ingest into instead of a fresh SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder and print where it is")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures = run(args.n, args.database_url, args.keep)
    ok = figures["messages_per_second"] >= TARGET_PER_SECOND
    print(f"mail ingest, {figures['messages']} messages ({figures['database']}): "
          f"{figures['messages_per_second']} messages/s (target >= {TARGET_PER_SECOND}: {'met' if ok else 'MISSED'}), "
          f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, max {figures['max_ms']} ms")
    print("  mix:", ", ".join(f"{k} {v}" for k, v in sorted(figures["mix"].items())),
          "| stored:", ", ".join(f"{k} {v}" for k, v in sorted(figures["states"].items())))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

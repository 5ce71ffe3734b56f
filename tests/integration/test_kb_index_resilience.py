"""The index is a copy of the database: deleted or damaged while the app runs, it is rebuilt and
search keeps answering; several processes writing at once leave a complete, readable index."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import DATABASE_URL


@pytest.fixture()
def kb_app(app):
    app.config.update(KB_INDEX_ON_COMMIT=True, KB_REBUILD_RETRY_SECONDS=0)
    return app


def _articles(app, author_id, specs):
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from knowledge_base import service

    ids = []
    with app.app_context():
        author = db.session.get(User, author_id)
        for spec in specs:
            ids.append(service.create_article(db.session, author, {"status": "published", **spec}, utcnow()).id)
            db.session.commit()
    return ids


@pytest.fixture()
def agent(kb_app, factory, auth):
    user_id = factory.user("agent", email="agent@example.com")
    _articles(kb_app, user_id, [
        {"title": "Réinitialiser le décodeur", "body": "Maintenez le bouton **reset** dix secondes."},
        {"title": "Changer de forfait", "body": "Le changement de forfait prend effet le mois suivant."},
    ])
    auth.login("agent@example.com")
    return user_id


def find(client, q):
    response = client.get("/api/v1/kb/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_json()


def store(app):
    return app.extensions["knowledge_base"].store


def test_deleting_the_index_while_running_rebuilds_it_and_search_keeps_answering(kb_app, agent, client):
    assert find(client, "decodeur")["total"] == 1
    shutil.rmtree(store(kb_app).root)
    data = find(client, "décodeur")  # small database: rebuilt inline before answering
    assert data["total"] == 1 and data["degraded"] is False
    assert store(kb_app).health().ok


def test_while_a_large_index_is_rebuilt_search_answers_in_degraded_mode(kb_app, agent, client, monkeypatch):
    import threading

    kb_app.config["KB_INLINE_REBUILD_MAX"] = 0  # as if the database were big: rebuild in the background
    engine = kb_app.extensions["knowledge_base"]
    # The background rebuild waits until the searches below have run (a big one would take minutes).
    go_on = threading.Event()
    real_rebuild = engine.rebuild_now
    monkeypatch.setattr(engine, "rebuild_now", lambda *a, **kw: (go_on.wait(10), real_rebuild(*a, **kw))[1])
    shutil.rmtree(store(kb_app).root)
    data = find(client, "décodeur")
    assert data["degraded"] is True
    assert [item["title"] for item in data["items"]] == ["Réinitialiser le décodeur"]  # from the database
    page = client.get("/help/search", query_string={"q": "forfait"})
    assert page.status_code == 200 and b"data-kb-degraded" in page.data
    go_on.set()
    engine.wait_for_rebuild()
    data = find(client, "decodeur")
    assert data["degraded"] is False and data["total"] == 1


def test_a_truncated_index_is_detected_and_rebuilt(kb_app, agent, client):
    assert find(client, "forfait")["total"] == 1
    generation = store(kb_app).current_generation()
    for path in (store(kb_app).root / generation / "articles").iterdir():
        if path.suffix in (".seg", ".toc"):
            with open(path, "r+b") as handle:
                handle.truncate(max(0, path.stat().st_size // 3))
    # Small segments were read whole when opened: the running process keeps answering from them.
    assert find(client, "forfait")["total"] == 1
    store(kb_app).forget()  # as a process (re)opening the index does
    data = find(client, "forfait")
    assert data["total"] == 1
    assert store(kb_app).current_generation() != generation  # a new generation replaced the broken one
    assert find(client, "decodeur")["degraded"] is False


def test_a_failed_index_write_never_fails_the_request_and_is_caught_up(kb_app, agent, client, monkeypatch):
    import knowledge_base.indexing as indexing

    def broken(*args, **kwargs):
        raise OSError("disk full")

    original = indexing.write_changes
    monkeypatch.setattr(indexing, "write_changes", broken)
    response = client.post("/api/v1/kb/articles", json={"title": "Activer la carte SIM", "body": "Insérez la carte.",
                                                        "status": "published"})
    assert response.status_code == 201  # the article is saved even though indexing failed
    monkeypatch.setattr(indexing, "write_changes", original)
    client.post("/api/v1/kb/articles", json={"title": "Portabilité du numéro", "body": "Donnez votre RIO.",
                                             "status": "published"})
    assert store(kb_app).journal_size() == 0
    assert find(client, "carte sim")["total"] == 1 and find(client, "portabilite")["total"] == 1


def test_a_writer_waiting_on_the_lock_journals_its_change_for_the_next_writer(kb_app, agent, client):
    from knowledge_base.index import file_lock

    kb_app.config["KB_LOCK_TIMEOUT"] = 0.1
    with file_lock(store(kb_app).write_lock_path, timeout=1):  # another process is writing
        response = client.post("/api/v1/kb/articles", json={"title": "Télécommande bloquée", "body": "Changez les piles.",
                                                            "status": "published"})
        assert response.status_code == 201
    assert find(client, "telecommande")["total"] == 0  # not yet: journalled
    client.post("/api/v1/kb/articles", json={"title": "Wifi lent", "body": "Changez de canal.", "status": "published"})
    assert find(client, "telecommande")["total"] == 1 and find(client, "wifi")["total"] == 1


def test_reindex_command_rebuilds_from_the_database(kb_app, agent, client, runner):
    shutil.rmtree(store(kb_app).root)
    result = runner.invoke(args=["kb", "reindex", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "2 articles" in result.output
    status = runner.invoke(args=["kb", "status"])
    assert "state: ok" in status.output and "articles: 2" in status.output
    assert find(client, "decodeur")["total"] == 1



def test_reindex_on_several_processes_finds_every_ticket(kb_app, agent, client, runner, factory, monkeypatch):
    """`kb reindex --procs 2` (what the demo seed runs on a machine's cores): the tickets are analysed
    by two processes, each writing its own segment, and every one of them is found afterwards."""
    from knowledge_base import indexing

    monkeypatch.setattr(indexing, "MP_REBUILD_MIN", 1)  # a handful of tickets, as if they were thousands
    monkeypatch.setattr(indexing, "BATCH", 2)  # one job per two tickets: both processes get some
    subjects = [f"Panne numéro {word}" for word in ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")]
    for subject in subjects:
        factory.ticket(subject=subject)
    shutil.rmtree(store(kb_app).root)
    result = runner.invoke(args=["kb", "reindex", "--quiet", "--procs", "2"])
    assert result.exit_code == 0, result.output
    assert "6 tickets" in result.output
    _, index = store(kb_app).open_index("tickets")
    with index.reader() as reader:
        assert len(list(reader.leaf_readers())) >= 2  # the processes' own segments, not one merged
    for subject in subjects:
        assert _ticket_hits(client, subject.split()[-1]) == [subject]
    assert sorted(_ticket_hits(client, "panne")) == sorted(subjects)


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from config import TestingConfig
    from helpdesk import create_app
    from helpdesk.extensions import db
    from helpdesk.models import User, utcnow
    from knowledge_base import service

    name, count = sys.argv[1], int(sys.argv[2])
    app = create_app(TestingConfig, INSTANCE_PATH={instance!r}, SQLALCHEMY_DATABASE_URI={database!r},
                     KB_INDEX_ON_COMMIT=True, KB_LOCK_TIMEOUT=30)
    with app.app_context():
        author = db.session.get(User, {author})
        for i in range(count):
            article = service.create_article(db.session, author, {{"title": f"{{name}} brouillon {{i}}",
                "body": f"Procédure {{name}} numéro {{i}}", "status": "published"}}, utcnow())
            db.session.commit()
            service.update_article(db.session, author, article.id, {{"title": f"{{name}} version finale {{i}}"}}, utcnow())
            db.session.commit()
""")


def test_two_processes_writing_at_once_leave_a_complete_readable_index(kb_app, agent, tmp_path):
    from helpdesk.extensions import db
    from knowledge_base.models import Article

    root = Path(__file__).resolve().parents[2]
    database = kb_app.config["SQLALCHEMY_DATABASE_URI"]
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(root), instance=kb_app.instance_path, database=DATABASE_URL or database,
                                    author=agent))
    env = {**os.environ, "PYTHONPATH": str(root)}
    count = 12
    writers = [subprocess.Popen([sys.executable, str(script), name, str(count)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for name in ("alpha", "beta")]
    for writer in writers:
        output, _ = writer.communicate(timeout=120)
        assert writer.returncode == 0, output.decode()[-3000:]

    with kb_app.app_context():
        expected = {str(a.id): a.title for a in db.session.scalars(db.select(Article))}
        with store(kb_app).searcher("articles") as searcher:
            indexed = {fields["id"]: fields["title"] for fields in searcher.all_stored_fields()}
            assert searcher.doc_count() == len(expected) == 2 + 2 * count
    assert indexed == expected  # every article, each with its last committed title


WORKER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from config import TestingConfig
    from helpdesk import create_app

    app = create_app(TestingConfig, INSTANCE_PATH={instance!r}, SQLALCHEMY_DATABASE_URI={database!r},
                     KB_INDEX_ON_COMMIT=True, KB_INDEX_SYNC=False, KB_INDEX_DELAY_SECONDS=0.1)
    result = app.test_cli_runner().invoke(args=["kb", "worker"])
    print(result.output)
    sys.exit(result.exit_code)
""")


def _start_worker(kb_app, tmp_path):
    root = Path(__file__).resolve().parents[2]
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(root=str(root), instance=kb_app.instance_path,
                                    database=DATABASE_URL or kb_app.config["SQLALCHEMY_DATABASE_URI"]))
    return subprocess.Popen([sys.executable, str(script)], env={**os.environ, "PYTHONPATH": str(root)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for(condition, timeout=30.0):
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _ticket_hits(client, words):
    response = client.get("/api/v1/search/tickets", query_string={"q": words})
    assert response.status_code == 200
    return [hit["subject"] for hit in response.get_json()["items"]]


def test_an_indexing_worker_process_indexes_what_the_server_commits(kb_app, agent, client, factory, tmp_path,
                                                                    monkeypatch):
    """With `flask kb worker` running, the server process only journals changed ids (no indexing
    thread of its own) and the worker makes them searchable; once it stops, the server indexes again."""
    from knowledge_base import engine as kb_engine

    monkeypatch.setattr(kb_engine, "WORKER_CHECK_SECONDS", 0.0)
    kb_app.config.update(KB_INDEX_SYNC=False, KB_INDEX_DELAY_SECONDS=0.1)
    runtime = kb_app.extensions["knowledge_base"]
    customer = factory.customer(name="Yvette Marchal")
    worker = _start_worker(kb_app, tmp_path)
    try:
        _wait_for(lambda: runtime.worker_running() or worker.poll() is not None)
        assert worker.poll() is None, worker.stdout.read()

        # A second worker is refused while the first holds the lock.
        second = _start_worker(kb_app, tmp_path)
        output, _ = second.communicate(timeout=60)
        assert second.returncode != 0 and "another indexing worker is running" in output

        created = client.post("/api/v1/tickets", json={"subject": "Antenne parabolique désalignée",
                                                       "body": "Plus de chaînes satellite.", "customer_id": customer})
        assert created.status_code == 201
        _wait_for(lambda: _ticket_hits(client, "parabolique") == ["Antenne parabolique désalignée"])
        assert runtime._indexer is None  # written by the worker, not by a thread of this process
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output

    assert not runtime.worker_running()
    client.post("/api/v1/tickets", json={"subject": "Télécommande infrarouge muette", "body": "Piles neuves.",
                                         "customer_id": customer})
    _wait_for(lambda: _ticket_hits(client, "infrarouge") == ["Télécommande infrarouge muette"])
    assert runtime._indexer is not None


def test_an_index_written_by_an_older_analysis_keeps_answering_and_is_rebuilt(kb_app, agent, client):
    """After an upgrade that changes how text is analysed, the old index answers until its
    replacement, built in the background, is switched in."""
    from knowledge_base.index import INDEX_FORMAT

    runtime, old = kb_app.extensions["knowledge_base"], store(kb_app).current_generation()
    (store(kb_app).root / old / "FORMAT").unlink()  # as written before the format was recorded
    runtime._format_checked = False  # a process starting on it
    assert "older analysis" in runner_status(kb_app)

    answer = find(client, "decodeur")
    assert answer["total"] == 1 and answer["degraded"] is False  # the old index answered
    runtime.wait_for_rebuild(timeout=60)
    new = store(kb_app).current_generation()
    assert new != old and store(kb_app).generation_format(new) == INDEX_FORMAT
    assert find(client, "decodeur")["total"] == 1


def runner_status(app) -> str:
    return app.test_cli_runner().invoke(args=["kb", "status"]).output


def test_the_database_answer_finds_hyphenated_words_written_either_way(kb_app, agent):
    """While the index is rebuilt, the database answers: "wifi" still finds "Wi-Fi" and "e-mail"
    finds "email", as the index does."""
    from helpdesk.extensions import db
    from helpdesk.models import User
    from knowledge_base.service import fallback_search_articles

    _articles(kb_app, agent, [
        {"title": "Le Wi-Fi se coupe le soir", "body": "Rapprochez la box du salon."},
        {"title": "Changer d'adresse email", "body": "Dans votre espace client, rubrique profil."},
        {"title": "Forfait 100_% fibre", "body": "Le débit dépend de la ligne."},
    ])
    with kb_app.app_context():
        user = db.session.get(User, agent)

        def titles(q):
            return [hit.title for hit in fallback_search_articles(db.session, user, q).hits]

        assert titles("wifi") == titles("WI-FI") == ["Le Wi-Fi se coupe le soir"]
        assert titles("e-mail") == ["Changer d'adresse email"]
        assert titles("100_") == ["Forfait 100_% fibre"]  # LIKE's wildcards are taken literally
        assert titles("Décodeur") == ["Réinitialiser le décodeur"]

"""`flask --app wsgi kb ...`: rebuild the search index from the database, show its state, fold the search log."""
from __future__ import annotations

import click
from flask.cli import AppGroup

kb_cli = AppGroup("kb", help="Knowledge base and search index.")


@kb_cli.command("reindex")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--if-missing", is_flag=True, help="Only when there is no index yet (a fresh install).")
@click.option("--procs", default=1, show_default=True, type=click.IntRange(1),
              help="Processes analysing the tickets' text (one segment each); more cores, a shorter rebuild.")
def reindex_command(quiet: bool, if_missing: bool, procs: int):
    """Rebuild the search index (articles and tickets) from the database.

    The current index keeps answering searches until the new one is switched in; changes
    committed meanwhile are carried over."""
    from knowledge_base.engine import kb

    if if_missing and kb().health().state != "missing":
        return

    bars: dict[str, object] = {}

    def progress(kind: str, done: int, total: int) -> None:
        if quiet:
            return
        bar = bars.get(kind)
        if bar is None:
            from tqdm import tqdm

            bar = bars[kind] = tqdm(total=total, desc=f"{kind:<8}", unit="row")
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    report = kb().rebuild_now(progress=progress, wait=True, procs=procs)
    for bar in bars.values():
        bar.close()
    seconds = max(report.seconds, 0.001)
    rows = sum(report.documents.values())
    click.echo(f"Search index rebuilt in {report.seconds:.1f} s: {report.documents.get('articles', 0)} articles, "
               f"{report.documents.get('tickets', 0)} tickets ({rows / seconds:.0f} documents/s).")


@kb_cli.command("worker")
@click.option("--quiet", is_flag=True, help="No line per write.")
def worker_command(quiet: bool):
    """Index in this process what the server processes commit (run one beside gunicorn).

    While it runs, server processes only note changed ids in the journal; it writes them every
    KB_INDEX_DELAY_SECONDS. Without it, each server process indexes in a thread of its own."""
    import signal
    import threading

    from knowledge_base.engine import kb

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    engine = kb()
    click.echo(f"Indexing worker on {engine.store.root} (Ctrl-C to stop).")

    def written(size: int) -> None:
        if not quiet:
            click.echo(f"indexed {size} bytes of journalled changes")

    try:
        engine.run_worker(stop, on_write=written)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None


@kb_cli.command("status")
def status_command():
    """Show the search index's state (ok, missing, corrupt, rebuilding) and document counts."""
    from knowledge_base.engine import kb

    health = kb().health()
    click.echo(f"state: {health.state}" + (f" ({health.detail})" if health.detail else ""))
    click.echo(f"generation: {health.generation or '-'}")
    for kind, count in health.documents.items():
        click.echo(f"{kind}: {count}")
    click.echo(f"indexing worker: {'running' if kb().worker_running() else 'none (each server process indexes)'}")
    pending = kb().store.journal_size()
    if pending:
        click.echo(f"journal: {pending} bytes of changes waiting for the next writer")


@kb_cli.command("fold-searches")
def fold_searches_command():
    """Count the decided searches (no results, followed, or not followed within 30 minutes) into
    the missing-articles figures, and delete log rows folded more than 30 days ago. The
    background pass does the same; running both at once is safe."""
    from helpdesk.extensions import db
    from helpdesk.models.types import utcnow
    from knowledge_base.misses import fold_search_log

    folded = fold_search_log(db.session, utcnow())
    click.echo(f"{folded} searches folded into the missing-articles figures.")

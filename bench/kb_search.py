"""Knowledge-base search benchmark: our Whoosh indexes vs SQLite FTS5 on the same corpus.

    .venv/bin/python -m bench.kb_search [--articles 100000] [--messages 1000000] [--queries 300] [--json out.json]

Builds a seeded synthetic French/English support corpus (articles, and tickets of ~5 messages),
indexes it with the application's own code (knowledge_base.index / indexing / search: same
schemas, analyzers, visibility fields, budgeted collector, snippets, typo correction), then the
same text in SQLite FTS5 (unicode61 remove_diacritics 2, bm25 with title weight, snippet()), and
prints build throughput, index size, search p50/p95 for each, and the incremental update of one
article. Figures, not pass/fail. The machine's load average is printed: compare quiet runs only.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata
from bisect import bisect
from itertools import accumulate
from pathlib import Path
from types import SimpleNamespace

# --------------------------------------------------------------------------------------------
# Corpus: one Zipf distribution (s = 1) per language over stop words, support terms (with their
# inflections, so stemming matters) and a long tail of rare words (names, model numbers).
# --------------------------------------------------------------------------------------------

FR_NOUNS = """box fibre débit lenteur coupure panne wifi réseau routeur décodeur télévision chaîne enregistrement
replay facture facturation prélèvement paiement remboursement abonnement résiliation contrat offre forfait option
engagement déménagement adresse installation technicien rendez-vous intervention livraison colis commande retour
échange garantie réparation écran batterie chargeur téléphone mobile carte numéro messagerie répondeur appel sécurité
piratage sauvegarde logiciel application espace compte profil courriel notification alerte voyant câble prise
alimentation bruit surchauffe ventilateur imprimante pilote paramètre réglage langue clavier souris son volume
télécommande pile appairage antenne parabole satellite signal réception qualité image identifiant connexion
mot passe code accès portabilité ligne modem version micrologiciel serveur domaine stockage mémoire disque
processeur clé badge tarif promotion réduction avoir échéance relance litige réclamation délai attente agence
conseiller assistance diagnostic tutoriel guide étape erreur message plantage vitesse couverture itinérance
étranger données quota""".split()
FR_VERBS = """réinitialis redémarr connect déconnect configur install activ désactiv modifi chang résili factur
rembours command livr répar remplac vérifi branch débranch synchronis sauvegard restaur télécharg supprim ajout
enregistr annul réactiv transfér consult imprim scann paramétr diagnostiqu""".split()
FR_ENDINGS = ["er", "é", "ée", "és", "ez", "ation", "ons", "e", "ent"]
EN_WORDS = """reset password login connection router modem invoice billing refund subscription cancel cancellation
delivery parcel warranty repair battery charger screen update firmware account profile email notification network
wireless signal antenna remote pairing bluetooth printer driver settings language keyboard mouse volume channel
recording replay payment debit contract plan option move address installation technician appointment order return
exchange security backup restore download storage error message crash slow speed coverage roaming data quota
voicemail call number port transfer activation deactivate""".split()
FR_FILL = """le la les de des du un une et pour avec dans sur votre vous nous est sont pas plus par au aux ce cette
qui que si il elle on peut doit faut bien très puis ensuite alors avant après lorsque depuis encore vos notre nos
leur tout tous toutes aussi même sans sous entre chez comment quand""".split()
EN_FILL = """the a an and to of for with in on your you we is are not more by this that if it can must then after
before when since still all also same without under between how""".split()
SYLLABLES = ("ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo la le li lo lu ma me mi mo mu na ne ni no nu "
             "pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu za zo tra pro gri flu ster "
             "mon ven dar lix").split()


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


class Corpus:
    def __init__(self, seed: int = 7, tail: int = 40_000):
        rnd = random.Random(seed)
        fr = FR_NOUNS + [n + "s" for n in FR_NOUNS[:80]] + [v + e for v in FR_VERBS for e in FR_ENDINGS]
        en = EN_WORDS + [w + "s" for w in EN_WORDS[:60]] + [w + "ing" for w in EN_WORDS[:40]]
        rnd.shuffle(fr)
        rnd.shuffle(en)
        self.terms = {"fr": fr, "en": en}
        seen, rare = set(), []
        while len(rare) < tail:
            word = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4)))
            if rnd.random() < 0.05:
                word = word[:2].upper() + "-" + str(rnd.randint(100, 9999))
            if word not in seen:
                seen.add(word)
                rare.append(word)
        self.ranked = {"fr": FR_FILL + fr + rare, "en": EN_FILL + en + rare}
        self.cum = {l: list(accumulate(1.0 / (r + 1) for r in range(len(w)))) for l, w in self.ranked.items()}
        self.term_cum = {l: list(accumulate(1.0 / (r + 1) ** 0.8 for r in range(len(w)))) for l, w in self.terms.items()}

    def word(self, rnd, lang):
        cum = self.cum[lang]
        return self.ranked[lang][bisect(cum, rnd.random() * cum[-1])]

    def term(self, rnd, lang):
        cum = self.term_cum[lang]
        return self.terms[lang][bisect(cum, rnd.random() * cum[-1])]

    def text(self, rnd, lang, words, topics=()):
        out = []
        for i in range(words):
            out.append(rnd.choice(topics) if topics and rnd.random() < 0.04 else self.word(rnd, lang))
            if i and i % 12 == 0:
                out[-1] += "."
        return " ".join(out)

    def articles(self, n: int, seed: int = 11):
        """Article rows in the order a rebuild writes them (most useful first)."""
        for i in range(1, n + 1):
            rnd = random.Random(f"{seed}:a:{i}")
            lang = "fr" if rnd.random() < 0.75 else "en"
            topics = [self.term(rnd, lang) for _ in range(2)]
            title = topics + [self.term(rnd, lang) for _ in range(rnd.randint(1, 4))]
            rnd.shuffle(title)
            roll = rnd.random()
            yield SimpleNamespace(
                id=i, slug=f"article-{i}", language=lang, title=" ".join(title).capitalize(),
                body=self.text(rnd, lang, rnd.randint(80, 400), topics), body_html="",
                status="draft" if roll < 0.08 else ("archived" if roll < 0.10 else "published"),
                visibility="internal" if rnd.random() < 0.2 else "public",
                category_id=rnd.randint(1, 40), category=None,
                tags=[SimpleNamespace(name=self.term(rnd, lang)) for _ in range(rnd.randint(0, 3))],
                products=[SimpleNamespace(id=rnd.randint(1, 200))] if rnd.random() < 0.4 else [],
            )

    def tickets(self, messages: int, seed: int = 13):
        """(ticket, messages) newest first, about 5 messages each (1 in 6 an internal note)."""
        made, i = 0, 0
        while made < messages:
            i += 1
            rnd = random.Random(f"{seed}:t:{i}")
            topics = [self.term(rnd, "fr") for _ in range(2)]
            count = min(rnd.randint(2, 8), messages - made)
            made += count
            ticket = SimpleNamespace(id=i, number=10000 + i, subject=" ".join(topics + [self.term(rnd, "fr")]).capitalize(),
                                     status=rnd.choice(["resolved", "closed", "open"]), customer_id=rnd.randint(1, 20000),
                                     requester_id=None, created_at=None)
            msgs = [SimpleNamespace(kind="note" if rnd.random() < 0.17 else "reply",
                                    body=self.text(rnd, "fr", rnd.randint(15, 110), topics)) for _ in range(count)]
            yield ticket, msgs

    def queries(self, k: int, seed: int = 9):
        rnd = random.Random(seed)
        out = []
        for _ in range(k):
            lang = "fr" if rnd.random() < 0.75 else "en"
            words = [self.term(rnd, lang) for _ in range(rnd.randint(1, 3))]
            if rnd.random() < 0.4:
                words = [fold(w) for w in words]
            if rnd.random() < 0.1:  # a typo: two letters swapped
                w = words[0]
                if len(w) > 4:
                    j = rnd.randint(1, len(w) - 3)
                    words[0] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            out.append(" ".join(words))
        return out


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def percentiles(ms: list[float]) -> dict:
    ms = sorted(ms)
    if not ms:
        return {}
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[max(0, int(len(ms) * 0.95) - 1)], 2),
            "max_ms": round(ms[-1], 2), "n": len(ms)}


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def html_free(text):
    return text


def build_whoosh(corpus: Corpus, args, store, out: dict) -> str:
    """Index the corpus in a new generation of `store` with the app's own code; make it live."""
    import knowledge_base.indexing as indexing

    generation = store.new_generation()
    started = time.perf_counter()
    _, index = store.open_index("articles", generation)
    writer = index.writer(limitmb=256)
    published = 0
    for article in corpus.articles(args.articles):
        doc = indexing.article_document(article)
        if doc is not None:
            writer.add_document(**doc)
            published += 1
    writer.commit()
    seconds = time.perf_counter() - started
    out["articles_build"] = {"articles": args.articles, "indexed": published, "seconds": round(seconds, 1),
                             "articles_per_s": round(args.articles / seconds)}
    print(f"  whoosh articles: {published} indexed in {seconds:.1f} s", flush=True)

    started = time.perf_counter()
    _, index = store.open_index("tickets", generation)
    writer = index.writer(limitmb=256)
    tickets = 0
    for ticket, messages in corpus.tickets(args.messages):
        writer.add_document(**indexing.ticket_document(ticket, messages))
        tickets += 1
    writer.commit()
    seconds = time.perf_counter() - started
    out["tickets_build"] = {"tickets": tickets, "messages": args.messages, "seconds": round(seconds, 1),
                            "messages_per_s": round(args.messages / seconds)}
    print(f"  whoosh tickets: {tickets} tickets ({args.messages} messages) in {seconds:.1f} s", flush=True)
    store.switch_to(generation)
    return generation


def bench_whoosh(corpus: Corpus, args, work: Path) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import knowledge_base.indexing as indexing
    from knowledge_base import search
    from knowledge_base.index import IndexStore

    indexing.html_to_text = html_free  # the synthetic bodies are plain text already
    store = IndexStore(work / "search")
    out = {}
    generation = store.current_generation()
    if args.reuse and generation is not None:
        print(f"  whoosh: reusing the index built earlier in {work}", flush=True)
    else:
        generation = build_whoosh(corpus, args, store, out)
    out["size_mb"] = round(du(store.root) / 1e6, 1)

    # What the app does in a background thread when a process first opens the index (and after
    # each change, for the new segments): read the typo-correction vocabularies ahead.
    started = time.perf_counter()
    read = sum(search.warm_spelling(store, kind) for kind in ("articles", "tickets"))
    out["warm_spelling"] = {"vocabularies": read, "seconds": round(time.perf_counter() - started, 2)}
    print(f"  whoosh vocabularies read ahead: {out['warm_spelling']}", flush=True)

    queries = corpus.queries(args.queries)
    customer, staff = search.Viewer(user_id=1, customer_ids=(1,)), search.Viewer(staff=True, user_id=2)
    for label, run in (
        ("articles_customer", lambda q: search.search_articles(store, q, customer)),
        ("articles_staff", lambda q: search.search_articles(store, q, staff)),
        ("suggest_as_you_type", lambda q: search.search_articles(store, q[:-2], customer, mode="or",
                                                                 prefix_last=True, corrections=False, limit=5)),
        ("tickets_staff", lambda q: search.search_tickets(store, q, staff)),
    ):
        for q in queries[:10]:
            run(q)  # warm caches (stemmer, searcher pool)
        ms, truncated, hits, suggested = [], 0, 0, 0
        for q in queries:
            t = time.perf_counter()
            result = run(q)
            ms.append((time.perf_counter() - t) * 1000)
            truncated += not result.total_exact
            hits += bool(result.hits)
            suggested += bool(result.suggestion)
        out[label] = {**percentiles(ms), "with_hits": hits, "budget_reached": truncated, "suggestions": suggested}
        print(f"  whoosh {label}: {out[label]}", flush=True)

    # One article edited: what the after-commit hook does, minus the database read (lock,
    # update_document, commit without merging; small segments are merged in the background).
    rnd = random.Random(5)
    pool = [a for a in corpus.articles(min(args.articles, 2000)) if a.status == "published"]
    ms, waits, merges = [], [], 0
    for i in range(args.updates):
        article = rnd.choice(pool)
        article.body += f" mise à jour {i}"
        t = time.perf_counter()
        with store.write_lock(timeout=30):
            waits.append((time.perf_counter() - t) * 1000)  # behind a background merge, if one runs
            _, index = store.open_index("articles", generation)
            writer = index.writer(timeout=5)
            writer.update_document(**indexing.article_document(article))
            writer.commit(merge=False)
            crowded = indexing.needs_merge(index)
        ms.append((time.perf_counter() - t) * 1000)
        if crowded:
            merges += 1
            indexing.merge_in_background(store, generation, "articles", lock_timeout=30)
        time.sleep(args.update_gap_ms / 1000)
    writes = [total - wait for total, wait in zip(ms, waits)]
    out["update_one_article"] = {**percentiles(ms), "background_merges": merges, "gap_ms": args.update_gap_ms,
                                 "write_only_p50_ms": percentiles(writes)["p50_ms"],
                                 "write_only_p95_ms": percentiles(writes)["p95_ms"],
                                 "waited_for_merge_max_ms": round(max(waits, default=0), 1)}
    print(f"  whoosh update one article: {out['update_one_article']}", flush=True)
    with store.write_lock(timeout=60):  # let the last background merge finish
        pass
    store.forget()
    return out


def fts_query(text: str) -> str | None:
    words = [w for w in "".join(c if c.isalnum() else " " for c in text).split() if w]
    return " AND ".join('"%s"' % w for w in words) if words else None


def bench_fts5(corpus: Corpus, args, work: Path) -> dict:
    path = work / "fts.db"
    reuse = args.reuse and path.exists()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    out = {}
    if reuse:
        print(f"  fts5: reusing {path}", flush=True)
    else:
        tokenize = "tokenize='unicode61 remove_diacritics 2'"
        db.execute(f"CREATE VIRTUAL TABLE articles USING fts5(title, tags, body, audience UNINDEXED, lang UNINDEXED, {tokenize})")
        db.execute(f"CREATE VIRTUAL TABLE tickets USING fts5(subject, public, notes, customer UNINDEXED, {tokenize})")
        started = time.perf_counter()
        rows = ((a.id, a.title, " ".join(t.name for t in a.tags), a.body, a.visibility, a.language)
                for a in corpus.articles(args.articles) if a.status == "published")
        db.executemany("INSERT INTO articles(rowid, title, tags, body, audience, lang) VALUES (?,?,?,?,?,?)", rows)
        db.commit()
        seconds = time.perf_counter() - started
        out["articles_build"] = {"seconds": round(seconds, 1), "articles_per_s": round(args.articles / seconds)}
        started = time.perf_counter()
        rows = ((t.id, t.subject, "\n".join(m.body for m in ms if m.kind == "reply"),
                 "\n".join(m.body for m in ms if m.kind == "note"), str(t.customer_id)) for t, ms in corpus.tickets(args.messages))
        db.executemany("INSERT INTO tickets(rowid, subject, public, notes, customer) VALUES (?,?,?,?,?)", rows)
        db.commit()
        seconds = time.perf_counter() - started
        out["tickets_build"] = {"seconds": round(seconds, 1), "messages_per_s": round(args.messages / seconds)}
        print(f"  fts5 built: {out['articles_build']} {out['tickets_build']}", flush=True)

    out["size_mb"] = round(path.stat().st_size / 1e6, 1)
    queries = corpus.queries(args.queries)
    article_sql = ("SELECT rowid, title, snippet(articles, 2, '<mark>', '</mark>', '…', 24) FROM articles "
                   "WHERE articles MATCH ? AND audience IN ({}) ORDER BY bm25(articles, 3.0, 2.0, 1.0) LIMIT 10")
    count_sql = "SELECT count(*) FROM (SELECT 1 FROM articles WHERE articles MATCH ? AND audience IN ({}) LIMIT 2000)"
    ticket_sql = ("SELECT rowid, subject, snippet(tickets, 1, '<mark>', '</mark>', '…', 24) FROM tickets "
                  "WHERE tickets MATCH ? ORDER BY bm25(tickets, 3.0, 1.0, 1.0) LIMIT 10")
    for label, sql, params in (
        ("articles_customer", (article_sql.format("'public'"), count_sql.format("'public'")), ()),
        ("articles_staff", (article_sql.format("'public','internal'"), count_sql.format("'public','internal'")), ()),
        ("tickets_staff", (ticket_sql, None), ()),
    ):
        ms, hits = [], 0
        for q in queries:
            expression = fts_query(q)
            t = time.perf_counter()
            found = db.execute(sql[0], (expression,)).fetchall()
            if sql[1]:
                db.execute(sql[1], (expression,)).fetchone()
            ms.append((time.perf_counter() - t) * 1000)
            hits += bool(found)
        out[label] = {**percentiles(ms), "with_hits": hits}
        print(f"  fts5 {label}: {out[label]}", flush=True)
    ms = []
    rnd = random.Random(5)
    for i in range(args.updates):
        rowid = rnd.randint(1, args.articles)
        t = time.perf_counter()
        db.execute("UPDATE articles SET body = body || ? WHERE rowid = ?", (f" mise à jour {i}", rowid))
        db.commit()
        ms.append((time.perf_counter() - t) * 1000)
    out["update_one_article"] = percentiles(ms)
    db.close()
    return out


def table(results: dict) -> str:
    w, f = results["whoosh"], results["fts5"]
    def built(side, part, rate):
        return side[part][rate] if part in side else "(reused)"

    rows = [
        ("articles indexed / s", built(w, "articles_build", "articles_per_s"),
         built(f, "articles_build", "articles_per_s"), ""),
        ("ticket messages indexed / s", built(w, "tickets_build", "messages_per_s"),
         built(f, "tickets_build", "messages_per_s"), ""),
        ("index size (MB)", w["size_mb"], f["size_mb"], ""),
        ("typo vocabularies read ahead (s)", w["warm_spelling"]["seconds"], "-", ""),
    ]
    for label in ("articles_customer", "articles_staff", "tickets_staff"):
        rows.append((f"search {label} p50 ms", w[label]["p50_ms"], f[label]["p50_ms"], ""))
        rows.append((f"search {label} p95 ms", w[label]["p95_ms"], f[label]["p95_ms"], "< 50"))
    rows.append(("suggest (as you type) p95 ms", w["suggest_as_you_type"]["p95_ms"], "-", "< 50"))
    rows.append(("update one article p95 ms", w["update_one_article"]["p95_ms"], f["update_one_article"]["p95_ms"], "< 100"))
    rows.append(("  of which writing only, p95 ms", w["update_one_article"]["write_only_p95_ms"], "-", ""))
    lines = [f"{'':34} {'Whoosh (ours)':>14} {'SQLite FTS5':>12} {'target':>8}"]
    lines += [f"{name:34} {str(a):>14} {str(b):>12} {t:>8}" for name, a, b, t in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kb_search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--update-gap-ms", type=float, default=100.0,
                        help="pause between two article edits (0: back to back, a stress test)")
    parser.add_argument("--keep", default=None, help="build in this folder and keep it (default: a temporary one)")
    parser.add_argument("--json", default=None, help="also write the JSON document to this file")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep: search the indexes a previous run built and kept there (no rebuild)")
    args = parser.parse_args(argv)

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kb-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = Corpus()
    results = {"articles": args.articles, "messages": args.messages, "queries": args.queries,
               "python": platform.python_version(), "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    try:
        print(f"Corpus: {args.articles} articles, {args.messages} ticket messages; {args.queries} queries", flush=True)
        results["whoosh"] = bench_whoosh(corpus, args, work)
        results["fts5"] = bench_fts5(corpus, args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    results["load_after"] = os.getloadavg()
    print()
    print(table(results))
    print(f"load average before/after: {results['load_before']} / {results['load_after']}")
    document = json.dumps(results)
    if args.json:
        Path(args.json).write_text(document)
    print(document)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Printing: the figures table, the side-by-side table with the peer, and the JSON document."""
from __future__ import annotations

from bench.peer import PEER_PATHS


def _fmt(value, digits=1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def figures_table(results: list[dict]) -> str:
    head = ("scenario", "p50 ms", "p95 ms", "max ms", "n", "/s", "q/req", "py MB", "RSS MB", "target", "")
    rows = []
    for r in results:
        if "error" in r:
            rows.append((r["scenario"], "-", "-", "-", str(r["n"]), "-", "-", "-", "-", r.get("target") or "",
                         "ERROR: " + r["error"][:100]))
            continue
        rss = r.get("server_rss_hwm_mb") if r["transport"] == "http" else r.get("rss_hwm_mb")
        ok = r.get("ok")
        rows.append((
            r["scenario"], _fmt(r.get("p50_ms")), _fmt(r.get("p95_ms")), _fmt(r.get("max_ms")), str(r["n"]),
            _fmt(r.get("per_second")), _fmt(r.get("queries_per_req")), _fmt(r.get("py_peak_mb")),
            _fmt(rss, 0) + ("*" if r["transport"] == "http" and rss is not None else ""),
            r.get("target") or "", "" if ok is None else ("OK" if ok else "MISS"),
        ))
    return _table(head, rows, right=set(range(1, 9)))


def peer_table(results: list[dict], peer: dict | None, ours_label: str) -> str:
    by_peer = {}
    for r in sorted(results, key=lambda r: r["transport"] != "http"):  # the peer is timed over HTTP: prefer ours too
        if r.get("peer") and "error" not in r:
            by_peer.setdefault(r["peer"], r)
    peer_results = (peer or {}).get("results", {})
    head = ("path", f"ours ({ours_label}) scenario", "ours p50", "ours p95", "peer p50", "peer p95", "peer n")
    rows = []
    for path, peer_key in PEER_PATHS.items():
        ours = by_peer.get(path) or (by_peer.get("ticket list") if path == "ticket list page" else None)
        theirs = peer_results.get(peer_key, {})
        rows.append((path, ours["scenario"] if ours else "-", _fmt(ours and ours.get("p50_ms")),
                     _fmt(ours and ours.get("p95_ms")), _fmt(theirs.get("p50_ms")), _fmt(theirs.get("p95_ms")),
                     _fmt(theirs.get("n"))))
    return _table(head, rows, right={2, 3, 4, 5, 6})


def _table(head, rows, right=frozenset()) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]

    def line(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(head), "  ".join("-" * w for w in widths), *map(line, rows)])

"""The scenario registry and the measuring loop.

A scenario is a function `fn(ctx) -> op`, registered with `@scenario(...)`; `op(i)` performs the
i-th request/operation (it may return a dict of notes to report, e.g. how many rows it touched).
The runner calls `op` `warmup` times untimed, then `n` times timed (SQL statements counted with a
`before_cursor_execute` listener on the engine), then a few more times under tracemalloc for the
Python heap peak (tracemalloc slows the interpreter down, so it never runs during the timed loop).

To add a scenario (customer card, screen pop, search...): write a function in scenarios.py or
http.py, decorate it, and give it a target if the issue states one.
"""
from __future__ import annotations

import gc
import os
import resource
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Target:
    """What an issue asks: `metric` ("p95_ms", "max_ms", "per_second") compared with `value`."""

    metric: str
    op: str  # "<" or ">="
    value: float

    def check(self, result: dict) -> bool | None:
        got = result.get(self.metric)
        if got is None:
            return None
        return got < self.value if self.op == "<" else got >= self.value

    def __str__(self) -> str:
        unit = {"p95_ms": "ms p95", "max_ms": "ms max", "p50_ms": "ms p50", "per_second": "/s"}[self.metric]
        return f"{self.op} {self.value:g} {unit}"


@dataclass
class Scenario:
    name: str
    fn: Callable[[Any], Callable[[int], Any]]
    transport: str  # "inproc" | "http"
    target: Target | None = None
    n: int | None = None  # fixed count (e.g. a sweep), else --n
    warmup: int = 2
    mem_runs: int = 3
    throughput: bool = False  # report per_second = n / total time
    peer: str | None = None  # the peer path name this corresponds to (side-by-side table)
    description: str = ""


SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, *, transport: str = "inproc", target: Target | None = None, n: int | None = None,
             warmup: int = 2, mem_runs: int = 3, throughput: bool = False, peer: str | None = None):
    def register(fn):
        SCENARIOS[name] = Scenario(name, fn, transport, target, n, warmup, mem_runs, throughput, peer,
                                   (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "")
        return fn

    return register


class QueryCounter:
    """Counts SQL statements sent by this process's engine."""

    def __init__(self, engine=None):
        self.count = 0
        self.engine = engine
        if engine is not None:
            from sqlalchemy import event

            event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, *_args, **_kwargs):
        self.count += 1


def rss_hwm_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_hwm_mb(pid: int) -> float | None:
    """Peak resident memory (VmHWM) of another process, e.g. the gunicorn worker."""
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


@dataclass
class Runner:
    ctx: Any
    n: int
    counter: QueryCounter
    memory: bool = True
    log: Callable[[str], None] = print
    results: list[dict] = field(default_factory=list)

    def run(self, sc: Scenario) -> dict:
        n = sc.n or self.n
        load_before = os.getloadavg()[0]
        result: dict[str, Any] = {"scenario": sc.name, "transport": sc.transport, "n": n,
                                  "target": str(sc.target) if sc.target else None, "peer": sc.peer}
        try:
            op = sc.fn(self.ctx)
            notes: dict[str, Any] = {}
            for i in range(sc.warmup):
                _merge(notes, op(-1 - i), prefix="warmup_")
            times, queries = [], []
            gc.collect()
            started = time.perf_counter()
            for i in range(n):
                q0 = self.counter.count
                t0 = time.perf_counter()
                out = op(i)
                times.append((time.perf_counter() - t0) * 1000)
                queries.append(self.counter.count - q0)
                _merge(notes, out)
            total = time.perf_counter() - started
            times_sorted = sorted(times)
            result.update({
                "p50_ms": round(statistics.median(times_sorted), 2),
                "p95_ms": round(percentile(times_sorted, 95), 2),
                "max_ms": round(times_sorted[-1], 2),
                "mean_ms": round(statistics.fmean(times_sorted), 2),
                "total_s": round(total, 3),
            })
            if sc.throughput:
                result["per_second"] = round(n / total, 1) if total > 0 else None
            if sc.transport == "inproc":
                result["queries_per_req"] = round(statistics.fmean(queries), 1)
                result["queries_max"] = max(queries)
            if self.memory and sc.mem_runs:
                tracemalloc.start()
                tracemalloc.reset_peak()
                for i in range(sc.mem_runs):
                    op(n + i)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                result["py_peak_mb"] = round(peak / 2**20, 1)
            result["rss_hwm_mb"] = round(rss_hwm_mb(), 1)
            server = getattr(self.ctx, "server_pid", None) if sc.transport == "http" else None
            if server:
                result["server_rss_hwm_mb"] = proc_hwm_mb(server)
            if notes:
                result["notes"] = notes
            if sc.target:
                ok = sc.target.check(result)
                result["ok"] = ok
        except Exception as error:  # one broken scenario must not hide the others' figures
            import traceback

            result["error"] = f"{type(error).__name__}: {error}"
            self.log(traceback.format_exc())
        result["load_avg"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
        self.results.append(result)
        return result


def _merge(notes: dict, out: Any, prefix: str = "") -> None:
    """Sum numeric notes returned by an op across calls; keep the last value of others."""
    if not isinstance(out, dict):
        return
    for key, value in out.items():
        key = prefix + key
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            notes[key] = notes.get(key, 0) + value
        else:
            notes[key] = value

"""Process-local metrics in the Prometheus text format: counters and histograms the worker and
providers feed, plus gauges read from the database at scrape time (``api`` adds those)."""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import defaultdict

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
Labels = tuple[tuple[str, str], ...]


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{k}="{v}"' for k, v in labels)
    return "{" + inner + "}"


class Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._histograms: dict[str, dict[Labels, list[float]]] = defaultdict(dict)
        self._gauges: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._help: dict[str, tuple[str, str]] = {}

    def inc(self, name: str, help_text: str, amount: float = 1, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._help[name] = ("counter", help_text)
            self._counters[name][key] = self._counters[name].get(key, 0) + amount

    def set(self, name: str, help_text: str, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._help[name] = ("gauge", help_text)
            self._gauges[name][key] = value

    def observe(self, name: str, help_text: str, value: float, **labels: str) -> None:
        """Histogram: per label set, bucket counts then sum then count."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._help[name] = ("histogram", help_text)
            slots = self._histograms[name].setdefault(key, [0.0] * (len(LATENCY_BUCKETS) + 3))
            slots[bisect_left(LATENCY_BUCKETS, value)] += 1
            slots[-2] += value
            slots[-1] += 1

    def render(self, extra: list[str] | None = None) -> str:
        lines: list[str] = []
        with self._lock:
            for name, (kind, help_text) in sorted(self._help.items()):
                lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
                if kind == "histogram":
                    for key, slots in self._histograms[name].items():
                        running = 0.0
                        for bound, count in zip(LATENCY_BUCKETS, slots, strict=False):
                            running += count
                            le = (("le", str(bound)),)
                            lines.append(f"{name}_bucket{_labels(key + le)} {running:g}")
                        total = running + slots[len(LATENCY_BUCKETS)]
                        lines.append(f'{name}_bucket{_labels(key + (("le", "+Inf"),))} {total:g}')
                        lines.append(f"{name}_sum{_labels(key)} {slots[-2]:g}")
                        lines.append(f"{name}_count{_labels(key)} {slots[-1]:g}")
                else:
                    values = self._counters[name] if kind == "counter" else self._gauges[name]
                    for key, value in values.items():
                        lines.append(f"{name}{_labels(key)} {value:g}")
        return "\n".join(lines + (extra or [])) + "\n"


REGISTRY = Registry()

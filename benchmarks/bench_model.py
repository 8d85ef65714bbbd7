"""Benchmark: loading and validating a generated 1,000-element model.

Target (issue "Foundation"): under 1 s on a 2-core machine, peak memory under 200 MB.
Baselines measured in the same run: a plain YAML parse of the same file (the floor for
anything that must read YAML) and ``json.loads`` of the same data.

    python benchmarks/bench_model.py [--quick]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import element_count, synthetic_model, synthetic_model_yaml

ELEMENTS = 1000

_MEMORY_PROBE = f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from peak_memory import peak_mb
from workbench.model.loader import load_model
start = time.perf_counter()
loaded = load_model(sys.argv[1])
elapsed = time.perf_counter() - start
assert loaded.model is not None, [d.render() for d in loaded.diagnostics.errors][:5]
print(elapsed, peak_mb(), len(loaded.diagnostics.errors))
"""


def _best_of(repeat: int, action: Any) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Measure and return the rows of the table."""
    from ruamel.yaml import YAML

    from workbench.model.loader import load_model

    repeat = 1 if quick else 3
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synthetic.yaml"
        path.write_text(synthetic_model_yaml(ELEMENTS), encoding="utf-8")
        text = path.read_text(encoding="utf-8")
        as_json = json.dumps(synthetic_model(ELEMENTS))
        safe = YAML(typ="safe")
        yaml_seconds = _best_of(repeat, lambda: safe.load(text))
        json_seconds = _best_of(repeat, lambda: json.loads(as_json))
        ours = _best_of(repeat, lambda: load_model(path))
        probe = subprocess.run(
            [sys.executable, "-c", _MEMORY_PROBE, str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        cold_seconds, peak_mb, errors = probe.stdout.split()
        size_kb = path.stat().st_size / 1024
    n = element_count(synthetic_model(ELEMENTS))
    return [
        {
            "row": f"json.loads of the same data ({n} elements)",
            "seconds": json_seconds,
            "ratio": ours / json_seconds,
        },
        {
            "row": f"YAML parse only ({size_kb:.0f} KiB)",
            "seconds": yaml_seconds,
            "ratio": ours / yaml_seconds,
        },
        {
            "row": "workbench load + validate (warm)",
            "seconds": ours,
            "ratio": 1.0,
            "target": "< 1 s",
        },
        {
            "row": "workbench load + validate (cold process)",
            "seconds": float(cold_seconds),
            "ratio": None,
            "target": "< 1 s",
        },
        {
            "row": "peak memory of that process (MB)",
            "seconds": None,
            "value": round(float(peak_mb), 1),
            "target": "< 200 MB",
        },
        {
            "row": "errors in the generated model",
            "seconds": None,
            "value": int(errors),
            "target": "0",
        },
    ]


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"{'benchmark: load and validate a model':<52} {'time':>10} {'ours ÷ it':>10}  target")
    for row in rows:
        if row.get("seconds") is not None:
            value = f"{row['seconds'] * 1000:8.1f} ms"
        else:
            value = f"{row['value']:>11}"
        ratio = f"{row['ratio']:9.1f}×" if row.get("ratio") else " " * 10
        print(f"{row['row']:<52} {value:>10} {ratio}  {row.get('target', '')}")


def main(quick: bool = False) -> None:
    print_table(run(quick))


if __name__ == "__main__":
    main("--quick" in sys.argv)

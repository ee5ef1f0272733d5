"""The core benchmark's smoke run: it runs end to end and writes every figure (no speed is
asserted; speed is measured by ``benchmarks/bench_core.py`` itself)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import ROOT


def test_quick_benchmark_writes_every_field(tmp_path):
    out = tmp_path / "bench.json"
    script = ROOT / "benchmarks" / "bench_core.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(out.read_text())
    assert {"cpu", "cores", "python", "numpy", "mesa"} <= set(res["machine"])
    assert len(res["load_average_before"]) == 3
    assert res["quick"] and res["core"] and res["batch"]
    for row in res["core"]:
        assert row["firm_steps_per_s"] > 0 and row["ms_per_rep"] > 0 and row["over_mesa"] > 0
    assert res["mesa"]["firm_steps_per_s"] > 0 and res["core_over_mesa_per_rep"] > 0
    assert sorted(b["workers"] for b in res["batch"]) == [1, 2]
    assert all(b["seconds"] > 0 for b in res["batch"])
    assert res["memory"]["bytes_per_enterprise_rep"] > 0
    draws = res["draws"]  # the random numbers alone take part of the core's time
    assert draws["reps"] == max(r["reps"] for r in res["core"])
    assert 0 < draws["share_of_core"] < 1
    scaling = res["scaling"]
    assert [c["scale"] for c in scaling["cities"]] == [1, 4, 16]
    assert [c["enterprises"] for c in scaling["cities"]] == [340, 1360, 5440]
    for key in ("replications_exponent", "enterprises_exponent"):
        assert isinstance(scaling[key], float)
    assert "firm-steps/s" in proc.stdout and "random numbers alone" in proc.stdout

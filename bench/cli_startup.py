"""How long the quick commands take to answer, as a user starts them (issue 16: under 150 ms).

    python bench/cli_startup.py [--runs 20] [--source DIR]

Each command is started as its own process (`python -m curator ...`) `--runs` times; the
median wall-clock time is printed beside the floor of any Python command line
(`python -c "import click"`). The CPU time (user + system) is printed too: on a busy machine
it says more than the wall clock, which includes waiting for a core. With `--source DIR` the
curator package is also taken from DIR (for instance `git archive` of an older commit), to
compare two versions side by side in one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.review import make_world


def _time(argv: list[str], env: dict[str, str], runs: int, cwd: str) -> tuple[float, float]:
    """Median wall-clock time and median CPU time (user + system) of the process."""
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--source", type=Path, action="append", default=[])
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    sources = [here, *args.source]
    with tempfile.TemporaryDirectory() as tmp:
        world = make_world(Path(tmp))
        db = ["--config", str(world.config), "--db", world.db_url]
        complete = {"_CURATOR_COMPLETE": "bash_complete", "COMP_CWORD": "1"}
        cases: list[tuple[str, list[str], dict[str, str]]] = [
            ("python -c 'import click' (floor)", ["-c", "import click"], {}),
            ("curator --help", ["-m", "curator", "--help"], {}),
            ("curator --version", ["-m", "curator", "--version"], {}),
            ("complete `curator qu`", ["-m", "curator"], complete | {"COMP_WORDS": "curator qu"}),
            (
                "complete `--profile `",
                ["-m", "curator"],
                complete
                | {
                    "COMP_CWORD": "5",
                    "COMP_WORDS": f"curator --config {world.config} queue list --profile ''",
                },
            ),
            ("curator queue show 1", ["-m", "curator", *db, "queue", "show", "1"], {}),
        ]
        print(f"{'command':<36}" + "".join(f"{'wall / cpu ' + s.name:>34}" for s in sources))
        for label, argv, extra in cases:
            row = f"{label:<36}"
            for source in sources:
                env = {**os.environ, **extra, "PYTHONPATH": str(source)}
                wall, cpu = _time([sys.executable, *argv], env, args.runs, tmp)
                row += f"{wall * 1000:>24.0f} / {cpu * 1000:.0f} ms"
            print(row, flush=True)


if __name__ == "__main__":
    main()

"""Fuzz ``videomatte convert`` with mutated real inputs (issue 24); results in docs/robustness.md.

Every case is one mutation of a small seed (``fuzz_inputs.py``) run through the command line's ``main()``
in a child forked from a warm parent (PyTorch, PyAV and onnxruntime imported once, so each case starts
from a fresh state in milliseconds), under a memory limit (``RLIMIT_AS``), a CPU limit (``RLIMIT_CPU``)
and a wall-clock limit. A case passes when it ends with an output that decodes (checked in the child:
every frame of a video, every picture of a folder) or with a non-zero exit and exactly one
``videomatte: error:`` line (other lines only the tool's own ``videomatte:`` log lines); never a
traceback, a crash, a hang, a partial file, an output after an error, or a changed input (sha256 before
and after). Unmutated seeds must convert (the empty-stream seed must be refused).

    nice python benchmarks/fuzz_convert.py --seconds 780 --workdir /tmp/fuzz     # the campaign
    python benchmarks/fuzz_convert.py --cases 30 --seed 0                        # a quick look
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fuzz_inputs import make_seeds, mutate  # noqa: E402

OFFICIAL_ONNX = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "weights" / "rvm_mobilenetv3_fp32.onnx"
OUTPUTS = ["out/x.mov", "out/x.webm", "out/x.mkv", "out/x.mp4", "out/frames/"]
WRONG_SUFFIXES = [".mp4", ".mov", ".png", ".jpg", ".h264", ".hevc", ".ts", ".txt", ""]
RATIOS = [None, None, "1", "0.7", "0.25", "0.01"]
MEMORY_LIMIT, CPU_SECONDS, WALL_SECONDS = 6 << 30, 120, 180


def warm_up() -> None:
    """Import what a conversion needs once, in the parent, before any fork (no thread is started)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import onnxruntime  # noqa: F401
    import torch

    torch.set_num_threads(1)
    import videomatte.conversion.batch  # noqa: F401
    import videomatte.models.network  # noqa: F401
    from videomatte.cli.main import build_parser

    build_parser()


def plan_case(index: int, seeds: list[Path], rng: random.Random) -> dict:
    """What case ``index`` runs: the seed, the mutation, the file name, the flags."""
    seed = rng.choice(seeds)
    mutated = rng.random() > 0.04  # a few unmutated seeds: good inputs must keep converting
    suffix = seed.suffix if seed.is_dir() or rng.random() < 0.8 else rng.choice(WRONG_SUFFIXES)
    weights = ["--weights", str(OFFICIAL_ONNX)] if OFFICIAL_ONNX.is_file() and rng.random() < 0.3 else \
        ["--weights", "none", "--backend", "torch"]
    ratio = rng.choice(RATIOS)
    flags = ["-o", rng.choice(OUTPUTS), *weights, *(["--ratio", ratio] if ratio else []), "--quiet"]
    if rng.random() < 0.1:
        flags += ["--alpha", "out/alpha/"]
    return {"index": index, "seed": seed.name, "mutated": mutated, "suffix": suffix, "flags": flags,
            "rng": rng.randrange(1 << 30)}


def build_input(case: dict, seeds: list[Path], folder: Path) -> tuple[Path, str]:
    """Write the case's input into ``folder``; returns it and the mutation's name."""
    rng = random.Random(case["rng"])
    seed = next(s for s in seeds if s.name == case["seed"])
    others = [s.read_bytes() for s in seeds if s.is_file() and s != seed]
    if seed.is_dir():
        target = folder / seed.name
        shutil.copytree(seed, target)
        victim = rng.choice(sorted(target.iterdir()))
        operator, data = mutate(victim.read_bytes(), others, rng) if case["mutated"] else ("none", victim.read_bytes())
        victim.write_bytes(data)
        return target, operator
    operator, data = mutate(seed.read_bytes(), others, rng) if case["mutated"] else ("none", seed.read_bytes())
    target = folder / f"input{case['suffix']}"
    target.write_bytes(data)
    return target, operator


def digest(path: Path) -> dict[str, str]:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _verify_outputs(folder: Path) -> dict:
    """In the child: decode every output under ``folder/out``; the frame counts per output."""
    import av
    from PIL import Image

    counts = {}
    for path in sorted((folder / "out").iterdir()) if (folder / "out").is_dir() else []:
        if path.is_dir():
            for picture in path.iterdir():
                with Image.open(picture) as image:
                    image.load()
            counts[path.name] = len(list(path.iterdir()))
        elif ".partial" not in path.name:
            with av.open(str(path)) as container:
                counts[path.name] = sum(1 for _ in container.decode(video=0))
    return counts


def _child(folder: Path, argv: list[str]) -> None:
    """Run the command in this forked child; never returns."""
    code = 70
    try:
        os.chdir(folder)
        for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
            os.dup2(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
        from videomatte.cli.main import main

        try:
            code = main(argv)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        if code == 0:
            try:
                Path("verdict.json").write_text(json.dumps(_verify_outputs(folder)))
            except Exception as err:  # noqa: BLE001 - the verdict is the output's failure
                Path("verdict.json").write_text(json.dumps({"undecodable": f"{type(err).__name__}: {err}"}))
    except BaseException:  # noqa: BLE001 - what escaped main() is the finding
        traceback.print_exc()
        code = 70
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def run_child(folder: Path, argv: list[str], wall: float = WALL_SECONDS) -> tuple[str, int]:
    """Fork, run, wait: ``("exit", code)``, ``("signal", number)`` or ``("hang", seconds)``."""
    pid = os.fork()
    if pid == 0:
        _child(folder, argv)
    deadline = time.monotonic() + wall
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            if os.WIFSIGNALED(status):
                return "signal", os.WTERMSIG(status)
            return "exit", os.WEXITSTATUS(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "hang", int(wall)
        time.sleep(0.005)


def judge(case: dict, folder: Path, how: str, code: int, before: dict, source: Path) -> str:
    """``converted``, ``refused`` or the failure's class."""
    err = (folder / "stderr.txt").read_text(errors="replace") if (folder / "stderr.txt").exists() else ""
    lines = [line for line in err.splitlines() if line.strip()]
    out = folder / "out"
    left = [p.name for p in out.rglob("*")] if out.exists() else []
    if how != "exit":
        return f"{how} {code}"
    if "Traceback" in err:
        return "traceback"
    if digest(source) != before:
        return "input changed"
    if any(".partial" in name for name in left):
        return "partial left"
    if code == 0:
        verdict = json.loads((folder / "verdict.json").read_text()) if (folder / "verdict.json").exists() else {}
        if not verdict or "undecodable" in verdict or not all(verdict.values()):
            return "undecodable output"
        return "converted" if case["mutated"] or case["seed"] != "no_packets.mp4" else "empty stream converted"
    errors = [line for line in lines if line.startswith("videomatte: error:")]
    if len(errors) != 1 or any(not line.startswith("videomatte: ") for line in lines):
        return "not one line"
    if left:
        return "output after an error"
    if not case["mutated"] and case["seed"] != "no_packets.mp4" and " --ratio " not in f" {errors[0][19:]}":
        return "good seed refused"  # (a ratio too small for the seed is a right refusal)
    return "refused"


def run_campaign(cases: int, seed: int, seconds: float, workdir: Path, keep_failures: bool = True) -> dict:
    """Run up to ``cases`` cases (or until ``seconds`` pass); returns the summary."""
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["VIDEOMATTE_CACHE"] = str(workdir / "cache")
    seeds_dir = workdir / "seeds"
    if not seeds_dir.is_dir():
        how, code = run_child_call(lambda: make_seeds(seeds_dir))
        assert (how, code) == ("exit", 0), (how, code)
    seeds = sorted(seeds_dir.iterdir())
    warm_up()
    rng = random.Random(seed)
    start, outcomes, failures, records = time.monotonic(), {}, [], []
    for index in range(cases):
        if time.monotonic() - start > seconds:
            break
        case = plan_case(index, seeds, rng)
        folder = Path(tempfile.mkdtemp(prefix=f"case{index}-", dir=workdir))
        source, operator = build_input(case, seeds, folder)
        before = digest(source)
        how, code = run_child(folder, ["convert", source.name, *case["flags"]])
        verdict = judge(case, folder, how, code, before, source)
        outcomes[verdict] = outcomes.get(verdict, 0) + 1
        records.append({**case, "operator": operator, "verdict": verdict, "code": code})
        if verdict not in ("converted", "refused"):
            failures.append({**records[-1], "folder": str(folder)})
        if verdict in ("converted", "refused") or not keep_failures:
            shutil.rmtree(folder, ignore_errors=True)
    (workdir / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cases": len(records), "seconds": round(time.monotonic() - start, 1),
            "cpu_seconds_of_cases": round(used.ru_utime + used.ru_stime, 1), "outcomes": outcomes,
            "failures": failures, "operators": _count(records, "operator")}


def run_child_call(function) -> tuple[str, int]:  # noqa: ANN001 - a callable run in a fork
    pid = os.fork()
    if pid == 0:
        try:
            function()
            os._exit(0)
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return ("exit", os.WEXITSTATUS(status)) if os.WIFEXITED(status) else ("signal", os.WTERMSIG(status))


def _count(records: list[dict], key: str) -> dict:
    found: dict = {}
    for record in records:
        found[record[key]] = found.get(record[key], 0) + 1
    return dict(sorted(found.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100000)
    parser.add_argument("--seconds", type=float, default=780.0, help="stop starting cases after this long")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "videomatte-fuzz")
    parser.add_argument("--summary", type=Path, help="also write the whole summary (failures included) as JSON")
    args = parser.parse_args()
    summary = run_campaign(args.cases, args.seed, args.seconds, args.workdir)
    if args.summary:
        args.summary.write_text(json.dumps(summary, indent=1))
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}, indent=1))
    for failure in summary["failures"]:
        print(json.dumps(failure))


if __name__ == "__main__":
    main()

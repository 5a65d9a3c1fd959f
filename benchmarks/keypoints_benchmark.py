"""Speed and accuracy of chapter 6 (facial keypoints) on this machine.

Measures, on the CPU unless NNREG_DEVICE says otherwise:
  1. generating the 7,049 synthetic faces and writing them as a Kaggle-format CSV;
  2. reading and checking that file (nnreg.keypoints.read_keypoints_csv);
  3. parsing the 2,140 complete images: per row (str.split) against vectorised (parse_images);
  4. the whole chapter notebook, executed on the synthetic faces, with the validation RMSE of the
     mean face, the FCN, the CNN and the better CNN read from the executed kernel;
  5. (with --ablation-seeds) in that same kernel, with the chapter's own code: which of the
     better CNN's changes pays, each alone and all three (flips, the one-cycle schedule, batches
     of 32), over several seeds, and the FCN and plain CNN over the same seeds: the spread the
     notebook's asserts must leave room for.

The speed of one CNN training epoch, loop against loop, is measured by cnn_epoch_benchmark.py.
Wall-clock and process CPU time are both reported, with the load average: on a shared machine the
wall-clock times are inflated by other work, the CPU times much less.

    .venv/bin/python benchmarks/keypoints_benchmark.py                          # ~8 minutes
    .venv/bin/python benchmarks/keypoints_benchmark.py --ablation-seeds 0 1 2   # ~1 hour more
    .venv/bin/python benchmarks/keypoints_benchmark.py --quick                  # no notebook

Writes benchmarks/keypoints_RESULTS.md (or --out).
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from machine import cpu_name, uptime
from nnreg import keypoints as K
from nnreg import synthetic_faces as S

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "chapters" / "06_facial_keypoints.ipynb"


class Timer:
    """Wall-clock and CPU seconds of a ``with`` block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


# Appended to the chapter and run in its kernel: the chapter's own models, loaders and fit.
ABLATION = """
import json
def ablation_run(model_name, seed, flips=False, schedule=False, batch_size=64):
    torch.manual_seed(seed)  # initial weights and dropout masks
    flip_generator.manual_seed(seed + 1)
    if model_name == "FCN":
        model = KeypointFCN().to(device)
        train, val, X_val = train_loader_fcn.dataset, val_loader_fcn, X_val_fcn
    else:
        model = KeypointCNN().to(device, memory_format=torch.channels_last)
        train, val, X_val = train_loader_cnn.dataset, val_loader_cnn, X_val_cnn
    loader = DataLoader(train, batch_size=batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    history = fit(model, loader, val, num_epochs=num_epochs, max_lr=2e-3 if schedule else None,
                  augment=random_flip if flips else None, desc=f"{model_name} seed {seed}")
    row = {"model": model_name, "seed": seed, "flips": flips, "schedule": schedule,
           "batch_size": batch_size, "rmse": rmse(predict(model, X_val), y_val),
           "seconds": history["seconds"]}
    if model_name == "CNN":
        row["rmse_tta"] = rmse(predict_with_flip(model, X_val), y_val)
    print("ABLATION-ROW " + json.dumps(row), flush=True)

CONFIGS = [("FCN", {}), ("CNN", {}), ("CNN", {"flips": True}), ("CNN", {"schedule": True}),
           ("CNN", {"batch_size": 32}), ("CNN", {"flips": True, "schedule": True, "batch_size": 32})]
for seed in SEEDS:
    for model_name, options in CONFIGS:
        ablation_run(model_name, seed, **options)
"""

READ_RESULTS = """
import json
print("BENCHMARK-RESULTS " + json.dumps({
    "rmse_mean": rmse_mean, "rmse_fcn": rmse_fcn, "rmse_cnn": rmse_cnn,
    "rmse_better": rmse_better, "rmse_tta": rmse_tta, "num_epochs": num_epochs,
    "fcn_seconds": history_fcn["seconds"], "cnn_seconds": history_cnn["seconds"],
    "better_seconds": history_better["seconds"], "device": str(device)}))
"""


def run_notebook(seeds=()):
    """Execute the chapter (synthetic faces) in a fresh kernel; return (seconds, results, ablation)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(READ_RESULTS))
    if seeds:
        nb.cells.append(nbformat.v4.new_code_cell(f"SEEDS = {list(seeds)!r}\n" + ABLATION))
    os.environ["NNREG_SYNTHETIC_FACES"] = "1"
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(nb, timeout=3600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    with Timer() as t:
        client.execute()
    text = "".join(o.get("text", "") for c in nb.cells[-2:] for o in c.outputs
                   if o.get("output_type") == "stream")
    line = next(s for s in text.splitlines() if s.startswith("BENCHMARK-RESULTS "))
    rows = [json.loads(s.split(" ", 1)[1]) for s in text.splitlines() if s.startswith("ABLATION-ROW ")]
    return t.wall, json.loads(line.split(" ", 1)[1]), rows


def ablation_lines(results, ablation):
    """The ablation's table: each configuration's RMSE per seed, its mean, relative to the mean face."""
    rows = ablation
    seeds = sorted({r["seed"] for r in rows})
    configs = []
    for r in rows:
        key = (r["model"], r["flips"], r["schedule"], r["batch_size"])
        if key not in configs:
            configs.append(key)
    mean_face = results["rmse_mean"]
    lines = ["", f"## Ablation: what each change buys ({results['num_epochs']} epochs, seeds {seeds})", "",
             "Validation RMSE in px (the same 214 validation faces; a seed sets the initial weights, the "
             "dropout masks, the batch order and the flips), trained in the chapter's kernel with its own "
             "`fit`. The chapter's runs above are one more sample of the FCN, the CNN and all three (their "
             "dropout masks differ from seed 0's here). TTA: with test-time flips.", "",
             "| model | flips | one-cycle | batch | " + " | ".join(f"seed {s}" for s in seeds)
             + " | mean | / mean face | TTA mean | TTA / mean face |",
             "| --- | --- | --- | ---: |" + " ---: |" * (len(seeds) + 4)]
    for model, flips, schedule, batch_size in configs:
        runs = {r["seed"]: r for r in rows if (r["model"], r["flips"], r["schedule"], r["batch_size"])
                == (model, flips, schedule, batch_size)}
        values = [runs[s]["rmse"] for s in seeds if s in runs]
        tta = [runs[s]["rmse_tta"] for s in seeds if s in runs and "rmse_tta" in runs[s]]
        cells = [f"{runs[s]['rmse']:.3f}" if s in runs else "" for s in seeds]
        mean = float(np.mean(values))
        tta_cells = [f"{np.mean(tta):.3f}", f"{np.mean(tta) / mean_face:.3f}"] if len(tta) == len(values) else ["", ""]
        lines.append(f"| {model} | {'yes' if flips else ''} | {'yes' if schedule else ''} | {batch_size} | "
                     + " | ".join(cells) + f" | {mean:.3f} | {mean / mean_face:.3f} | " + " | ".join(tta_cells) + " |")
    per_run = [r["rmse_tta"] / mean_face for r in rows if "rmse_tta" in r and r["flips"] and r["schedule"]
               and r["batch_size"] == 32] + [results["rmse_tta"] / mean_face]
    lines += ["", "The better CNN with test-time flips, per seed and in the chapter's run: "
              f"{', '.join(f'{v:.3f}' for v in per_run)} x the mean face's RMSE ({mean_face:.3f} px)."]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip executing the notebook")
    parser.add_argument("--ablation-seeds", type=int, nargs="*", default=[],
                        help="after the notebook, the ablation over these seeds (0 reuses the chapter's runs)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "keypoints_RESULTS.md"))
    args = parser.parse_args()
    device = torch.device(os.environ.get("NNREG_DEVICE", "cpu"))
    rows = []
    loads = [uptime()]

    with tempfile.TemporaryDirectory() as tmp:
        with Timer() as t:
            df = S.make_synthetic_faces()
        rows.append(("generate 7,049 synthetic faces (make_synthetic_faces)", t))
        with Timer() as t:
            K.write_keypoints_csv(df, Path(tmp) / "faces.csv")
        rows.append(("write them as a Kaggle-format CSV", t))
        size_mb = (Path(tmp) / "faces.csv").stat().st_size / 1e6
        with Timer() as t:
            df = K.read_keypoints_csv(Path(tmp) / "faces.csv")
        rows.append((f"read and check the CSV ({size_mb:.0f} MB, read_keypoints_csv)", t))
    complete = df.dropna()["Image"]
    with Timer() as t:
        slow = np.stack([np.array(s.split(), dtype=np.uint8) for s in complete])
    rows.append((f"parse {len(complete):,} images per row (str.split)", t))
    with Timer() as t:
        fast = K.parse_images(complete)
    rows.append((f"parse {len(complete):,} images vectorised (parse_images)", t))
    assert np.array_equal(slow, fast)
    loads.append(uptime())

    results, ablation = None, []
    if not args.quick:
        seconds, results, ablation = run_notebook(args.ablation_seeds)
        loads.append(uptime())

    lines = [
        "# Chapter 6 (facial keypoints): measured speed and accuracy",
        "",
        f"Written by `benchmarks/keypoints_benchmark.py` on {time.strftime('%Y-%m-%d %H:%M')}.",
        f"Machine: {cpu_name()}, {os.cpu_count()} logical CPUs, torch {torch.__version__} with "
        f"{torch.get_num_threads()} threads, device {device}. `uptime` at the start, between the steps "
        "and at the end:",
        "",
        "```",
        *loads,
        "```",
        "",
        "Wall-clock times count everything else running on the machine; CPU time is the process's own "
        "(all threads together). On a machine shared with other jobs, wall-clock times are inflated; on "
        "an idle machine with 2 cores, a well-parallelised step takes about half its CPU time.",
        "",
        "| step | wall-clock (s) | CPU (s) |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {name} | {t.wall:.1f} | {t.cpu:.1f} |" for name, t in rows]
    if results is not None:
        lines += [
            "",
            "## The notebook, executed on the synthetic faces",
            "",
            f"Whole notebook (fresh kernel, `NNREG_SYNTHETIC_FACES=1`, synthetic cache present): "
            f"**{seconds:.0f} s** wall-clock on {results['device']}"
            + (f", including the ablation below ({len(ablation)} more trainings)" if ablation else "")
            + f"; every network trained for {results['num_epochs']} epochs. Training took "
            f"{results['fcn_seconds']:.0f} s (FCN), {results['cnn_seconds']:.0f} s (CNN) and "
            f"{results['better_seconds']:.0f} s (better CNN).",
            "",
            "| model | validation RMSE (px) | relative to the mean face |",
            "| --- | ---: | ---: |",
        ]
        for key, name in [("rmse_mean", "mean face"), ("rmse_fcn", "FCN"), ("rmse_cnn", "CNN"),
                          ("rmse_better", "better CNN (flips, one-cycle, batches of 32)"),
                          ("rmse_tta", "better CNN + test-time flips")]:
            lines.append(f"| {name} | {results[key]:.3f} | {results[key] / results['rmse_mean']:.2f} |")
        lines += ["", "For comparison, on the real Kaggle data (the original practical's figures, raw pixel "
                  "targets, 20 epochs): mean face 3.14 px, FCN 10.46 px, CNN 3.17 px."]
    if ablation:
        lines += ablation_lines(results, ablation)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

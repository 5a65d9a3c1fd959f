"""Speed and accuracy of chapter 6 (facial keypoints) on this machine.

Measures, on the CPU unless NNREG_DEVICE says otherwise:
  1. generating the 7,049 synthetic faces and writing them as a Kaggle-format CSV;
  2. reading and checking that file (nnreg.keypoints.read_keypoints_csv);
  3. parsing the 2,140 complete images: per row (str.split) against vectorised (parse_images);
  4. one training epoch (1,926 faces, batches of 64) of the chapter's FCN and CNN;
  5. the whole chapter notebook, executed on the synthetic faces, with the validation RMSE of the
     mean face, the FCN, the CNN and the improved CNN read from the executed kernel.

Wall-clock and process CPU time are both reported, with the load average: on a shared machine the
wall-clock times are inflated by other work, the CPU times much less.

    .venv/bin/python benchmarks/keypoints_benchmark.py            # everything (~10 minutes)
    .venv/bin/python benchmarks/keypoints_benchmark.py --quick    # without the notebook run

Writes benchmarks/keypoints_RESULTS.md (or --out).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

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


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


class KeypointFCN(nn.Module):  # as in the chapter
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(9216, 1024), nn.Linear(1024, 512), nn.Linear(512, 30)
        self.dropout = nn.Dropout(0.3)

    def forward(self, x):
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc3(self.dropout(F.relu(self.fc2(x))))


class KeypointCNN(nn.Module):  # as in the chapter
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2, self.conv3 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3), nn.Conv2d(64, 128, 3)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1, self.fc2, self.fc3 = nn.Linear(12800, 256), nn.Linear(256, 128), nn.Linear(128, 30)
        self.dropout1, self.dropout2 = nn.Dropout(0.1), nn.Dropout(0.2)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.pool(F.relu(self.conv3(x))).flatten(1)
        x = self.dropout1(F.relu(self.fc1(x)))
        return self.fc3(self.dropout2(F.relu(self.fc2(x))))


def epoch_seconds(model, X, y, device, repeats=2):
    """Seconds (wall, CPU) of each of ``repeats`` training epochs, batches of 64, Adam."""
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    out = []
    for _ in range(repeats):
        with Timer() as t:
            for i in range(0, len(X), 64):
                loss = F.mse_loss(model(X[i:i + 64].to(device)), y[i:i + 64].to(device))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            if device.type == "cuda":
                torch.cuda.synchronize()
        out.append((t.wall, t.cpu))
    return out


READ_RESULTS = """
import json
print("BENCHMARK-RESULTS " + json.dumps({
    "rmse_mean": rmse_mean, "rmse_fcn": rmse_fcn, "rmse_cnn": rmse_cnn,
    "rmse_better": rmse_better, "rmse_tta": rmse_tta, "num_epochs_cnn": num_epochs_cnn,
    "fcn_seconds": history_fcn["seconds"], "cnn_seconds": history_cnn["seconds"],
    "better_seconds": history_better["seconds"], "device": str(device)}))
"""


def run_notebook():
    """Execute the chapter (synthetic faces) in a fresh kernel; return (seconds, results)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(READ_RESULTS))
    os.environ["NNREG_SYNTHETIC_FACES"] = "1"
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(nb, timeout=3600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    with Timer() as t:
        client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    line = next(s for s in text.splitlines() if s.startswith("BENCHMARK-RESULTS "))
    return t.wall, json.loads(line.split(" ", 1)[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip executing the notebook")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "keypoints_RESULTS.md"))
    args = parser.parse_args()
    device = torch.device(os.environ.get("NNREG_DEVICE", "cpu"))
    rows, notes = [], []
    loads = [load()]

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
    loads.append(load())

    X = (fast[:1926].astype(np.float32) / 255.0)
    y = np.random.default_rng(0).standard_normal((1926, 30)).astype(np.float32)
    torch.manual_seed(0)
    for name, model, inputs in [("FCN", KeypointFCN(), X), ("CNN", KeypointCNN(), X.reshape(-1, 1, 96, 96))]:
        for k, (wall, cpu) in enumerate(epoch_seconds(model, inputs, y, device), start=1):
            timer = Timer()
            timer.wall, timer.cpu = wall, cpu
            rows.append((f"{name}: training epoch {k} (1,926 faces, batches of 64, {device.type})", timer))
    loads.append(load())

    results = None
    if not args.quick:
        seconds, results = run_notebook()
        loads.append(load())

    lines = [
        "# Chapter 6 (facial keypoints): measured speed and accuracy",
        "",
        f"Written by `benchmarks/keypoints_benchmark.py` on {time.strftime('%Y-%m-%d %H:%M')}.",
        f"Machine: {cpu_name()}, {os.cpu_count()} logical CPUs, torch {torch.__version__} with "
        f"{torch.get_num_threads()} threads, device {device}. Load average (1, 5, 15 min) at the start, "
        f"between the steps and at the end: {' / '.join(loads)}.",
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
            f"**{seconds:.0f} s** wall-clock on {results['device']}; the CNNs trained for "
            f"{results['num_epochs_cnn']} epochs. Training took {results['fcn_seconds']:.0f} s (FCN, 20 epochs), "
            f"{results['cnn_seconds']:.0f} s (CNN) and {results['better_seconds']:.0f} s (better CNN).",
            "",
            "| model | validation RMSE (px) | relative to the mean face |",
            "| --- | ---: | ---: |",
        ]
        for key, name in [("rmse_mean", "mean face"), ("rmse_fcn", "FCN"), ("rmse_cnn", "CNN"),
                          ("rmse_better", "better CNN (flips, one-cycle, batches of 32)"),
                          ("rmse_tta", "better CNN + test-time flips")]:
            lines.append(f"| {name} | {results[key]:.3f} | {results[key] / results['rmse_mean']:.2f} |")
        lines += ["", "For comparison, on the real Kaggle data (the seed's figures, raw pixel targets, "
                  "20 epochs): mean face 3.14 px, FCN 10.46 px, CNN 3.17 px."]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

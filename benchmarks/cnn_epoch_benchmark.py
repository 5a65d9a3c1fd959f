"""One training epoch of chapter 6's CNN, three ways, side by side in one run.

The loops (1,926 synthetic faces of the chapter, batches of 64, Adam, learning rate 1e-3):
  practical  the original practical's: the whole data set moved to the device inside the
             TensorDataset, a shuffling generator on the device, the network as it wrote it
             (ReLU, then max-pool), default memory format (NCHW);
  today      the book's loop before issue 14: data on the CPU, each batch moved to the device,
             the same network and memory format;
  book       the book's loop now: the same loop, the network in the channels-last memory
             format and with max-pool before ReLU (the same function: see chapter 6), and
             Adam's fused implementation (the same update, in one pass over the weights).

Every repetition starts the three from the same weights, with the same batches and the same
dropout masks, and the repetitions are interleaved (practical, today, book; today, book,
practical; ...) so that load from other jobs on the machine hits all three alike. A few untimed batches per
loop come first (one-off set-up costs). Reported: seconds per epoch (min / median / max,
wall-clock and this process's CPU time), the speed-up of the book's loop, and the loss after
one epoch (mean training loss, and the validation loss of the trained weights), which must
agree between the loops to the tolerance stated in the result; a control network that is not
the same function (its first ReLU left out) is trained once to show that the tolerance tells
them apart.

    .venv/bin/python benchmarks/cnn_epoch_benchmark.py               # 5 repetitions, ~3 minutes
    .venv/bin/python benchmarks/cnn_epoch_benchmark.py --repeats 3 --threads 1

Writes benchmarks/cnn_epoch_RESULTS.md (or --out). NNREG_DEVICE picks the device (default cpu).
"""
from __future__ import annotations

import argparse
import copy
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

from machine import cpu_name, uptime
from nnreg.faces import load_faces
from nnreg.keypoints import parse_images

ROOT = Path(__file__).resolve().parent.parent
# The mean training loss of one epoch must agree between the loops to this relative tolerance.
# Pooling before the ReLU changes no bit of any result; channels_last adds a convolution's
# products in another order, and Adam's first steps (which move every weight by about the
# learning rate, whatever the size of its gradient) amplify those last-bit differences: over one
# epoch the loss moves by about 1e-3. The control network, which is not the same function (its
# first ReLU left out), is reported beside it to show that the tolerance tells them apart.
LOSS_RTOL = 5e-3


class PracticalCNN(nn.Module):
    """The chapter's CNN as the original practical writes it: ReLU, then max-pool."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.conv3 = nn.Conv2d(64, 128, kernel_size=3)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(128 * 10 * 10, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 30)
        self.dropout1 = nn.Dropout(0.1)
        self.dropout2 = nn.Dropout(0.2)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.pool(F.relu(self.conv3(x)))
        return self.head(x)

    def head(self, x):
        x = x.flatten(start_dim=1)
        x = self.dropout1(F.relu(self.fc1(x)))
        x = self.dropout2(F.relu(self.fc2(x)))
        return self.fc3(x)


class BookCNN(PracticalCNN):
    """The chapter's KeypointCNN: max-pool, then ReLU (the same function, 4x fewer ReLUs)."""

    def forward(self, x):
        x = F.relu(self.pool(self.conv1(x)))
        x = F.relu(self.pool(self.conv2(x)))
        x = F.relu(self.pool(self.conv3(x)))
        return self.head(x)


class ControlCNN(PracticalCNN):
    """Not the same function: the first ReLU left out (a control for the loss comparison)."""

    def forward(self, x):
        x = self.pool(self.conv1(x))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.pool(F.relu(self.conv3(x)))
        return self.head(x)


def chapter_data():
    """The chapter's training and validation faces: standardised images and targets."""
    df = load_faces(verbose=False).dropna().reset_index(drop=True)
    X = parse_images(df["Image"]).astype(np.float32).reshape(-1, 1, 96, 96) / 255.0
    X = (X - X.mean(axis=(1, 2, 3), keepdims=True)) / X.std(axis=(1, 2, 3), keepdims=True)
    y = df.drop(columns="Image").to_numpy(dtype=np.float32)
    train, val = train_test_split(np.arange(len(y)), test_size=0.1, random_state=42)
    mean, std = y[train].mean(axis=0), y[train].std(axis=0)
    z = (y - mean) / std
    return X[train], z[train], X[val], z[val]


def practical_loader(X, z, device, batch_size=64):
    """The practical's data: tensors moved to the device inside the TensorDataset."""
    dataset = TensorDataset(torch.from_numpy(X).to(device), torch.from_numpy(z).to(device))
    generator = torch.Generator(device=device).manual_seed(0)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)


def book_loader(X, z, batch_size=64):
    """The book's data: tensors on the CPU, a seeded CPU generator; batches move in the loop."""
    dataset = TensorDataset(torch.from_numpy(X), torch.from_numpy(z))
    generator = torch.Generator().manual_seed(0)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)


def practical_epoch(model, loader, optimizer, device):
    model.train()
    total = 0.0
    for batch_images, batch_keypoints in loader:  # already on the device
        outputs = model(batch_images)
        loss = F.mse_loss(outputs, batch_keypoints)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * batch_images.size(0)
    return total / len(loader.dataset)


def book_epoch(model, loader, optimizer, device):
    model.train()
    total = 0.0
    for X, z in loader:
        X, z = X.to(device), z.to(device)
        loss = F.mse_loss(model(X), z)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(X)
    return total / len(loader.dataset)


@torch.no_grad()
def validation_loss(model, X, z, device):
    model.eval()
    X, z = torch.from_numpy(X).to(device), torch.from_numpy(z).to(device)
    return float(sum(F.mse_loss(model(X[i:i + 256]), z[i:i + 256], reduction="sum")
                     for i in range(0, len(X), 256)) / z.numel())


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="epochs per loop (at least 3)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--warm-up-batches", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "cnn_epoch_RESULTS.md"))
    args = parser.parse_args()
    if args.repeats < 3:
        parser.error("--repeats must be at least 3 (min / median / max)")
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(os.environ.get("NNREG_DEVICE", "cpu"))
    os.environ["NNREG_SYNTHETIC_FACES"] = "1"  # the chapter's stored outputs use them

    X_train, z_train, X_val, z_val = chapter_data()
    torch.manual_seed(0)
    initial = PracticalCNN().state_dict()  # the same starting weights for every loop and epoch

    def practical():
        model = PracticalCNN().to(device)
        return model, practical_loader(X_train, z_train, device), practical_epoch, {}

    def today():
        return PracticalCNN().to(device), book_loader(X_train, z_train), book_epoch, {}

    def book():
        model = BookCNN().to(device, memory_format=torch.channels_last)
        return model, book_loader(X_train, z_train), book_epoch, {"fused": True}

    def control():
        return ControlCNN().to(device), book_loader(X_train, z_train), book_epoch, {}

    loops = {"practical": practical, "today": today, "book": book}
    descriptions = {
        "practical": "the original practical's (data on the device in the TensorDataset, ReLU then pool, NCHW)",
        "today": "the book's before (batches moved to the device, ReLU then pool, NCHW)",
        "book": "the book's now (batches moved to the device, pool then ReLU, channels_last, fused Adam)",
    }

    def run(name, n_batches=None):
        model, loader, epoch, adam_options = (loops | {"control": control})[name]()
        model.load_state_dict(copy.deepcopy(initial))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **adam_options)
        if n_batches is not None:  # a warm-up on the first batches, untimed
            subset = torch.utils.data.Subset(loader.dataset, range(64 * n_batches))
            epoch(model, DataLoader(subset, batch_size=64), optimizer, device)
            return None
        torch.manual_seed(1)  # the same dropout masks in every loop
        synchronize(device)
        wall, cpu = time.perf_counter(), time.process_time()
        train_loss = epoch(model, loader, optimizer, device)
        synchronize(device)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return wall, cpu, train_loss, validation_loss(model, X_val, z_val, device)

    loads = [uptime()]
    for name in loops:
        run(name, n_batches=args.warm_up_batches)
    results = {name: [] for name in loops}
    names = list(loops)
    for repeat in range(args.repeats):
        # round robin, starting with another loop each round: load from other jobs hits all alike
        for name in names[repeat % 3:] + names[:repeat % 3]:
            results[name].append(run(name))
            wall, cpu, train_loss, val_loss = results[name][-1]
            print(f"repeat {repeat + 1}, {name:9s}: {wall:6.2f} s wall, {cpu:6.2f} s CPU, "
                  f"train loss {train_loss:.6f}, val loss {val_loss:.6f}", flush=True)
        loads.append(uptime())
    control_result = run("control")

    def column(name, k):
        return [r[k] for r in results[name]]

    today_wall = statistics.median(column("today", 0))
    book_wall = statistics.median(column("book", 0))
    today_cpu = statistics.median(column("today", 1))
    book_cpu = statistics.median(column("book", 1))
    reference = results["today"][0]
    compared = list(loops) if device.type == "cpu" else ["today", "book"]
    agree = True
    loss_rows = []
    for name in compared:
        for k, what in [(2, "mean training loss over the epoch"), (3, "validation loss after it")]:
            values = column(name, k)
            spread = max(values) - min(values)
            diff = max(abs(v - reference[k]) / reference[k] for v in values)
            if k == 2:
                agree &= diff <= LOSS_RTOL
            loss_rows.append(f"| {name} | {what} | {values[0]:.6f} | {spread:.1e} | {diff:.1e} |")
    for k, what in [(2, "mean training loss over the epoch"), (3, "validation loss after it")]:
        diff = abs(control_result[k] - reference[k]) / reference[k]
        loss_rows.append(f"| control (not the same function) | {what} | {control_result[k]:.6f} | | {diff:.1e} |")
    control_apart = abs(control_result[2] - reference[2]) / reference[2] > LOSS_RTOL

    lines = [
        "# Chapter 6: one CNN training epoch, three loops side by side",
        "",
        f"Written by `benchmarks/cnn_epoch_benchmark.py` on {time.strftime('%Y-%m-%d %H:%M')}, in one run.",
        f"Machine: {cpu_name()}, {os.cpu_count()} logical CPUs; torch {torch.__version__}, "
        f"**{torch.get_num_threads()} threads**, device **{device}**. One epoch: {len(X_train):,} "
        f"synthetic faces of chapter 6, batches of 64, Adam (lr 1e-3), dropout on.",
        "",
        "The repetitions were interleaved (practical, today, book; today, book, practical; ...) after "
        f"{args.warm_up_batches} untimed batches per loop, each from the same starting weights, batches and "
        "dropout masks. `uptime` at the start and after each round:",
        "",
        "```",
        *loads,
        "```",
        "",
        "Wall-clock time counts whatever else the machine was doing; CPU time is this process's own "
        "(all its threads), which load from other jobs inflates much less.",
        "",
        "| loop | wall-clock s/epoch: min | median | max | CPU s/epoch: median |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in loops:
        wall = column(name, 0)
        lines.append(f"| {name}: {descriptions[name]} | {min(wall):.2f} | {statistics.median(wall):.2f} | "
                     f"{max(wall):.2f} | {statistics.median(column(name, 1)):.2f} |")
    lines += [
        "",
        f"**The book's loop against today's: {today_wall / book_wall:.2f}x faster** (median wall-clock; "
        f"{min(column('today', 0)) / min(column('book', 0)):.2f}x on the fastest epochs, "
        f"{today_cpu / book_cpu:.2f}x in CPU time). Against the practical's: "
        f"{statistics.median(column('practical', 0)) / book_wall:.2f}x.",
        "",
        f"The loss after one epoch from the same weights, per loop. The mean training loss must agree "
        f"with today's first epoch to a relative {LOSS_RTOL:g}; the validation loss of the weights after "
        "one epoch is shown, not compared (one epoch of Adam amplifies last-bit differences, see the "
        "script). The control network is not the same function (its first ReLU left out):",
        "",
        "| loop | loss | value (first epoch) | spread over the epochs | largest relative difference from today's |",
        "| --- | --- | ---: | ---: | ---: |",
        *loss_rows,
        "",
        ("All within the tolerance: the three loops compute the same thing." if agree else
         "**NOT within the tolerance: the loops do not compute the same thing.**")
        + (" The control is outside it." if control_apart else
           " **The control is within it too: the tolerance does not tell the networks apart.**"),
    ]
    lines += ["", "On the CPU the practical's generator is the book's, so all three loops see the same "
              "batches. On another device the practical shuffles with a generator on that device, in "
              "another order: only today's and the book's losses are then compared."]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if not (agree and control_apart):
        raise SystemExit("the loss comparison failed: see the result file")


if __name__ == "__main__":
    main()

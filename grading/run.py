"""Running one submission: its assembled cells, from the top, in a fresh sandboxed kernel.

Every cell runs, whatever the cells before it did (an error does not stop the run: a later task
may still pass). A cell over the cell time limit is interrupted (KeyboardInterrupt, as the stop
button) and the run goes on; a kernel that ignores the interrupt is stopped. Past the notebook
time limit, or when the kernel dies (``os._exit``, a signal, a resource limit), the run stops and
the cells not run are recorded as such: their tasks get no points, with the reason.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from grading.assemble import Assembly
from grading.book import Chapter
from grading.sandbox import CellRun, Kernel, KernelSpec, Limits, Protections, SandboxError

SYNTHETIC_FACES = ("synthetic_faces.csv", "synthetic_faces.json")


@dataclass
class Settings:
    """How submissions are run; the defaults are what ``make grade`` uses."""

    book: Path
    epochs: int = 2  # chapter 6's NNREG_NUM_EPOCHS
    cell_timeout: float = 600  # seconds
    notebook_timeout: float = 1800  # seconds
    protections: Protections = field(default_factory=Protections)
    limits: Limits = field(default_factory=Limits)
    output_limit: int = 20_000  # characters kept per cell
    bwrap: str | None = None

    def kernel_spec(self, chapter: Chapter) -> KernelSpec:
        data = [self.book / "data" / name for name in SYNTHETIC_FACES] if chapter.reads_faces else []
        env = {"NNREG_SYNTHETIC_FACES": "1", "NNREG_NUM_EPOCHS": str(self.epochs)}
        cpu = self.limits.cpu or int(2 * self.notebook_timeout + 60)
        return KernelSpec(book=self.book, env=env, data_files=data, protections=self.protections,
                          limits=self.limits, cpu_seconds=cpu, output_limit=self.output_limit,
                          bwrap=self.bwrap)


@dataclass
class Execution:
    runs: list[CellRun | None]  # one per step; None: not run
    status: str  # "ok", "timed out", "kernel died", "not run"
    reason: str = ""  # for the instructor and the student: what happened, where
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of the kernel (0 when it died or is unknown)


def _where(assembly: Assembly, index: int) -> str:
    """Where a cell is, in words a student can find in the notebook (the cell numbers differ)."""
    step = assembly.steps[index]
    task = f" of task {step.task}" if step.task else ""
    if step.role == "answer":
        return f"your answer{task}"
    if step.role == "added":
        return f"a cell you added (before the check{task})" if step.task else "a cell you added"
    first = next((line for line in step.source.splitlines() if line.strip()), "")[:60]
    return f"the check{task}" if step.role == "check" else f"the book's cell `{first}`"


def execute(assembly: Assembly, chapter: Chapter, settings: Settings) -> Execution:
    """Run the steps of ``assembly`` in a new kernel; never raises for what the code does."""
    started = time.monotonic()
    runs: list[CellRun | None] = [None] * len(assembly.steps)
    status, reason, cpu = "ok", "", 0.0
    deadline = started + settings.notebook_timeout
    try:
        with Kernel(settings.kernel_spec(chapter)) as kernel:
            for index, step in enumerate(assembly.steps):
                left = deadline - time.monotonic()
                if left <= 0:
                    status, reason = "timed out", (f"the notebook ran over its time limit of "
                                                   f"{settings.notebook_timeout:.0f} s before {_where(assembly, index)}")
                    break
                limit = min(settings.cell_timeout, left)
                run = kernel.run(step.source, timeout=limit)
                runs[index] = run
                if run.status == "timeout":
                    over_notebook = limit < settings.cell_timeout
                    what = (f"the notebook ran over its time limit of {settings.notebook_timeout:.0f} s"
                            if over_notebook else f"it ran over the cell time limit of {settings.cell_timeout:.0f} s")
                    stopped = f"{_where(assembly, index)} was stopped: {what}"
                    if over_notebook or not kernel.stop_running_cell():
                        status, reason = "timed out", stopped  # what ended the run
                        break
                    if status == "ok":  # interrupted, and the run goes on
                        status, reason = "timed out", stopped
                elif run.status == "died":
                    status = "kernel died"
                    reason = f"the kernel died in {_where(assembly, index)}: {kernel.exit_reason()}"
                    break
            cpu = kernel.cpu_seconds() if kernel.alive() else 0.0
    except SandboxError as err:
        status, reason = "not run", f"the kernel could not start: {err}"
    return Execution(runs, status, reason, time.monotonic() - started, cpu)

"""A progress bar over the epochs of a training loop that may stop early (chapter 5).

    with epoch_bar(num_epochs) as bar:
        for epoch in range(num_epochs):
            ...
            bar.update()
            if no_improvement_for_long:
                break

When the loop ends before ``num_epochs`` (early stopping), the bar is closed as a finished run
of the epochs it ran, not as a red bar stopped part-way: a run that stopped early is complete.
A notebook bar's total cannot be changed in place (tqdm issue 688) and ``reset`` restarts its
clock, so the clock is put back after the reset. A loop that ends with an error keeps its bar as
it was.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tqdm.auto import tqdm


def _finish_at_count(bar) -> None:
    """Make the epochs run so far the bar's total, keeping its elapsed time."""
    start_t, done = bar.start_t, bar.n
    bar.reset(total=done)
    bar.start_t = start_t
    bar.update(done)


@contextmanager
def epoch_bar(num_epochs: int, desc: str = "epochs") -> Iterator[tqdm]:
    """A tqdm bar of ``num_epochs`` steps, closed at the count reached when the block ends."""
    bar = tqdm(total=num_epochs, desc=desc)
    yield bar
    if 0 < bar.n < num_epochs:
        _finish_at_count(bar)
    bar.close()


__all__ = ["epoch_bar"]

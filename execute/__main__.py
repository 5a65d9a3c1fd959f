"""`python -m execute NOTEBOOK...` (what `make execute` runs): see the package docstring."""
import argparse
import sys
import time
from pathlib import Path

from nbclient.exceptions import CellExecutionError

import execute as package
from execute import execute

parser = argparse.ArgumentParser(
    prog="python -m execute", description=package.__doc__,
    formatter_class=argparse.RawDescriptionHelpFormatter,
)
parser.add_argument("notebooks", nargs="+", type=Path)
args = parser.parse_args()
for path in args.notebooks:
    print(f"executing {path}", flush=True)
    start = time.monotonic()
    try:
        bars = execute(path)
    except CellExecutionError as err:
        sys.exit(f"{path}: a cell failed, the notebook was not written:\n{err}")
    print(f"  done in {time.monotonic() - start:.0f} s ({bars} progress bar(s) stored finished)", flush=True)

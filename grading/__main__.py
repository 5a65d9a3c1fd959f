"""python -m grading SUBMISSIONS: see grading/cli.py and README.md, "Grading submissions"."""
import sys

from grading.cli import main

sys.exit(main())

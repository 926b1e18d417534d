#!/usr/bin/env python3
"""Writes reports/index.html (the dashboard) and reports/summary.json from what a harness run
produced. The code lives in scripts/report/ (one module per stage); `--help` lists the options.

Reads only local files; the page it writes needs no network. A stage that did not run is
shown as such, never as passed; a missing or malformed file is named on the page.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report.cli import main  # noqa: E402  (scripts/report/, the package beside this file)

if __name__ == "__main__":
    sys.exit(main())

"""The dashboard: reads what a harness run left under reports/ and writes one self-contained
page (reports/index.html) and reports/summary.json. `scripts/report.py` is its command line.

Data flows one way: inputs (read files, never raise) -> sections (one module per stage: a
status, a key figure, an HTML body) -> page (header, stage table, sections) -> files.
Modules: inputs, stage, run_info, suite (ctest), fuzzing, mutation, benchmarks, svg, page,
browser (headless Chromium check), cli.
"""

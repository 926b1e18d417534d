"""mutation.json: the mutation-testing-elements report itself (schemaVersion 2), for tools
that read that format (Stryker's dashboard and elements viewer) and for `merge`."""
from __future__ import annotations

import json
from pathlib import Path

FILENAME = "mutation.json"


def write_json(report: dict, out_dir: Path) -> Path:
    path = Path(out_dir) / FILENAME
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path

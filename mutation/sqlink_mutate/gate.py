"""The CI gate: --fail-under SCORE, --max-surviving N, and the ratchet against a baseline."""
from __future__ import annotations

import json
from pathlib import Path

from .errors import UsageError
from .reports import scores


def load_baseline(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise UsageError(f"--ratchet: no baseline at {path} (write one with --update-baseline)") from None
    except (OSError, json.JSONDecodeError) as e:
        raise UsageError(f"--ratchet: {path} is not a readable JSON baseline: {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("score"), (int, float)):
        raise UsageError(f"--ratchet: {path} has no numeric 'score'")
    return data


def evaluate(summary: dict, fail_under: float | None, max_surviving: int | None,
             baseline: dict | None, diff_mode: bool) -> dict:
    reasons = []
    notes = []
    # A score is None when no mutant could be judged (e.g. a diff touching no code): nothing
    # to hold against the thresholds, only --max-surviving applies.
    score = summary["score"]
    # A run cut short by --max-time judged only some mutants: its score is not the project's,
    # so the score thresholds wait for a complete run (the Pending mutants' verdicts are
    # cached by then); the survivors already found and the files judged whole still count.
    pending = summary.get("pending", 0)
    if pending:
        notes.append(f"{pending} mutant(s) pending (--max-time): the overall score is not "
                     "held against --fail-under or the baseline until a run judges them all; "
                     "files judged whole are")
        score = None
    # Equivalence pruning that ran out of time leaves equivalent mutants in, scored as
    # survivors: those files' scores, and so the overall one, read low for want of time.
    unanalysed = set(summary.get("tce_unanalysed") or ())
    if unanalysed:
        notes.append(f"equivalence pruning (TCE) had no time for {len(unanalysed)} file(s): the "
                     "overall score and theirs are not held against --fail-under or the "
                     "baseline until a run analyses them (the results are cached)")
        score = None
    # Survivors found but not re-run to confirm (no time left): a mutant whose behaviour is
    # undefined can pass once by chance, so no score is held against a threshold on them.
    unconfirmed = summary.get("unconfirmed", 0)
    if unconfirmed:
        notes.append(f"{unconfirmed} survivor(s) were not re-run to confirm (--max-time): no "
                     "score, overall or per file, is held against --fail-under or the baseline "
                     "until a run confirms them")
        score = None
    if fail_under is not None and score is not None and score < fail_under:
        reasons.append(f"score {scores.format_score(score)} is below --fail-under {fail_under:g}")
    if max_surviving is not None and summary["survived"] > max_surviving:
        reasons.append(f"{summary['survived']} surviving mutant(s), more than --max-surviving "
                       f"{max_surviving}")
    gate = {"passed": True, "reasons": reasons}
    if notes:
        gate["notes"] = notes
    if baseline is not None:
        gate["baseline_score"] = baseline["score"]
        if diff_mode:
            # Changed code must be tested at least as well as the project was.
            if score is not None and score < baseline["score"]:
                reasons.append(f"score of the changed lines {scores.format_score(score)} is below the "
                               f"baseline score {baseline['score']:.2f}")
        else:
            if score is not None and score < baseline["score"]:
                reasons.append(f"score {scores.format_score(score)} dropped below the baseline "
                               f"{baseline['score']:.2f}")
            for path, base in ({} if unconfirmed else baseline.get("files", {})).items():
                now = summary["files"].get(path)
                if (now and now["score"] is not None and not now.get("pending")
                        and path not in unanalysed and now["score"] < base["score"]
                        and now["survived"] > base.get("survived", 0)):
                    reasons.append(f"{path}: score {now['score']:.2f} dropped below its baseline "
                                   f"{base['score']:.2f}")
    gate["passed"] = not reasons
    return gate


def baseline_of(summary: dict) -> dict:
    """What --update-baseline commits: the scores, not the verdicts. Only a complete run has
    the project's scores."""
    if summary.get("pending") or summary.get("tce_unanalysed") or summary.get("unconfirmed"):
        raise UsageError("--update-baseline: this run was cut short by --max-time "
                         f"({summary.get('pending', 0)} mutant(s) pending, equivalence pruning "
                         f"skipped for {len(summary.get('tce_unanalysed') or ())} file(s), "
                         f"{summary.get('unconfirmed', 0)} survivor(s) not confirmed); a "
                         "baseline needs a complete run")
    return {"score": summary["score"], "covered_score": summary["covered_score"],
            "killed": summary["killed"], "survived": summary["survived"],
            "total": summary["total"],
            "files": {p: {"score": f["score"], "survived": f["survived"], "total": f["total"]}
                      for p, f in summary["files"].items() if f["score"] is not None}}

"""Broken on purpose: a catalogue of named bugs, and a runner that checks the lessons catch them.

Each `Bug` is one small change that learners (or the lesson's own first version) really make,
written as a text substitution in one cell of a copy of a notebook. Applied, the notebook must
stop at a named self-check, with an error message that names the concept: that is how we know
the check can fail. `python -m course_utils.mutants` (or `make test-mutants`) runs every bug in
fast offline mode and prints a table: bug, notebook, the check that caught it, killed or
survived. It exits 1 if any bug survived.

    python -m course_utils.mutants                 # every bug
    python -m course_utils.mutants --only no_mask  # some, by name
    python -m course_utils.mutants --list          # the catalogue, without running it
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from course_utils.notebooks import plain_text

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
L01 = "01_finetune_gpt2_sentiment.ipynb"
L03 = "03_training_is_optimization.ipynb"
L07 = "07_optimizers.ipynb"
L09 = "09_finetuning_revisited.ipynb"


class CatalogueOutOfDate(LookupError):
    """A bug's cell, or the text it replaces, is no longer in its notebook."""


@dataclass(frozen=True)
class Bug:
    """One named bug: where it goes, what it changes, and which self-check must catch it."""

    name: str
    story: str  # who makes it, and what it does
    notebook: str  # file name in notebooks/
    cell: str  # id of the cell the substitution applies to
    old: str  # exact text in that cell (must occur once)
    new: str  # what replaces it
    check_cell: str  # id of the self-check cell that must fail first
    concept: str  # text the failing check's error must contain
    lesson: str  # where the course explains it
    env: tuple[tuple[str, str], ...] = ()  # extra environment of the run, e.g. a precision


CATALOGUE: tuple[Bug, ...] = (
    Bug(
        "seed_pad_token_id_zero",
        "The lecture's code adds a [PAD] token, then sets pad_token_id = 0: the pad becomes '!' "
        "and [PAD] (id 50257) has no embedding row.",
        L01, "adf90548",
        "tokenizer.pad_token = tokenizer.eos_token",
        'tokenizer.add_special_tokens({"pad_token": "[PAD]"})\ntokenizer.pad_token_id = 0',
        "adf90548", "the pad token must be EOS", "lesson 01, section on the lesson's pitfalls",
    ),
    Bug(
        "one_class_validation",
        "A plain select(range(200)) of a split that lists its positive reviews first (the "
        "Hub's do; the stand-in's are shuffled, so the run sorts it as the Hub does): the "
        "validation slice is one class, and 'accuracy' is the share of that class.",
        L01, "957aef46",
        "raw_valid_dataset = stratified_subset(raw_valid_dataset, 200, seed=ENV.seed)",
        'raw_valid_dataset = raw_valid_dataset.sort("label", reverse=True).select(range(200))',
        "7d8362d1", "a one-class slice", "lesson 01, loading the data",
    ),
    Bug(
        "no_label_mask",
        "labels = input_ids, as for language modelling: every token is scored, the label is "
        "one token in 30, and the model mostly learns to continue reviews.",
        L01, "e901aa93",
        "[-100] * (len(input_ids) - 1) + [label_id]",
        "list(input_ids)",
        "7ea7145a", "one scored position per row", "lessons 01 and 08 (ignore_index=-100)",
    ),
    Bug(
        "no_eos_before_label",
        "The label token is glued straight to the review, with no EOS to mark where the answer "
        "is asked for.",
        L01, "e901aa93",
        "prompt_ids + [tokenizer.eos_token_id, label_id]",
        "prompt_ids + [label_id]",
        "7ea7145a", "a row must end in <EOS> <label>", "lesson 01, the row layout",
    ),
    Bug(
        "truncation_cuts_label",
        "Truncation from the right (tokenizer(..., truncation=True) does this by default): a "
        "long review keeps its start, and the EOS and label are cut off.",
        L01, "e901aa93",
        "[tokenizer.eos_token_id, label_id])[-MAX_LEN:]",
        "[tokenizer.eos_token_id, label_id])[:MAX_LEN]",
        "7ea7145a", "a row must end in <EOS> <label>", "lesson 01, the row layout",
    ),
    Bug(
        "label_padding_scored",
        "The collator pads labels with the pad id instead of -100: padding is scored as if it "
        "were an answer.",
        L01, "c7cd77d0",
        "label_pad_token_id=-100",
        "label_pad_token_id=tokenizer.pad_token_id",
        "c7cd77d0", "padding must be masked out of the loss", "lesson 01, the collator",
    ),
    Bug(
        "left_padding",
        "tokenizer.padding_side = 'left', as for generation, while predict_labels finds the EOS "
        "by counting real tokens from the left.",
        L01, "c7cd77d0",
        "collator = DataCollatorForSeq2Seq(",
        'tokenizer.padding_side = "left"\ncollator = DataCollatorForSeq2Seq(',
        "bdf12d37", "right padding expected", "lesson 01, the readout position",
    ),
    Bug(
        "label_read_at_own_position",
        "The prediction is read at the label's own position, not one earlier (the EOS): the "
        "causal-LM loss shifts labels inside the model, so position t predicts token t + 1.",
        L01, "1b2573f1",
        "eos_position = attention_mask.sum(dim=1) - 2",
        "eos_position = attention_mask.sum(dim=1) - 1",
        "1b2573f1", "predict_labels must read the label logits at each row's EOS",
        "lessons 01 and 08 (the label shift)",
    ),
    Bug(
        "learning_rate_x100",
        "A learning rate 100 times too large: the loss jumps about and the model collapses to "
        "one answer.",
        L01, "c7bae998",
        "LR, EPOCHS = 2e-3, 3",
        "LR, EPOCHS = 2e-1, 3",
        "5381ee33", "fine-tuning did not improve validation accuracy", "lesson 06",
    ),
    Bug(
        "learning_rate_too_small",
        "The pretrained GPT-2's rate (2e-5) kept for the tiny stand-in, then divided by 100 "
        "more: the weights hardly move and fine-tuning does nothing.",
        L01, "c7bae998",
        "LR, EPOCHS = 2e-3, 3",
        "LR, EPOCHS = 2e-7, 3",
        "5381ee33", "fine-tuning did not improve validation accuracy", "lesson 06",
    ),
    Bug(
        "missing_zero_grad",
        "optimizer.zero_grad() left out of a training loop: every step adds the new gradient to "
        "all the old ones.",
        L03, "03-33",
        "    optimizer.zero_grad()\n    loss_value = ((net(X_xor) - Y_xor) ** 2).mean()",
        "    loss_value = ((net(X_xor) - Y_xor) ** 2).mean()",
        "03-33", "updates, every step", "lesson 03",
    ),
    Bug(
        "l2_in_adam",
        "Weight decay added to the gradient inside Adam (L2), where AdamW's decoupled decay was "
        "meant: Adam divides it by the gradient's size, so big-gradient weights are barely "
        "decayed.",
        L07, "714907ec",
        "        p.mul_(1 - self.lr * self.weight_decay)"
        "  # decoupled: shrink the weight itself...\n"
        "        return p.grad  # ...and leave the gradient alone",
        "        return p.grad + self.weight_decay * p  # L2 in the gradient",
        "bffa33c4", "hand-written AdamW left torch.optim's path", "lesson 07",
    ),
    Bug(
        "lora_b_not_zero",
        "LoRA's B initialised at random like A: the wrapped model no longer starts as the "
        "pretrained one, and fine-tuning starts from a damaged model.",
        L09, "85e6fa1f",
        "self.B = nn.Parameter(torch.zeros(rank, d_out, **like))",
        "self.B = nn.Parameter(torch.randn(rank, d_out, **like) / math.sqrt(rank))",
        "147abe82", "LoRA must start as the identity update", "lesson 09",
    ),
    Bug(
        "lora_merge_under_autocast",
        "After the Trainer trains in bf16, model.forward stays wrapped in autocast; the merged "
        "and unmerged LoRA models are then compared in 16 bits. (Run in bf16 on the CPU: in "
        "fp32 there is no autocast to forget.)",
        L09, "11f2a88e",
        'lora_trained = without_autocast(trained["model"]).eval()\n'
        "assert not runs_in_autocast(lora_trained)",
        'lora_trained = trained["model"].eval()',
        "11f2a88e", "logits after merging", "lesson 09",
        env=(("COURSE_PRECISION", "bf16"),),
    ),
)
BUGS = {bug.name: bug for bug in CATALOGUE}


def _cell(nb, cell_id: str, bug: Bug):
    for cell in nb.cells:
        if cell.get("id") == cell_id:
            return cell
    raise CatalogueOutOfDate(
        f"catalogue out of date: {bug.notebook} has no cell {cell_id!r} (bug {bug.name})"
    )


def apply(bug: Bug, nb=None, truncate: bool = False):
    """A copy of the bug's notebook with the bug in it; with `truncate`, ending at the check."""
    import nbformat

    if nb is None:
        nb = nbformat.read(NOTEBOOKS / bug.notebook, as_version=4)
    nb = copy.deepcopy(nb)
    cell = _cell(nb, bug.cell, bug)
    found = cell.source.count(bug.old)
    if found != 1:
        raise CatalogueOutOfDate(
            f"catalogue out of date: cell {bug.cell} of {bug.notebook} no longer contains "
            f"{bug.old!r} exactly once (found {found}; bug {bug.name})"
        )
    cell.source = cell.source.replace(bug.old, bug.new)
    check = _cell(nb, bug.check_cell, bug)
    if truncate:
        nb.cells = nb.cells[: nb.cells.index(check) + 1]
    return nb


@dataclass(frozen=True)
class Outcome:
    """What a run with one bug applied did."""

    bug: Bug
    failed_cell: str | None  # id of the first cell that raised (None: none did)
    error: str  # that cell's error: name, message and the failing line
    seconds: float

    @property
    def killed(self) -> bool:
        """The named check failed first, with a message naming the concept."""
        return self.failed_cell == self.bug.check_cell and self.bug.concept in self.error


def run_environment() -> dict[str, str]:
    """The environment of a test run: fast, offline, with the suite's own Hub caches."""
    env = {"COURSE_FAST": "1", "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg",
           "OMP_WAIT_POLICY": "PASSIVE"}
    caches = Path.home() / ".cache" / "finetune-course" / "test-hf"
    env["HF_HUB_CACHE"] = str(caches / "hub")
    env["HF_DATASETS_CACHE"] = str(caches / "datasets")
    return env


def run(bug: Bug, timeout: int = 300) -> Outcome:
    """Run the bug's notebook, with the bug, in a fresh kernel up to its check cell."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = apply(bug, truncate=True)
    for key, value in run_environment().items():
        os.environ.setdefault(key, value)  # the kernel inherits them
    saved = {key: os.environ.get(key) for key, _ in bug.env}
    os.environ.update(dict(bug.env))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    failed, error = None, ""
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as err:
        error = plain_text(str(err))
        for cell in nb.cells:
            outputs = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if outputs:
                failed = cell.get("id")
                out = outputs[0]
                error = plain_text("\n".join([*out.get("traceback", []),
                                               f"{out['ename']}: {out['evalue']}"]))
                break
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Outcome(bug, failed, error, time.perf_counter() - start)


def _summary(outcome: Outcome) -> str:
    if outcome.failed_cell is None:
        return "no cell failed"
    if outcome.killed:  # the check's own words
        return f"cell {outcome.failed_cell}: {outcome.bug.concept!r}"
    last = outcome.error.strip().splitlines()[-1] if outcome.error.strip() else ""
    return f"cell {outcome.failed_cell}: {last[:70]}"


def table(outcomes: list[Outcome]) -> str:
    """A plain-text table: bug, notebook, the check that caught it, killed or survived."""
    rows = [("bug", "notebook", "check (cell: error)", "result", "s")]
    for o in outcomes:
        rows.append((o.bug.name, o.bug.notebook[:2], _summary(o),
                     "killed" if o.killed else "SURVIVED", f"{o.seconds:.0f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="BUG", help="bug names to run")
    parser.add_argument("--list", action="store_true", help="print the catalogue and stop")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only or []) - set(BUGS))
    if unknown:
        parser.error(f"no such bug: {', '.join(unknown)} (known: {', '.join(BUGS)})")
    bugs = [BUGS[name] for name in args.only] if args.only else list(CATALOGUE)
    if args.list:
        for bug in bugs:
            print(f"{bug.name} ({bug.notebook[:2]}, caught by cell {bug.check_cell}): {bug.story}")
        return 0
    for bug in bugs:  # every substitution first: a stale catalogue fails before any run
        apply(bug)
    outcomes = []
    for bug in bugs:
        outcome = run(bug)
        print(f"{bug.name}: {'killed' if outcome.killed else 'SURVIVED'} "
              f"({outcome.seconds:.0f} s)", flush=True)
        if not outcome.killed:
            print(outcome.error[-2000:] or "(no error)", flush=True)
        outcomes.append(outcome)
    print()
    print(table(outcomes))
    survived = [o.bug.name for o in outcomes if not o.killed]
    print(f"\n{len(outcomes) - len(survived)} of {len(outcomes)} bugs killed"
          + (f"; survived: {', '.join(survived)}" if survived else ""))
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())

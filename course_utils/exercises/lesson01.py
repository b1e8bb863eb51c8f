"""Exercises of lesson 01: build one training row, find where to read the prediction, pick a
precision. Each checker says in plain words what is wrong."""

from __future__ import annotations

import numbers

from course_utils.env import pick_precision
from course_utils.exercises import exercise, expect
from course_utils.messages import say

# ---------------------------------------------------------------- 1. build one training row


def build_example_solution(prompt_ids: list[int], eos_id: int, label_id: int, max_len: int) -> dict:
    ids = (list(prompt_ids) + [eos_id, label_id])[-max_len:]  # cut from the left: keep EOS + label
    return {
        "input_ids": ids,
        "attention_mask": [1] * len(ids),
        "labels": [-100] * (len(ids) - 1) + [label_id],
    }


def _labels_are_inputs(prompt_ids, eos_id, label_id, max_len):
    row = build_example_solution(prompt_ids, eos_id, label_id, max_len)
    return {**row, "labels": list(row["input_ids"])}


def _label_on_eos(prompt_ids, eos_id, label_id, max_len):
    row = build_example_solution(prompt_ids, eos_id, label_id, max_len)
    n = len(row["input_ids"])
    return {**row, "labels": [-100] * (n - 2) + [label_id, -100]}


def _cut_from_the_right(prompt_ids, eos_id, label_id, max_len):
    ids = (list(prompt_ids) + [eos_id, label_id])[:max_len]
    return {
        "input_ids": ids,
        "attention_mask": [1] * len(ids),
        "labels": [-100] * (len(ids) - 1) + [ids[-1]],
    }


def _pads_to_max_len(prompt_ids, eos_id, label_id, max_len, pad_id=0):
    """The original lesson's row: padded to max_len here, with mask 0 and label -100 there."""
    ids = (list(prompt_ids) + [eos_id, label_id])[-max_len:]
    n = len(ids)
    return {
        "input_ids": ids + [pad_id] * (max_len - n),
        "attention_mask": [1] * n + [0] * (max_len - n),
        "labels": [-100] * (n - 1) + [label_id] + [-100] * (max_len - n),
    }


@exercise(
    reference=build_example_solution,
    wrong=[_labels_are_inputs, _label_on_eos, _cut_from_the_right, _pads_to_max_len],
)
def check_build_example(build_example) -> None:
    """build_example(prompt_ids, eos_id, label_id, max_len) -> dict with input_ids,
    attention_mask and labels, laid out as <prompt><EOS><label>, at most max_len long."""
    cases = [([5, 6, 7], 99, 42, 32), ([11], 99, 43, 8), (list(range(1, 40)), 99, 42, 32)]
    for prompt, eos, label, max_len in cases:
        got = build_example(list(prompt), eos, label, max_len)
        want = build_example_solution(prompt, eos, label, max_len)
        expect(isinstance(got, dict), say("ex.01.build_example.not_a_dict"))
        for key in ("input_ids", "attention_mask", "labels"):
            expect(key in got, say("ex.01.build_example.missing_key", key=key))
            got[key] = list(got[key])
        n = len(got["input_ids"])
        padded = len(got["input_ids"]) > len(want["input_ids"]) and (
            0 in got["attention_mask"] or got["input_ids"][: len(want["input_ids"])]
            == want["input_ids"]
        )
        expect(not padded, say("ex.01.build_example.padded", prompt_length=len(prompt), length=n))
        expect(
            n <= max_len,
            say("ex.01.build_example.too_long", prompt_length=len(prompt), length=n,
                max_len=max_len),
        )
        expect(
            got["input_ids"][-2:] == [eos, label],
            say("ex.01.build_example.wrong_end", eos=eos, label=label,
                end=got["input_ids"][-2:]),
        )
        expect(got["input_ids"] == want["input_ids"], say("ex.01.build_example.wrong_input_ids"))
        expect(
            len(got["attention_mask"]) == n and len(got["labels"]) == n,
            say("ex.01.build_example.lengths_differ"),
        )
        expect(got["attention_mask"] == want["attention_mask"],
               say("ex.01.build_example.wrong_mask"))
        expect(got["labels"][-1] == label, say("ex.01.build_example.label_not_last"))
        expect(
            all(x == -100 for x in got["labels"][:-1]), say("ex.01.build_example.not_masked")
        )


# ------------------------------------------------- 2. where to read the prediction from


def prediction_position_solution(attention_mask: list[int]) -> int:
    return sum(attention_mask) - 2  # real tokens end with EOS, label: the EOS is second to last


def _label_position(attention_mask):
    return sum(attention_mask) - 1


def _ignores_padding(attention_mask):
    return len(attention_mask) - 2


@exercise(reference=prediction_position_solution, wrong=[_label_position, _ignores_padding])
def check_prediction_position(prediction_position) -> None:
    """prediction_position(attention_mask) -> index of the EOS in a right-padded row, where the
    logits predict the label token."""
    for mask in ([1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 0]):
        got = prediction_position(list(mask))
        want = prediction_position_solution(mask)
        expect(
            isinstance(got, numbers.Integral) and not isinstance(got, bool),
            say("ex.01.prediction_position.not_an_integer", type=type(got).__name__),
        )
        if got == want + 1:
            expect(False, say("ex.01.prediction_position.label_position"))
        expect(got == want, say("ex.01.prediction_position.wrong", mask=mask, want=want, got=got))


# ----------------------------------------------------------- 3. choose the precision


def choose_precision_solution(device_type: str, capability: tuple[int, int] | None) -> str:
    return pick_precision(device_type, capability if device_type == "cuda" else None)


def _bf16_whenever_cuda(device_type, capability):
    return "bf16" if device_type == "cuda" else "fp32"


def _fp16_everywhere(device_type, capability):
    return "fp16"


@exercise(reference=choose_precision_solution, wrong=[_bf16_whenever_cuda, _fp16_everywhere])
def check_choose_precision(choose_precision) -> None:
    """choose_precision(device_type, capability) -> 'bf16', 'fp16' or 'fp32'."""
    cases = [
        ("cuda", (7, 5), "Colab's T4"),
        ("cuda", (8, 0), "an A100"),
        ("cuda", (9, 0), "an H100"),
        ("cuda", (7, 0), "a V100"),
        ("cpu", None, "a CPU"),
        ("mps", None, "Apple silicon"),
    ]
    for device, cap, what in cases:
        got = choose_precision(device, cap)
        want = choose_precision_solution(device, cap)
        expect(
            got == want,
            say("ex.01.choose_precision.wrong", what=what, device=device, capability=cap,
                want=want, got=got),
        )

"""Lesson 09's hand-written LoRA (taken from the notebook itself) against the peft library."""

import json
from pathlib import Path

import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

from course_utils.checks import tolerance

NOTEBOOK = Path(__file__).parent.parent / "notebooks" / "09_finetuning_revisited.ipynb"
LORA_CELL = "85e6fa1f"  # the cell that defines LoRA, add_lora, merge_lora and LORA_TARGETS


def lesson_lora() -> dict:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    source = "".join(next(c for c in cells if c.get("id") == LORA_CELL)["source"])
    namespace: dict = {}
    exec("import math\nimport torch\nfrom torch import nn\n"
         "from transformers.pytorch_utils import Conv1D\n" + source, namespace)
    return namespace


def tiny_gpt2() -> GPT2LMHeadModel:
    torch.manual_seed(0)
    config = GPT2Config(n_layer=2, n_head=2, n_embd=32, vocab_size=97, n_positions=16)
    return GPT2LMHeadModel(config).eval()


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Within the course's float32 rule (256 ulps of the values' size)."""
    scale = float(torch.cat([a.flatten(), b.flatten()]).abs().max())
    return bool((a - b).abs().max() <= tolerance(torch.float32, scale))


def test_hand_lora_equals_peft():
    peft = pytest.importorskip("peft")
    lora = lesson_lora()
    targets = lora["LORA_TARGETS"]
    tokens = torch.randint(0, 97, (3, 10), generator=torch.Generator().manual_seed(0))

    plain = tiny_gpt2()
    mine = lora["add_lora"](tiny_gpt2(), rank=4, alpha=8.0)
    config = peft.LoraConfig(r=4, lora_alpha=8, target_modules=[n for _, n in targets],
                             fan_in_fan_out=True, lora_dropout=0.0)
    theirs = peft.get_peft_model(tiny_gpt2(), config).eval()

    def trainable(m):
        return sum(p.numel() for p in m.parameters() if p.requires_grad)

    # rank * (d_in + d_out) for c_attn (32 -> 96) and c_fc (32 -> 128), in each of 2 blocks
    assert trainable(mine) == trainable(theirs) == 2 * 4 * ((32 + 96) + (32 + 128))
    with torch.no_grad():
        reference = plain(tokens).logits
        assert torch.equal(mine(tokens).logits, reference)
        assert torch.equal(theirs(tokens).logits, reference)
        generator = torch.Generator().manual_seed(1)
        for block, peft_block in zip(mine.transformer.h, theirs.base_model.model.transformer.h):
            for part, name in targets:
                a = getattr(getattr(block, part), name)
                b = getattr(getattr(peft_block, part), name)
                a.B.copy_(0.5 * torch.randn(a.B.shape, generator=generator))
                b.lora_A["default"].weight.copy_(a.A.T)
                b.lora_B["default"].weight.copy_(a.B.T)
        out_mine, out_theirs = mine(tokens).logits, theirs(tokens).logits
        assert close(out_mine, out_theirs)
        assert (out_mine - reference).abs().max() > 1e-2  # the update is not zero
        merged_mine, merged_theirs = lora["merge_lora"](mine), theirs.merge_and_unload()
        for block, peft_block in zip(merged_mine.transformer.h, merged_theirs.transformer.h):
            for part, name in targets:
                assert close(getattr(getattr(block, part), name).weight,
                             getattr(getattr(peft_block, part), name).weight)
        assert close(merged_mine(tokens).logits, merged_theirs(tokens).logits)

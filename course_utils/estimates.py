"""Know before you wait: a training run's steps, FLOPs, memory and time, said before it starts.

Counts come from arithmetic (the Trainer's step formula, the matrix products of a GPT-2
forward pass); the time comes from a short warm-up of the actual model on this machine, on a
copy, so the model itself is not changed. tests/test_estimates.py checks the counts against
torch's FLOP counter and the Trainer, and the time and memory model on GPT-2 small's shape.
"""

from __future__ import annotations

import copy
import math
import time
from contextlib import nullcontext
from dataclasses import dataclass

import torch

BYTES_PER_TRAINED_WEIGHT = 4 + 4 + 8  # fp32 weight, its gradient, AdamW's two fp32 moments


def training_steps(rows: int, batch_size: int, epochs: float, world_size: int = 1) -> int:
    """Optimizer steps the Trainer takes: ceil(epochs x ceil(rows / global batch))."""
    if rows < 1 or batch_size < 1 or epochs <= 0 or world_size < 1:
        raise ValueError("rows, batch_size, epochs and world_size must be positive.")
    per_epoch = math.ceil(rows / (batch_size * world_size))
    return math.ceil(epochs * per_epoch)


def forward_flops(config, batch: int, length: int) -> float:
    """FLOPs of a GPT-2 forward pass over `batch` rows of `length` tokens (padding included).

    Per token and layer: q, k, v and output projections 2 * 4d^2, the MLP 2 * 2 * d * d_ff, and
    attention's two products with the context, 2 * 2 * L * d; then the LM head 2 * d * V.
    Element-wise work (layer norms, GELU, softmax) is left out: it is a few per cent.
    """
    d, layers, vocab = config.n_embd, config.n_layer, config.vocab_size
    d_ff = getattr(config, "n_inner", None) or 4 * d
    per_token = layers * (2 * 4 * d * d + 2 * 2 * d * d_ff + 2 * 2 * length * d) + 2 * d * vocab
    return float(batch * length * per_token)


def training_step_flops(config, batch: int, length: int, recompute: bool = False) -> float:
    """Forward plus backward (twice the forward); activation checkpointing recomputes the
    transformer blocks' forward (not the LM head's) during the backward pass."""
    forward = forward_flops(config, batch, length)
    head = 2.0 * batch * length * config.n_embd * config.vocab_size
    return 3.0 * forward + (forward - head if recompute else 0.0)


def training_memory_bytes(model: torch.nn.Module, batch: int, length: int) -> int:
    """Weights, gradients and AdamW state of the trainable weights, plus fp32 activations.

    Activations per layer, in 16-bit units, ~34 L B d + 5 heads L^2 B (Korthikanti et al.,
    2022), doubled for fp32; plus the logits and their gradient, B L V floats each.
    """
    config = model.config
    trained = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    per_layer = 34 * length * batch * config.n_embd + 5 * config.n_head * length**2 * batch
    activations = 2 * per_layer * config.n_layer + 2 * 4 * batch * length * config.vocab_size
    return BYTES_PER_TRAINED_WEIGHT * trained + 4 * frozen + activations


@dataclass(frozen=True)
class Estimate:
    """What a training run will cost here, said before it starts."""

    what: str
    steps: int
    flops: float  # counted for the run, padding at the measured batch length
    memory_bytes: int
    seconds_per_step: float  # measured on a warm-up copy of the model
    device: str

    @property
    def seconds(self) -> float:
        return self.steps * self.seconds_per_step

    def __str__(self) -> str:
        minutes = self.seconds / 60
        took = f"{self.seconds:.0f} s" if minutes < 2 else f"{minutes:.0f} min"
        return (
            f"About to train {self.what}: {self.steps} steps, {self.flops / 1e12:.2f} TFLOP, "
            f"about {self.memory_bytes / 2**30:.2f} GiB. A step took {self.seconds_per_step:.3g} s "
            f"here ({self.device}, measured on a copy), so expect about {took}."
        )


def seconds_per_step(
    model: torch.nn.Module, batch: dict, precision: str = "fp32", steps: int = 3
) -> float:
    """Median wall time of a training step (forward, backward, AdamW) on a copy of the model.

    The first step is not timed (memory allocation, kernel choice); the model passed in is
    left exactly as it was.
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, not {steps}.")
    device = next(model.parameters()).device
    probe = copy.deepcopy(model).train()
    params = [p for p in probe.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-12)
    batch = {k: v.to(device) for k, v in batch.items()}
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    autocast = torch.autocast(device.type, dtype=dtype) if dtype else nullcontext()
    times = []
    for _ in range(steps + 1):
        start = time.perf_counter()
        with autocast:
            loss = probe(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    del probe, optimizer
    measured = sorted(times[1:])
    return measured[len(measured) // 2]


def estimate_training(
    what: str,
    model: torch.nn.Module,
    rows,
    batch_size: int,
    epochs: float,
    precision: str = "fp32",
    recompute: bool = False,
) -> Estimate:
    """Count the steps, FLOPs and memory of fine-tuning `model` on processed `rows`, and time a
    warm-up on a copy at a batch of the rows' mean length."""
    n = len(rows)
    steps = training_steps(n, batch_size, epochs)
    lengths = sorted(len(r["input_ids"]) for r in rows)
    # A shuffled batch is padded to its longest row: the mean of the batch maxima, sampled.
    generator = torch.Generator().manual_seed(0)
    picks = torch.randint(n, (64, min(batch_size, n)), generator=generator)
    padded = int(round(sum(max(lengths[i] for i in row) for row in picks.tolist()) / 64))
    b = min(batch_size, n)
    tokens = [t for i in range(n) for t in rows[i]["input_ids"]][: b * padded]
    ids = torch.tensor((tokens * (b * padded // max(len(tokens), 1) + 1))[: b * padded])
    ids = ids.view(b, padded)  # real tokens, in a batch of the typical shape
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids.clone()}
    flops = steps * training_step_flops(model.config, b, padded, recompute)
    return Estimate(
        what=what,
        steps=steps,
        flops=flops,
        memory_bytes=training_memory_bytes(model, b, padded),
        seconds_per_step=seconds_per_step(model, batch, precision),
        device=str(next(model.parameters()).device),
    )

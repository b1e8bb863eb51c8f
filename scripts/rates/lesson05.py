"""Lesson 05: how often each of its checks that depend on the seed holds, over many seeds.

- ripples_chord: one random pair (a, b, t), drawn as section 1 draws its 10,000: is its chord
  gap on the rippled function above 0.5?
- random_hessians: one random symmetric matrix of each size 1 to 7, drawn as section 2 draws its
  20,000: are all its eigenvalues positive (a minimum), or (from 5 on) not?
- saddle_noise: section 2's noisy run from the saddle, under one seed; cell bb22140e's checks.
- moons: all of section 3 and the network restart of section 4 under one seed (COURSE_SEED),
  in fast and in full mode; every check of those cells.

The saddle and network groups run the lesson's own cells, with each `assert` turned into a
record of whether it held (scripts/rates/lesson_code.py runs cells with their asserts removed;
here we need them). The checks are matched to claims by their text (CHECKS below), so a check
that changes without this file fails loudly. Plots are skipped.

Training the networks is most of the cost, so the network group trains them for a block of
seeds at once: the lesson's data, starting weights (its make_net), full-batch loss and Adam
steps, as one batched computation, which `train` in the lesson's cells then hands back. On the
first seed of a run, a network is also trained with the course's own `train`, and the batched
loss along a line is compared with the lesson's own: both must agree.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os

import numpy as np
import torch
from torch import nn

from rates.lesson_code import FakeEnv, cell_sources, definitions, run_cells

LESSON = "05"


# --- section 1: the chord test ----------------------------------------------------------------

_chord: dict = {}


def ripples_chord(seed: int) -> dict[str, bool]:
    """One pair drawn as cell b1298ada draws its 10,000 (a, b uniform in [-5, 5], t in [0, 1])."""
    if not _chord:
        _chord["torch"] = torch
        definitions(LESSON, "b1298ada", ["ripples", "chord_gap"], _chord)
    g = torch.Generator().manual_seed(seed)
    a, b = (10 * torch.rand(1, generator=g, dtype=torch.float64) - 5 for _ in range(2))
    t = torch.rand(1, generator=g, dtype=torch.float64)
    gap = _chord["chord_gap"](_chord["ripples"], a, b, t)
    return {"ripples_pair_gap_over_half": bool(gap.item() > 0.5)}


# --- section 2: random symmetric matrices ----------------------------------------------------

def random_hessians(seed: int) -> dict[str, bool]:
    """One matrix of each size, drawn as cell ccabd0a4 draws 20,000: (M + M^T) / 2, M normal.
    Up to 4 dimensions: is it a minimum? From 5 on, where a minimum is rarer than 1 in 1,000:
    is it not one? (A rate recorded in course_utils.stats.MEASURED must be above 0.)"""
    g = torch.Generator().manual_seed(seed)
    claims = {}
    for n in range(1, 8):
        M = torch.randn(1, n, n, generator=g)
        symmetric = (M + M.transpose(1, 2)) / 2
        minimum = bool((torch.linalg.eigvalsh(symmetric) > 0).all())
        if n <= 4:
            claims[f"hessian_{n}d_minimum"] = minimum
        else:
            claims[f"hessian_{n}d_not_minimum"] = not minimum
    return claims


# --- running cells with their checks recorded -------------------------------------------------

class _Stub:
    """Stands in for matplotlib: every attribute and call gives a stub; subplots gives two."""

    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, index):
        return self

    def subplots(self, *args, **kwargs):
        return self, self


class _RecordAsserts(ast.NodeTransformer):
    """`assert test, message` becomes: record whether `test` holds (an error counts as no).
    Definitions of the names in `given` are dropped: the namespace provides those."""

    def __init__(self, cell_id: str, given: frozenset[str] = frozenset()):
        self.cell_id, self.given = cell_id, given

    def visit_Assert(self, node):
        key = (self.cell_id, ast.unparse(node.test))
        code = (f"try:\n    __held__ = bool({key[1]})\nexcept Exception:\n    __held__ = False\n"
                f"__record__({key!r}, __held__)\n")
        return ast.parse(code).body

    def visit_FunctionDef(self, node):
        return None if node.name in self.given else node


_compiled: dict = {}


def run_recorded(cell_ids: list[str], space: dict, given: frozenset[str] = frozenset()
                 ) -> dict[tuple[str, str], bool]:
    """Run the cells in `space`; (cell id, check text) -> did it hold every time it ran."""
    held: dict[tuple[str, str], bool] = {}

    def record(key, value):
        held[key] = held.get(key, True) and value

    space["__record__"] = record
    for cell_id in cell_ids:
        if (cell_id, given) not in _compiled:
            tree = _RecordAsserts(cell_id, given).visit(ast.parse(cell_sources(LESSON)[cell_id]))
            ast.fix_missing_locations(tree)
            _compiled[cell_id, given] = compile(tree, f"<lesson {LESSON} cell {cell_id}>", "exec")
        with contextlib.redirect_stdout(io.StringIO()):  # what the cells and compare() print
            exec(_compiled[cell_id, given], space)
    return held


def claims_from(held: dict[tuple[str, str], bool], checks: dict[str, list[tuple[str, str]]],
                prefix: str = "") -> dict[str, bool]:
    """Group the recorded checks into claims; every check must belong to exactly one claim."""
    claims, used = {}, set()
    for claim, parts in checks.items():
        found = [key for key in held for cell, text in parts if key[0] == cell and text in key[1]]
        if len(found) != len(parts):
            raise LookupError(f"claim {claim}: expected {len(parts)} checks, found {found}; "
                              "update scripts/rates/lesson05.py to the lesson")
        claims[prefix + claim] = all(held[key] for key in found)
        used.update(found)
    if set(held) - used:
        raise LookupError(f"checks that no claim covers: {sorted(set(held) - used)}")
    return claims


def _base_space(fast: bool) -> dict:
    space = run_cells(LESSON, ["9c363710"], seed=0, fast=fast)
    space.pop("__builtins__", None)
    return space


def _fresh(base: dict, seed: int, fast: bool) -> dict:
    os.environ["COURSE_SEED"] = str(seed)  # what course_utils' defaults read
    space = dict(base)
    space["ENV"] = FakeEnv(seed, fast)
    space["plt"] = _Stub()
    space["print"] = lambda *args, **kwargs: None
    return space


# --- section 2: the noisy run from the saddle ---------------------------------------------------

SADDLE_CHECKS = {
    "saddle_deterministic": [  # no randomness: hold for every seed (recorded to be sure)
        ("bb22140e", "escape['plain, on the ridge'] is None"),
        ("bb22140e", "compare('loss on the ridge'"),
        ("bb22140e", "escape['plain, 1e-8 off'] is not None"),
        ("bb22140e", "escape['momentum 0.9, 1e-8 off'] <"),
    ],
    "saddle_noise_escapes_sooner": [
        ("bb22140e", "escape['plain + noise 0.01'] is not None"),
        ("bb22140e", "escape['plain + noise 0.01'] <"),
    ],
    "saddle_noise_keeps_jittering": [("bb22140e", "np.median(late) > 10 *")],
}
_saddle: dict = {}


def saddle_noise(seed: int) -> dict[str, bool]:
    """Cell 3ad26d8e's noisy run under this seed (its other three runs use no randomness, so they
    are run once), then cell bb22140e's checks."""
    if not _saddle:
        base = _base_space(fast=True)
        space = _fresh(base, 0, True)
        space["plot_paths_on_contours"] = space["plot_loss_per_step"] = _Stub()
        run_cells(LESSON, ["9475e91e", "3ad26d8e"], seed=0, namespace=space)
        tree = ast.parse(cell_sources(LESSON)["3ad26d8e"])
        runs = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                    and getattr(node.targets[0], "id", None) == "runs")
        noisy = next(v for k, v in zip(runs.keys, runs.values) if k.value == "plain + noise 0.01")
        _saddle.update(space=space, noisy=compile(ast.Expression(noisy), "<noisy run>", "eval"))
    space = dict(_saddle["space"])
    os.environ["COURSE_SEED"] = str(seed)  # the noise's seed: descend's default
    space["ENV"] = FakeEnv(seed, True)
    space["runs"] = dict(space["runs"])
    space["runs"]["plain + noise 0.01"] = eval(_saddle["noisy"], space)
    space["escape"] = {name: space["escape_step"](path) for name, path in space["runs"].items()}
    return claims_from(run_recorded(["bb22140e"], space), SADDLE_CHECKS)


# --- section 3 and the network restart: the two-moons networks --------------------------------

MOONS_CELLS = ["be1a58f8", "28c50f47", "05c3cb03", "f5974437", "6f5e800c", "874b0976",
               "c5e0a7d1"]
MOONS_CHECKS = {
    "accurate": [("28c50f47", "results['valid accuracy'].min() > 0.95")],
    "same_quality": [("28c50f47", "results['valid accuracy'].max() - results['valid accuracy']"),
                     ("28c50f47", "results['valid loss'].max() < 3 *")],
    "far_apart": [("28c50f47", "min(pairs_apart) > 0.5 *")],
    "not_convex": [("05c3cb03", "np.max(line - chord) > tolerance")],
    "barrier": [("05c3cb03", "max(peaks) > 3")],
    "shuffled": [("f5974437", "compare('outputs after shuffling'"),
                 ("f5974437", "(weights(shuffled) - theta[first]).norm() > 1.0"),
                 ("f5974437", "np.max(line_perm - chord_perm) > tolerance")],
    "aligned_same_function": [("6f5e800c", "compare(f'seed {seed} aligned'")],
    "aligned_low": [("6f5e800c", "barriers['share of the barrier left'] < 0.25")],
    "aligned_closer": [("6f5e800c", "barriers['distance after aligning'] < 2 / 3 *")],
    "same_on_data": [("874b0976", "on_data > 0.97 and off_data.max() > 1.0")],
    "restart_gain": [("c5e0a7d1", "gain < 0.02")],
}
NET_DEFINITIONS = ["two_moons", "HIDDEN", "SEEDS", "STEPS", "make_net"]  # of cell be1a58f8
BLOCK = 25  # seeds trained together
FAST_LINE = frozenset({"loss_along_line"})


def _key(mode: str, seed: int, parameters) -> tuple[str, int, bytes]:
    """Mode, lesson seed and starting weights: one network (lesson seeds s and s + 1 share
    starting weights, not data; the modes share both, not the number of steps)."""
    return mode, seed, b"".join(p.detach().numpy().tobytes() for p in parameters)


def _adam_rate() -> float:
    """The Adam rate of cell be1a58f8's `train(...)` call, read from its text."""
    tree = ast.parse(cell_sources(LESSON)["be1a58f8"])
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Adam":
            (rate,) = [k.value.value for k in node.keywords if k.arg == "lr"]
            return float(rate)
    raise LookupError("cell be1a58f8 no longer trains with torch.optim.Adam(..., lr=...)")


def train_block(spaces: dict[str, dict], seeds: range, lr: float) -> dict:
    """The lesson's networks for these seeds in both modes, trained as one batched computation.

    For lesson seed s the lesson trains make_net(s + k) on two_moons(400, seed=s) with
    full-batch Adam: k < 4 for 400 steps in fast mode, k < 8 for 600 in full mode. Full-batch
    training has no randomness, so the fast-mode networks are the first four full-mode ones
    after 400 steps. Gradients are written out (the same as autograd's up to rounding, and
    twice as fast). Keyed by _key, for `train` in the lesson's cells to look up."""
    fast, full = spaces["fast"], spaces["full"]
    n_fast, n_full = len(fast["SEEDS"]), len(full["SEEDS"])
    if not (n_fast <= n_full and fast["STEPS"] <= full["STEPS"]):
        raise LookupError("fast mode should train some of full mode's networks, for fewer steps")
    inputs, targets, starts = [], [], []
    for s in seeds:
        x, y = full["two_moons"](400, seed=s)
        for k in range(n_full):
            inputs.append(x)
            targets.append(y)
            starts.append([p.detach() for p in full["make_net"](s + k).parameters()])
    inputs, targets = torch.stack(inputs), torch.stack(targets)
    params = [torch.stack([start[i] for start in starts]).clone() for i in range(4)]
    opt = torch.optim.Adam(params, lr=lr)
    trained = {}
    for step in range(1, full["STEPS"] + 1):
        w1, b1, w2, b2 = params
        hidden = torch.tanh(torch.baddbmm(b1[:, None, :], inputs, w1.transpose(1, 2)))
        out = torch.baddbmm(b2[:, None, :], hidden, w2.transpose(1, 2))
        d_out = (torch.sigmoid(out) - targets) / out.shape[1]  # of the mean cross-entropy
        d_pre = d_out * w2 * (1 - hidden * hidden)  # through w2 and tanh
        grads = (torch.bmm(d_pre.transpose(1, 2), inputs), d_pre.sum(dim=1),
                 torch.bmm(d_out.transpose(1, 2), hidden), d_out.sum(dim=1))
        for param, grad in zip(params, grads):
            param.grad = grad
        opt.step()
        for mode, steps, n in (("fast", fast["STEPS"], n_fast), ("full", full["STEPS"], n_full)):
            if step == steps:
                for i, start in enumerate(starts):
                    if i % n_full < n:
                        trained[_key(mode, seeds[i // n_full], start)] = [
                            p[i].clone() for p in params]
    return trained


def fast_loss_along_line(space: dict):
    """Cell 05c3cb03's loss_along_line, all points of the line in one batched evaluation (the
    lesson evaluates them one by one through `probe`): the same numbers up to float32 rounding,
    checked against the lesson's own on the first seed."""
    inputs, targets = space["train_set"]
    hidden = space["HIDDEN"]

    def loss_along_line(theta_a, theta_b, points=41):
        ts = np.linspace(0, 1, points)
        t = torch.from_numpy(ts).to(theta_a.dtype)[:, None]
        thetas = (1 - t) * theta_a + t * theta_b  # one row per point; parameters_to_vector order
        w1 = thetas[:, : 2 * hidden].reshape(-1, hidden, 2)
        b1 = thetas[:, 2 * hidden : 3 * hidden]
        w2 = thetas[:, 3 * hidden : 4 * hidden]
        b2 = thetas[:, 4 * hidden :]
        with torch.no_grad():
            h = torch.tanh(torch.einsum("nd,phd->pnh", inputs, w1) + b1[:, None, :])
            out = torch.einsum("pnh,ph->pn", h, w2)[..., None] + b2[:, None, :]
            losses = nn.functional.binary_cross_entropy_with_logits(
                out, targets.expand_as(out), reduction="none").mean(dim=(1, 2))
        return ts, losses.double().numpy()

    return loss_along_line


class _Moons:
    """Trains a block of seeds at a time, then runs the lesson's cells in each mode."""

    def __init__(self):
        self.trained, self.block, self.checked = {}, range(0), False
        self.base = {mode: _base_space(mode == "fast") for mode in ("fast", "full")}
        self.lr = _adam_rate()

    def space(self, mode: str, seed: int) -> dict:
        space = _fresh(self.base[mode], seed, mode == "fast")
        return definitions(LESSON, "be1a58f8", NET_DEFINITIONS, space)

    def __call__(self, seed: int) -> dict[str, bool]:
        spaces = {mode: self.space(mode, seed) for mode in ("fast", "full")}
        if seed not in self.block:
            self.block = range(seed, seed + BLOCK)
            self.trained = train_block(spaces, self.block, self.lr)
        claims = {}
        for mode, space in spaces.items():
            if not self.checked:  # the batched training against the course's own loop, once
                self._check_against_train(mode, space, seed)

            def train(net, loss_fn, data, optimizer, steps, mode=mode):  # the batched result
                with torch.no_grad():
                    for p, q in zip(net.parameters(),
                                    self.trained[_key(mode, seed, net.parameters())]):
                        p.copy_(q)

            space["train"] = train
            held = run_recorded(MOONS_CELLS[:2], space)
            space["loss_along_line"] = fast_loss_along_line(space)
            if not self.checked:  # the batched line against the lesson's own, once
                self._check_line(space)
            held.update(run_recorded(MOONS_CELLS[2:], space, FAST_LINE))
            claims.update(claims_from(held, MOONS_CHECKS, f"moons_{mode}_"))
        self.checked = True
        return claims

    def _check_against_train(self, mode: str, space: dict, seed: int) -> None:
        from course_utils.training import train

        net = space["make_net"](seed + 1)
        batched = torch.cat([q.flatten() for q in self.trained[_key(mode, seed, net.parameters())]])
        lr = self.lr
        train(net, nn.BCEWithLogitsLoss(), space["two_moons"](400, seed=seed),
              lambda params: torch.optim.Adam(params, lr=lr), steps=space["STEPS"], seed=seed)
        ours = torch.cat([p.detach().flatten() for p in net.parameters()])
        gap = float((ours - batched).abs().max())
        print(f"  {mode}: batched training against the course's train, seed {seed}: largest "
              f"weight difference {gap:.1e} (weights up to {float(ours.abs().max()):.1f})",
              flush=True)
        if gap > 1e-3 * float(ours.abs().max()):
            raise AssertionError(f"batched training differs from the course's train by {gap}")

    @staticmethod
    def _check_line(space: dict) -> None:
        lesson = dict(space)
        definitions(LESSON, "05c3cb03", ["probe", "loss_at", "loss_along_line"], lesson)
        theta = space["theta"]
        a, b = theta[space["first"]], theta[space["second"]]
        _, ours = lesson["loss_along_line"](a, b)
        _, batched = space["loss_along_line"](a, b)
        gap = float(np.abs(ours - batched).max())
        print(f"  batched line against the lesson's: largest difference {gap:.1e}", flush=True)
        if gap > 1e-5 * float(np.abs(ours).max()):
            raise AssertionError(f"batched loss_along_line differs from the lesson's by {gap}")


_moons: list[_Moons] = []


def moons(seed: int) -> dict[str, bool]:
    """Section 3 and the network restart under this seed, in fast and in full mode."""
    if not _moons:
        _moons.append(_Moons())
    return _moons[0](seed)


GROUPS = {
    "ripples_chord": ripples_chord,
    "random_hessians": random_hessians,
    "saddle_noise": saddle_noise,
    "moons": moons,
}

"""Every line a self-check prints, and every message it fails with, by id.

A check never writes its own words: it calls `say(message_id, **arguments)`, and the text comes
from `CATALOGUE`. So the words of all checks can be read, reviewed and one day translated in one
place, without touching a check.

    >>> say("claim.held", claim="the gradient is zero at the minimum", detail="")
    '✓ the gradient is zero at the minimum'
"""

from __future__ import annotations

import string

CATALOGUE: dict[str, str] = {
    # course_utils.checks.compare and compare_accuracy: the one line each prints
    "compare.line": (
        "{name:<24} exact: {exact:<5} | close: {close:<5} | max diff: {max_diff:.3g} "
        "(tolerance {tol:.2g})"
    ),
    "compare_accuracy.line": (
        "{name_a} {accuracy_a:.1%} vs {name_b} {accuracy_b:.1%}: difference {difference:+.1%} "
        "(95% interval {low:+.1%} to {high:+.1%}, McNemar p = {p_value:.2g}) -> {verdict}"
    ),
    # course_utils.checks.agree: two computations give the same numbers
    "agree.held": "✓ {claim} (largest difference {difference:.2g}, allowed {allowed:.2g})",
    "agree.failed": (
        "✗ {claim}: not so. The largest difference is {difference:.3g}, at position {where}; "
        "the arithmetic allows {allowed:.2g}. {hint}"
    ),
    "agree.hint": (
        "Look first at the line that computes the first of the two: its formula, its signs, and "
        "whether it averages or sums."
    ),
    "agree.shapes": "{claim}: the two have different shapes, {first} and {second}.",
    # course_utils.checks.holds: a yes/no claim, with what was measured
    "claim.held": "✓ {claim}{detail}",
    "claim.failed": "✗ {claim}: not so{detail}. {hint}",
    "claim.hint": "Look first at the cell above: what it computed is printed there.",
    "claim.detail": " ({measured}; {allowed})",
    # course_utils.checks.within: a number lies in an interval
    "within.held": "✓ {claim}: {value:.4g}, between {low:.4g} and {high:.4g}",
    "within.failed": "✗ {claim}: {value:.4g} is outside {low:.4g} to {high:.4g}. {hint}",
    "within.bounds": "{claim}: the interval must have low <= high, not {low} to {high}.",
    # course_utils.checks.beats: one classifier beats another on the same rows
    "beats.held": (
        "✓ {claim}: {name_a} {accuracy_a:.1%} against {name_b} {accuracy_b:.1%} on the same "
        "rows (McNemar p = {p_value:.2g}, needed below {needed:.2g})"
    ),
    "beats.failed": (
        "✗ {claim}: {name_a} {accuracy_a:.1%} against {name_b} {accuracy_b:.1%} on the same "
        "rows is not beyond noise (McNemar p = {p_value:.2g}, needed below {needed:.2g}). {hint}"
    ),
    "beats.hint": "Look first at what changed between the two: the data, the rate, the steps.",
    # exercises (course_utils.exercises): one section per lesson
    # ids: ex.<lesson>.<exercise>.<what>; ex.<lesson>.shared.<what> for a helper that several
    # exercises of the lesson share; ex.common.<what> for every lesson
    # common to every lesson (course_utils.exercises): what every checker says
    "ex.common.correct": "correct, well done.",
    "ex.common.not_attempted": "not attempted yet (the stub raises).",
    "ex.common.crashed": "your code raised {error}: {detail}",
    "ex.common.not_a_function": "Pass your function itself, e.g. check(my_fn), not {answer!r}.",
    "ex.common.half_precision": (
        "your answer is in {dtype}, whose rounding (about {eps:.0e} of each value) hides mistakes: "
        "compute it in float32 or float64."
    ),
    # lesson 01 (course_utils.exercises.lesson01): build_example, prediction_position,
    # choose_precision
    "ex.01.build_example.not_a_dict": "return a dict with input_ids, attention_mask and labels.",
    "ex.01.build_example.missing_key": "the dict has no {key!r}.",
    "ex.01.build_example.padded": (
        "a prompt of {prompt_length} tokens gave a row of {length}, padded to max_len: don't pad "
        "here. The collator pads each batch to its longest row, and pads labels with -100."
    ),
    "ex.01.build_example.too_long": (
        "a prompt of {prompt_length} tokens gave {length} ids, more than max_len={max_len}."
    ),
    "ex.01.build_example.wrong_end": (
        "the row must end with EOS then the label id ({eos}, {label}); it ends with {end}. If the "
        "prompt is too long, cut it from the left."
    ),
    "ex.01.build_example.wrong_input_ids": "input_ids should be the prompt, EOS, label.",
    "ex.01.build_example.lengths_differ": (
        "input_ids, attention_mask and labels must have the same length."
    ),
    "ex.01.build_example.wrong_mask": "every real token gets mask 1.",
    "ex.01.build_example.label_not_last": (
        "the label id belongs at its own position, the last one: the model shifts labels."
    ),
    "ex.01.build_example.not_masked": (
        "every position but the label must be -100, so only the label counts in the loss."
    ),
    "ex.01.prediction_position.not_an_integer": "return an integer index, not {type}.",
    "ex.01.prediction_position.label_position": (
        "that is the label's own position: the logits that predict a token sit one position "
        "earlier, at the EOS."
    ),
    "ex.01.prediction_position.wrong": (
        "for mask {mask} the EOS is at index {want}, not {got}: count only real tokens (mask 1), "
        "padding comes after them."
    ),
    "ex.01.choose_precision.wrong": (
        "on {what} ({device}, capability {capability}) the answer is {want!r}, not {got!r}."
    ),
    # lesson 02 (course_utils.exercises.lesson02): swish_and_derivative, count_parameters,
    # merge_linear, xor_weights
    "ex.02.shared.not_a_tensor": "{what} must be a tensor of numbers, not {type}.",
    "ex.02.swish_and_derivative.autograd_off": (
        "autograd is switched off in this checker: compute the derivative by hand, with the "
        "product rule and the chain rule ({error})."
    ),
    "ex.02.swish_and_derivative.not_a_pair": "return two tensors: (value, derivative).",
    "ex.02.swish_and_derivative.wrong_shape": "both results need the shape of z, {shape}.",
    "ex.02.swish_and_derivative.sigmoid_not_swish": (
        "that is the sigmoid σ(βz); swish multiplies it by z: z·σ(βz)."
    ),
    "ex.02.swish_and_derivative.beta_missing": (
        "with beta={beta} you return z·σ(z): beta is missing, use σ(βz)."
    ),
    "ex.02.swish_and_derivative.wrong_value": (
        "with beta={beta}, swish should be z·σ(βz): at z = {z:.2f} you return {got:.6f}, torch "
        "{want:.6f}."
    ),
    "ex.02.swish_and_derivative.one_term": (
        "your derivative is that of σ(βz) alone, one term of the product rule: d/dz [z·σ(βz)] = "
        "σ(βz) + z·(d/dz σ(βz))."
    ),
    "ex.02.swish_and_derivative.inner_derivative_missing": (
        "with beta={beta} the inner derivative is missing: by the chain rule d/dz σ(βz) = "
        "β·σ(βz)(1 − σ(βz))."
    ),
    "ex.02.swish_and_derivative.first_term_only": (
        "your derivative is σ(βz), the first term of the product rule only: add z·(d/dz σ(βz)) = "
        "z·β·σ(βz)(1 − σ(βz))."
    ),
    "ex.02.swish_and_derivative.beta_on_both_terms": (
        "with beta={beta} you multiplied both terms by β: the chain rule's β belongs only to d/dz "
        "σ(βz), so σ(βz) + z·β·σ(βz)(1 − σ(βz))."
    ),
    "ex.02.swish_and_derivative.sigmoid_slope": (
        "the sigmoid's own slope is σ'(u) = σ(u)(1 − σ(u)), not σ(u): the derivative is σ(βz) + "
        "z·β·σ(βz)(1 − σ(βz))."
    ),
    "ex.02.swish_and_derivative.wrong_derivative": (
        "with beta={beta} the derivative does not match autograd: at z = {z:.2f} you return "
        "{got:.6f}, torch {want:.6f}."
    ),
    "ex.02.count_parameters.not_an_int": "return an int, not {type}.",
    "ex.02.count_parameters.weights_only": (
        "for {sizes} you count {got}: the weights only. Each neuron of a layer also has one bias."
    ),
    "ex.02.count_parameters.wrong": (
        "for layer sizes {sizes} nn.Linear layers hold {want:,} parameters, not {got:,}. A layer "
        "from n_in to n_out has an n_out × n_in weight matrix and n_out biases."
    ),
    "ex.02.merge_linear.not_a_pair": "return (W, b).",
    "ex.02.merge_linear.wrong_w_shape": (
        "with W1 of shape {w1_shape} and W2 of shape {w2_shape}, W should be {n_out}×{n_in}, not "
        "{w_shape}. The layer applied first stands on the right."
    ),
    "ex.02.merge_linear.wrong_b_shape": "b should have {n_out} entries, not shape {b_shape}.",
    "ex.02.merge_linear.wrong_order": (
        "W is wrong: x goes through W1 first, then W2, so W = W2 @ W1 (order matters)."
    ),
    "ex.02.merge_linear.second_bias_missing": (
        "b is missing the second layer's own bias: b = W2 @ b1 + b2."
    ),
    "ex.02.merge_linear.b2_through_w2": (
        "b is wrong: b2 is added after W2, so don't multiply it by W2: b = W2 @ b1 + b2."
    ),
    "ex.02.merge_linear.b1_not_through_w2": (
        "b is wrong: b1 is added before W2, so it passes through W2: b = W2 @ b1 + b2."
    ),
    "ex.02.merge_linear.wrong_b": (
        "b is wrong: x + b1 goes through W2, then b2 is added: b = W2 @ b1 + b2."
    ),
    "ex.02.xor_weights.not_four": "return (W1, b1, W2, b2).",
    "ex.02.xor_weights.w1_shape": "W1 must be (hidden, 2), not {shape}.",
    "ex.02.xor_weights.b1_shape": "b1 needs one entry per hidden neuron ({hidden}), not {shape}.",
    "ex.02.xor_weights.w2_shape": "W2 must be (1, {hidden}), not {shape}.",
    "ex.02.xor_weights.b2_shape": "b2 holds one number, not shape {shape}.",
    "ex.02.xor_weights.corner": "{corner} -> {output:g}",
    "ex.02.xor_weights.linear": (
        "your network gives {table}. Here it acts like a linear model: f(0,0) + f(1,1) = f(0,1) + "
        "f(1,0), which XOR cannot satisfy. Some hidden neuron must switch off (relu of a negative "
        "number) on some corners and not on others."
    ),
    "ex.02.xor_weights.not_xor": (
        "your network gives {table}; XOR is (0,0) -> 0, (0,1) -> 1, (1,0) -> 1, (1,1) -> 0."
    ),
    # lesson 03 (course_utils.exercises.lesson03): neuron_gradient, numerical_gradient,
    # learning_rate_for_bowl, descend_until_converged
    "ex.03.shared.not_a_tensor": "{what} must be a number or a tensor, not {type}.",
    "ex.03.neuron_gradient.autograd_off": (
        "autograd is switched off in this checker: derive dL/dw and dL/db with the chain rule and "
        "compute them yourself ({error})."
    ),
    "ex.03.neuron_gradient.not_a_pair": "return (dL_dw, dL_db).",
    "ex.03.neuron_gradient.wrong": (
        "at w={w}, b={b} you give ({got_w:.6f}, {got_b:.6f}), autograd gives ({want_w:.6f}, "
        "{want_b:.6f}): {hint}"
    ),
    "ex.03.neuron_gradient.hint": "compare each step of the chain rule with autograd.",
    "ex.03.neuron_gradient.wrong_sign": (
        "the sign is flipped: d/dp (p − y)² = 2(p − y), not 2(y − p)."
    ),
    "ex.03.neuron_gradient.sum_not_mean": (
        "it is {n} times too big: L is a mean, so divide by N = {n}."
    ),
    "ex.03.neuron_gradient.half": "it is half the right size: the square brings down a factor 2.",
    "ex.03.neuron_gradient.sigmoid_slope_missing": (
        "the slope of the sigmoid is missing: multiply by σ'(z) = σ(z)(1 − σ(z))."
    ),
    "ex.03.neuron_gradient.swapped": (
        "your two values are swapped: return (dL/dw, dL/db) in that order."
    ),
    "ex.03.neuron_gradient.slope_taken_at_p": (
        "the sigmoid's slope is taken at p: it belongs at z = w·x + b, and it is σ'(z) = p(1 − p), "
        "with p itself."
    ),
    "ex.03.neuron_gradient.x_missing": (
        "dL/dw needs the factor x_i in each term: dz_i/dw = x_i (dz_i/db = 1)."
    ),
    "ex.03.neuron_gradient.sum_and_half": (
        "it is {n}/2 times too big: L is a mean (divide by N = {n}), and the square brings down a "
        "factor 2."
    ),
    "ex.03.numerical_gradient.autograd_off": (
        "f is a black box here, so autograd cannot see inside it ({error}); use finite "
        "differences, which only evaluate f."
    ),
    "ex.03.numerical_gradient.changed_w": (
        "your function changed w itself (it is now {w}): work on a copy, or put every coordinate "
        "back after you move it."
    ),
    "ex.03.numerical_gradient.wrong_shape": "the gradient needs the shape of w, {shape}.",
    "ex.03.numerical_gradient.many_at_once": (
        "you moved several coordinates of w at once: nudge one at a time, w ± h·e_j, so that each "
        "difference measures one partial derivative."
    ),
    "ex.03.numerical_gradient.one_sided": (
        "you evaluate f at w and at w + h·e_j (h = {h:.0e}): a one-sided (forward) difference, off "
        "by about h·f''/2. Use the central difference (f(w + h·e_j) − f(w − h·e_j)) / (2h), whose "
        "error shrinks like h²."
    ),
    "ex.03.numerical_gradient.step_too_small": (
        "your step h = {h:.0e} is too small: each value of f is rounded to about 1e-16 of its "
        "size, and dividing by 2h magnifies that. Take h from {low:g} to {high:g}."
    ),
    "ex.03.numerical_gradient.step_too_large": (
        "your step h = {h:.0e} is too large: a central difference is off by about h²·|f'''|/6. "
        "Take h from {low:g} to {high:g} (1e-5 is best)."
    ),
    "ex.03.numerical_gradient.twice": (
        "for {name} your gradient is twice the true one: a central difference spans 2h, so divide "
        "by 2h."
    ),
    "ex.03.numerical_gradient.wrong": (
        "for {name} at w={point} you give {got}, the exact gradient is {want}: compute (f(w + "
        "h·e_j) − f(w − h·e_j)) / (2h) for each coordinate j."
    ),
    "ex.03.learning_rate_for_bowl.not_positive": (
        "return a positive number (a Python or NumPy float) for a={a}, b={b}, not {answer!r}."
    ),
    "ex.03.learning_rate_for_bowl.diverges": (
        "on the bowl a={a}, b={b} the loss grows with η={lr:g}: it diverges. Each step multiplies "
        "the steeper coordinate, {coordinate}, by 1 − η·{steep:g} = {factor:.3g}; keep η below "
        "2/max(a, b) = {limit:.3g}."
    ),
    "ex.03.learning_rate_for_bowl.at_the_edge": (
        "with η={lr:g} on a={a}, b={b}, the steep coordinate flips sign every step and never "
        "shrinks: (1 − η·max(a, b)) = −1. Stay strictly below 2/max(a, b)."
    ),
    "ex.03.learning_rate_for_bowl.too_slow": (
        "on the bowl a={a}, b={b} with η={lr:g} the loss fell only from {start:.3g} to {end:.3g} "
        "in {steps} steps. Each step shrinks w1 by |1 − η·a| = {shrink_w1:.3g} and w2 by |1 − η·b| "
        "= {shrink_w2:.3g}: both must be well below 1."
    ),
    "ex.03.descend_until_converged.changed_w0": (
        "your function changed w0 itself (from {w0} to {now}): update a copy, w = w0.clone(), or "
        "write w = w - η·g, which makes a new tensor."
    ),
    "ex.03.descend_until_converged.not_a_pair": "return (w, steps).",
    "ex.03.descend_until_converged.steps_not_int": (
        "steps is the number of updates, an int, not {steps!r}."
    ),
    "ex.03.descend_until_converged.moved_at_minimum": (
        "from w0 = {w0}, where the gradient is already 0, you made {steps} update(s): test the "
        "gradient before each update, so a converged start returns (w0, 0)."
    ),
    "ex.03.descend_until_converged.max_steps": (
        "with η = {lr:g} the gradient is still far from tol after max_steps = {max_steps} updates; "
        "you made {steps}. Stop after max_steps updates and return (w, max_steps)."
    ),
    "ex.03.descend_until_converged.climbing": (
        "the gradient norm grew from {start:.3g} to {end:.3g}: you are climbing. Step against the "
        "gradient: w ← w − η·∇L(w)."
    ),
    "ex.03.descend_until_converged.largest_entry": (
        "you stopped with ‖∇L‖ = {norm:.3g}, not below tol = {tol:g}: you tested the largest entry "
        "of the gradient. Test its length, the 2-norm torch.linalg.vector_norm(g)."
    ),
    "ex.03.descend_until_converged.step_norm": (
        "you stopped after {steps} updates with ‖∇L‖ = {norm:.3g}, not below tol = {tol:g}: test "
        "the norm of the gradient itself, not of the step η·∇L."
    ),
    "ex.03.descend_until_converged.wrong_stop": (
        "you stopped after {steps} updates, but ‖∇L‖ first drops below tol = {tol:g} after "
        "{want_steps}: test the length (2-norm) of the gradient, torch.linalg.vector_norm(g), "
        "before each update, and stop at the first w that passes."
    ),
    # lesson 04 (course_utils.exercises.lesson04): epoch_batches, minibatch_gradient,
    # expected_noise, critical_batch
    "ex.04.epoch_batches.not_a_list": "return a list of index tensors, one per batch.",
    "ex.04.epoch_batches.last_batch_dropped": (
        "{n} rows in batches of {batch_size} make {full} full batches, not {got}: {n} is a "
        "multiple of {batch_size}, so the last batch is full; keep it (check the end of your "
        "range)."
    ),
    "ex.04.epoch_batches.wrong_count": (
        "{n} rows in batches of {batch_size} make {full} full batches, not {got}: drop a smaller "
        "last batch."
    ),
    "ex.04.epoch_batches.wrong_size": "every batch must hold exactly batch_size={batch_size} rows.",
    "ex.04.epoch_batches.out_of_range": "indices must lie in 0 .. {last}.",
    "ex.04.epoch_batches.repeated_row": (
        "a row appears twice in one epoch: draw without replacement (shuffle, then cut), not with "
        "torch.randint."
    ),
    "ex.04.epoch_batches.not_shuffled": "the rows come in their original order: shuffle them.",
    "ex.04.epoch_batches.seed_ignored": (
        "seeds 0 and 1 gave the same order: use the seed for the shuffle."
    ),
    "ex.04.epoch_batches.not_reproducible": (
        "the same seed must give the same batches (seed a torch.Generator)."
    ),
    "ex.04.epoch_batches.fixed_groups": (
        "every seed puts the same rows together in a batch: shuffle all the rows first, then cut "
        "them into batches (shuffling whole chunks, or inside each chunk, is not enough)."
    ),
    "ex.04.minibatch_gradient.wrong_shape": (
        "the gradient has one entry per parameter: shape (4,), not {shape}. Average over the "
        "batch's rows (dim=0)."
    ),
    "ex.04.minibatch_gradient.sum": (
        "that is the sum of the rows: the loss is a mean, so is its gradient."
    ),
    "ex.04.minibatch_gradient.divides_by_n": (
        "that divides the batch's sum by N, all the rows: divide by the batch size, len(index)."
    ),
    "ex.04.minibatch_gradient.all_rows": (
        "average only the batch's rows, G[index], not every row of G."
    ),
    "ex.04.expected_noise.wrong": (
        "for sigma2={sigma2}, B={batch_size}, N={n} the noise is {want:.6g}, not {got:.6g}. "
        "Averaging B draws divides the variance by B (not by sqrt(B)), and drawing without repeats "
        "multiplies it by (N - B) / (N - 1)."
    ),
    "ex.04.expected_noise.full_batch": (
        "a batch of all N rows is the full gradient: noise 0, not {got}."
    ),
    "ex.04.critical_batch.wrong": (
        "for steps {steps} the answer is {want}, not {got}: compare examples (steps x batch size) "
        "with twice the *smallest* batch's examples (not the previous batch's, and not steps "
        "alone), and return the first batch size that is more than that, strictly (None if none "
        "is)."
    ),
    # lesson 05 (course_utils.exercises.lesson05): chord_gap, classify_stationary_point,
    # permute_hidden_units, restarts_needed
    "ex.05.chord_gap.wrong": (
        "for {name} with a={a}, b={b}, t={t} the gap is {want:.6g}, not {got:.6g}. The point t*a + "
        "(1-t)*b pairs with the chord's height t*f(a) + (1-t)*f(b) (the same weights), and the gap "
        "is the graph minus the chord."
    ),
    "ex.05.chord_gap.not_elementwise": (
        "it should work on tensors too, element by element (no float() or math. functions)."
    ),
    "ex.05.classify_stationary_point.wrong": (
        "for {name} the answer is {want!r}, not {got!r}. Look at the signs of all the eigenvalues "
        "(torch.linalg.eigvalsh), not at the diagonal, determinant or trace (the 2x2 det/trace "
        "rule fails in 3-D)."
    ),
    "ex.05.permute_hidden_units.not_four": "return the four tensors (W1, b1, W2, b2).",
    "ex.05.permute_hidden_units.wrong_shapes": (
        "keep each tensor's shape: W1 (H, d), b1 (H,), W2 (k, H)."
    ),
    "ex.05.permute_hidden_units.different_function": (
        "the network computes something else now: hidden unit i owns row i of W1, entry i of b1 "
        "and column i of W2; all three must move together."
    ),
    "ex.05.permute_hidden_units.unchanged": "the weights did not change: reorder them by perm.",
    "ex.05.restarts_needed.not_an_int": "return a whole number (an int), not {type}.",
    "ex.05.restarts_needed.wrong": (
        "with p={p} and risk={risk} you need {want} restarts, not {got}: all k restarts miss with "
        "probability (1 - p)**k; find the smallest k where that is <= risk."
    ),
    # lesson 06 (course_utils.exercises.lesson06): stability_limit, linear_warmup_decay,
    # cosine_decay, pick_rate
    "ex.06.stability_limit.best_rate": (
        "for {name} you returned 2 / (lambda_min + lambda_max) = {best:.4g}: that is the best "
        "single rate, not the limit. The limit is 2 / lambda_max."
    ),
    "ex.06.stability_limit.wrong": (
        "for {name} the limit is {want:.4g}, not {got:.4g}. The steepest direction sets it: 2 "
        "divided by the largest eigenvalue (torch.linalg.eigvalsh), which the diagonal does not "
        "show when the bowl is tilted."
    ),
    "ex.06.linear_warmup_decay.divides_by_zero": (
        "with warmup_steps=0 (no warm-up, the Trainer's default) your code divides by zero: skip "
        "the warm-up part when warmup_steps is 0."
    ),
    "ex.06.linear_warmup_decay.wrong": (
        "with {warmup} warm-up steps of {total}, step {step} should give {want:.4f}, not "
        "{got:.4f}. Warm-up: step / warmup_steps (0 at step 0); then (total_steps - step) / "
        "(total_steps - warmup_steps)."
    ),
    "ex.06.cosine_decay.wrong": (
        "with {total} steps, step {step} should give {want:.4f}, not {got:.4f}: start at 1, pass "
        "0.5 half-way, end at 0 (half a cosine wave, shifted up by 1 and halved)."
    ),
    "ex.06.pick_rate.wrong": (
        "for losses {losses} the pick is {want:.3g}, not {got:.3g}. Cut the curve where the loss "
        "first exceeds 4x its lowest value so far (or is not finite), take the rate of the lowest "
        "loss before the cut, and divide it by 10 for a safety margin."
    ),
    # lesson 07 (course_utils.exercises.lesson07): adam_step, adamw_step (both through one shared
    # check), nesterov_step, optimizer_state_bytes
    "ex.07.shared.not_a_tensor": "{what} should be a tensor, not {type}.",
    "ex.07.shared.not_a_triple": "return a tuple (param, m, v) of the new values.",
    "ex.07.shared.known_mistake": "after the first step (settings {settings}): {hint}",
    "ex.07.shared.first_step": (
        "after the first step (settings {settings}) your weights moved by {moved}, torch's by "
        "{moved_want}. At t = 1 the bias-corrected m_hat is g and v_hat is g², so the first step "
        "is lr·|g|/(|g| + eps), about lr wherever |g| >> eps: divide m by (1 - beta1**t) and v by "
        "(1 - beta2**t), with t starting at 1, and keep eps outside the square root."
    ),
    "ex.07.shared.corrected_state": (
        "step {t}: you return the bias-corrected m_hat and v_hat as the state. Return the running "
        "means m and v themselves; the correction is applied afresh at each step, from m and v and "
        "the step number t."
    ),
    "ex.07.shared.wrong_moments": (
        "step {t}: the m and v you return differ from the running means by up to {difference:.2e}. "
        "Check the moment updates: m = beta1*m + (1-beta1)*g and v = beta2*v + (1-beta2)*g*g."
    ),
    "ex.07.shared.wrong_step": (
        "step {t} (settings {settings}): your parameters differ from torch's by up to "
        "{difference:.2e}, though m and v are right: check the step lr * m_hat / (sqrt(v_hat) + "
        "eps)."
    ),
    "ex.07.adam_step.efficient_form": (
        "your step is the Adam paper's 'efficient' form, lr_t = lr*sqrt(1 - beta2**t)/(1 - "
        "beta1**t) with eps added to sqrt(v). torch adds eps to sqrt(v_hat), after the correction: "
        "lr * m_hat / (sqrt(v_hat) + eps). The two differ where |g| is near eps."
    ),
    "ex.07.adamw_step.not_a_triple": "return a tuple (param, m, v).",
    "ex.07.adamw_step.decay": (
        "with a zero gradient, one AdamW step (lr=0.1, weight_decay=0.5) should multiply each "
        "weight by 1 - lr*weight_decay = 0.95; yours gave {got} from {start}. Decoupled decay "
        "shrinks the weight directly, by lr*weight_decay, and does not go through the gradient "
        "(that would be L2, which Adam divides by sqrt(v_hat))."
    ),
    "ex.07.adamw_step.decay_after_step": (
        "you decay the weight after Adam's step, so the decay also shrinks the step. torch decays "
        "the old weight theta_(t-1) first, then subtracts Adam's step: theta * (1 - "
        "lr*weight_decay) - lr * m_hat / (sqrt(v_hat) + eps)."
    ),
    "ex.07.nesterov_step.not_a_pair": "return a tuple (param, buffer).",
    "ex.07.nesterov_step.wrong": (
        "step {t} (lr={lr}, momentum={momentum}): your parameters differ from torch's "
        "SGD(nesterov=True) by up to {difference:.2e}. First update the velocity, b = momentum*b + "
        "g (no (1 - momentum) factor), then step along g + momentum*b using the new b."
    ),
    "ex.07.optimizer_state_bytes.sgd": "plain SGD keeps no state at all.",
    "ex.07.optimizer_state_bytes.momentum": "momentum keeps one velocity per parameter.",
    "ex.07.optimizer_state_bytes.adam": "Adam keeps two numbers per parameter, m and v.",
    "ex.07.optimizer_state_bytes.adamw": (
        "AdamW keeps the same m and v as Adam: the decay needs no memory."
    ),
    "ex.07.optimizer_state_bytes.not_a_number": "return a number of bytes, not {type}.",
    "ex.07.optimizer_state_bytes.step_counter": (
        "for {optimizer!r} you count {extra:g} bytes more than the per-parameter state: the step "
        "counter t. torch does keep one (a 4-byte tensor per parameter tensor, not per parameter), "
        "but this exercise counts only m and v."
    ),
    "ex.07.optimizer_state_bytes.master_copy": (
        "with {bytes_per_value} bytes per value you add 4 bytes per parameter, an fp32 master copy "
        "of the weights. Under mixed precision that copy is real memory (section 7), but it is "
        "weights, not optimizer state; here bytes_per_value means optimizers that store m and v in "
        "8 or 16 bits."
    ),
    "ex.07.optimizer_state_bytes.wrong": (
        "for {n_params:,} parameters, {optimizer!r}, {bytes_per_value} bytes per value, the state "
        "is {want:,} bytes, not {got}: {hint} Count only the optimizer's state, not the weights or "
        "gradients."
    ),
    # lesson 08 (course_utils.exercises.lesson08): stable_cross_entropy,
    # binary_cross_entropy_with_logits, causal_lm_loss, label_smoothed_cross_entropy
    "ex.08.shared.not_a_tensor": "return a tensor, not {type}.",
    "ex.08.shared.not_one_number": "{what} should be one number (the mean), not shape {shape}.",
    "ex.08.stable_cross_entropy.nan": (
        "with {case} your loss is nan: exp() of a large logit overflows to inf, and inf / inf is "
        "nan. Subtract each row's largest logit before exp(), then add it back after the log."
    ),
    "ex.08.stable_cross_entropy.infinite": (
        "with {case} your loss is {loss}: a probability, or a row's sum of exp(), underflows to 0, "
        "and log(0) = -inf. Work in log space: subtract each row's own largest logit (not one "
        "maximum for the whole batch) before exp(), and take the log of the sum, never of a "
        "softmax."
    ),
    "ex.08.stable_cross_entropy.sum": "with {case} you return the sum over rows; return the mean.",
    "ex.08.stable_cross_entropy.wrong": (
        "with {case} the mean cross-entropy is {want:.4f}, yours is {got:.4f}. Per row it is "
        "log(sum_j exp(z_j)) - z_target, with the softmax over the classes (the last dimension)."
    ),
    "ex.08.binary_cross_entropy_with_logits.wrong_shape": (
        "return one loss per element, shape {want_shape}, not {shape} (no mean)."
    ),
    "ex.08.binary_cross_entropy_with_logits.infinite": (
        "with {case} some of your losses are infinite: either sigmoid(z) rounds to exactly 0 or 1 "
        "and log(0) = -inf, or exp(z) overflows (float32 ends near e^88.7). Write the loss so that "
        "no exponent is positive: max(z, 0) - y*z + log(1 + exp(-|z|))."
    ),
    "ex.08.binary_cross_entropy_with_logits.wrong": (
        "with {case}: for z = {z:g}, y = {y:g} the loss is {want:.4f}, yours is {got:.4f}. "
        "(Clamping probabilities gives 100 where the loss is 30; check the sign of the y*z term.)"
    ),
    "ex.08.causal_lm_loss.no_shift": (
        "with {case}: you compare each label with the logits at its own position. The logits at "
        "position t predict token t + 1: compare logits[:, :-1] with labels[:, 1:]."
    ),
    "ex.08.causal_lm_loss.wrong": (
        "with {case} the model's loss is {want:.4f}, yours is {got:.4f}. Shift (logits[:, :-1] "
        "against labels[:, 1:]), skip -100 with ignore_index, and average over the scored tokens "
        "of the whole batch, not over rows or all positions."
    ),
    "ex.08.label_smoothed_cross_entropy.not_finite": (
        "with {case} your loss is {loss}: use a stable log-softmax."
    ),
    "ex.08.label_smoothed_cross_entropy.wrong": (
        "with {case} and epsilon = {epsilon} the loss is {want:.4f}, yours is {got:.4f}. The "
        "target is 1 - epsilon on the true class plus epsilon/K on every class (the true one "
        "included): (1 - eps) * CE + eps * mean_k(-log p_k)."
    ),
    # lesson 09 (course_utils.exercises.lesson09): scaled_lr, lora_params, merge_weight
    "ex.09.scaled_lr.not_a_number": "return a number, not {type}.",
    "ex.09.scaled_lr.bigger_batch": "a bigger batch ({batch} -> {new_batch}) gets a bigger rate.",
    "ex.09.scaled_lr.wrong_sqrt": (
        "scaled_lr({lr}, {batch}, {new_batch}, {rule!r}) should be {want:.3g}, not {got:.3g}: the "
        "{rule} rule multiplies by the square root of new_batch / batch."
    ),
    "ex.09.scaled_lr.wrong_linear": (
        "scaled_lr({lr}, {batch}, {new_batch}, {rule!r}) should be {want:.3g}, not {got:.3g}: the "
        "{rule} rule multiplies by new_batch / batch."
    ),
    "ex.09.lora_params.full_matrix": "that is the full weight matrix; LoRA trains A and B only.",
    "ex.09.lora_params.wrong": (
        "for {d_in} x {d_out} at rank {rank}: A is {d_in} x {rank} and B is {rank} x {d_out}, "
        "{want} numbers in all, not {got}."
    ),
    "ex.09.merge_weight.runtime_error": (
        "your code raised RuntimeError ({error}). The shapes: W is (d_in, d_out) = {shape}, stored "
        "as GPT-2's Conv1D stores it, and A @ B is already (d_in, d_out): no transpose as for "
        "nn.Linear."
    ),
    "ex.09.merge_weight.wrong_shape": "return a tensor shaped like W {shape}.",
    "ex.09.merge_weight.update_only": (
        "you return only the scaled update; the merged weight is W plus it."
    ),
    "ex.09.merge_weight.transposed": (
        "you add the transpose of A @ B. W is (d_in, d_out) as in GPT-2's Conv1D, and so is A @ B: "
        "add it as it is (nn.Linear would store the transpose)."
    ),
    "ex.09.merge_weight.wrong_scale": (
        "with alpha = {alpha:g} and rank = {rank} the update is scaled by alpha / rank = "
        "{scale:.4g}; yours is W plus {yours:.4g} * A @ B (or something else). Use alpha / rank, a "
        "float division, computed from the arguments."
    ),
    # lesson 10 (course_utils.exercises.lesson10): diagnosis (its own verdicts, from
    # check_diagnosis)
    "ex.10.diagnosis.not_a_dict": (
        "pass a dict from run to bug name, e.g. {{'A': 'healthy'}}, not {type}."
    ),
    "ex.10.diagnosis.unknown_run": "there is no run {runs}; the runs are {all_runs}.",
    "ex.10.diagnosis.not_attempted": "not attempted yet (no run diagnosed).",
    "ex.10.diagnosis.unknown_bug": "run {run}: {name!r} is not one of the bug names: {choices}.",
    "ex.10.diagnosis.misdiagnosed": (
        "run {run} is not {meaning}; look again at its symptoms, and read {where}."
    ),
    "ex.10.diagnosis.missing": "right so far; now diagnose run {runs} as well.",
    "ex.10.diagnosis.correct": "every run diagnosed right, well done.",
    "ex.10.diagnosis.unreadable": "could not read your answer ({error}: {detail}).",
}


def placeholders(message_id: str) -> set[str]:
    """The names a message needs, e.g. {'claim', 'detail'} for 'claim.held'."""
    if message_id not in CATALOGUE:
        raise KeyError(f"no message {message_id!r} in course_utils.messages.CATALOGUE.")
    return {name for _, name, _, _ in string.Formatter().parse(CATALOGUE[message_id]) if name}


def say(message_id: str, /, **arguments) -> str:
    """The text of message `message_id`, filled in with `arguments` (each one it needs, no more).
    """
    needed = placeholders(message_id)
    missing, extra = needed - set(arguments), set(arguments) - needed
    if missing or extra:
        raise TypeError(f"message {message_id!r} takes {sorted(needed)}; missing "
                        f"{sorted(missing)}, not used {sorted(extra)}.")
    return CATALOGUE[message_id].format(**arguments)

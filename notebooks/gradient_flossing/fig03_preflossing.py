# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Fig 3 — flossing before training makes long delays trainable
#
# *Gradient flossing* (Engelken, NeurIPS 2023), Fig 3A–D.
#
# Two regression tasks on a stream of numbers $x_t \sim U[0, 1)$ whose difficulty is set by a delay
# $d$: the **delayed copy** $y_t = x_{t-d}$ and the **continuous temporal XOR**
# $y_t = |x_{t-d/2} - x_{t-d}|$. A tanh network ($N = 80$, $g = 1$) has to carry each input for $d$
# steps, so the error signal of backpropagation through time must survive $d$ Jacobian products.
# *Preflossing* first drives the $k$ leading Lyapunov exponents toward zero (Adam on
# $\frac1k\sum_{i\le k}\lambda_i^2$, flossing windows of 55 steps of which 16 are not accumulated, as in
# the authors' code), then trains on the task exactly as the baseline does. The paper's claims: without
# flossing, training fails beyond $d \approx 20$ on the copy task, with preflossing it succeeds
# reliably at $d = 40$ ($k = 40$); on the XOR task, preflossing extends the trainable delay.
#
# Every condition trains 5 networks per delay; all delays of one condition form one ensemble (one
# tensor program). Test losses are those of each epoch's fresh batch, before that epoch's update.

# %% tags=["parameters"]
scale = "book"
seed = 0
device = "cpu"

# %%
import numpy as np
import matplotlib.pyplot as plt

from stablegrad import claims, plotting
from stablegrad.experiments import gradient_flossing as gf

plotting.use_style()
cfg = gf.FIG03[scale]
losses = gf.fig03(scale, seed=seed, device=device)
print(cfg)

# %% [markdown]
# The scale used here is printed above. At the `book` scale the networks have the paper's size but
# train for 1500 epochs on sequences of $T = 100$ steps after 100 preflossing epochs (the paper: $10^4$
# epochs, $T = 300$, $E_f = 500$), so that the page runs in minutes on two CPU cores; the `paper`
# configuration restores every value.

# %% tags=["hide-input", "remove-output"]
TASKS = {"copy": "delayed copy", "xor": "continuous XOR"}
CONDITIONS = {"none": ("no flossing", plotting.PALETTE[0]), "pre": ("preflossing", plotting.PALETTE[1])}


def final_loss(curves):
    """Mean test loss over the last 5 % of epochs (at least 10)."""
    return gf.final_mean(curves).numpy()


fig, axes = plotting.figure(2, 2, width=3.4, height=2.6)
epochs = np.arange(1, cfg.epochs + 1)
for col, (task, title) in enumerate(TASKS.items()):
    ax = axes[0, col]
    plotting.runs(ax, epochs, {label: (color, losses[(task, schedule)][cfg.delay])
                               for schedule, (label, color) in CONDITIONS.items()}, log=True)
    ax.set_xlabel("epoch")
    ax.set_ylabel("test loss (MSE)")
    ax.set_title(f"{title}, d = {cfg.delay}")
    plotting.panel_label(ax, "AB"[col])

    ax = axes[1, col]
    plotting.against_delay(ax, cfg.delays, {
        label: (color, np.stack([final_loss(losses[(task, schedule)][d]) for d in cfg.delays]))
        for schedule, (label, color) in CONDITIONS.items()}, log=True)
    ax.set_ylabel("final test loss (MSE)")
    ax.set_title(title)
    plotting.panel_label(ax, "CD"[col])
fig.suptitle(f"N = {cfg.N}, {cfg.networks} networks per delay, {cfg.epochs} epochs, T = {cfg.steps}, "
             f"E_f = {cfg.floss_epochs} [scale: {scale}]")
plotting.show(fig, "gf-fig03")

# %% [markdown]
# ```{glue:figure} gf-fig03
# :name: gf-fig03
#
# **Fig 3 (at the scale in the title).** A, B: test loss over training at $d = 40$ (`smoke`: smaller),
# median (thick) and individual networks (thin), without flossing and after preflossing. C, D: mean
# final test loss against the delay, 20–80 % percentile band, one dot per network.
# ```
#
# ## Paper vs this book
#
# Criteria, fixed before looking at the numbers. A network has *trained* when its final test loss
# (mean over the last 5 % of epochs) is below a tenth of the loss of the best constant prediction,
# which is the variance of the target: $1/12$ for the copy task and $1/18$ for the XOR task. For each
# condition, $d^\ast$ is the largest delay up to which at least 80 % of the networks trained at every
# delay ("trains reliably").
#
# * **3A, C (copy)**: reproduced if preflossed networks train reliably at $d = 40$ and the baseline
#   does not; partly if preflossing only raises $d^\ast$.
# * **3B, D (XOR)**: reproduced if preflossing raises $d^\ast$.

# %% tags=["hide-input"]
CHANCE = {"copy": 1 / 12, "xor": 1 / 18}


def reliable_delay(task, schedule):
    """Largest d up to which >= 80 % of networks trained at every delay (0 if none)."""
    best = 0
    for d in cfg.delays:
        if (final_loss(losses[(task, schedule)][d]) < CHANCE[task] / 10).mean() < 0.8:
            break
        best = d
    return best


def trained_fraction(task, schedule, d):
    return float((final_loss(losses[(task, schedule)][d]) < CHANCE[task] / 10).mean())


card = claims.Scorecard("gradient_flossing/fig03_preflossing", scale)
reliable = {(t, s): reliable_delay(t, s) for t in TASKS for s in CONDITIONS}
fractions = {s: trained_fraction("copy", s, cfg.delay) for s in CONDITIONS}
print("d* (reliable delay):", reliable)
print(f"copy, trained fraction at d = {cfg.delay}:", fractions)
copy_ok = fractions["pre"] >= 0.8 and fractions["none"] < 0.8
card.record(
    "3A, C", f"delayed copy: preflossed networks train reliably at d = {cfg.delay}, networks without "
             "flossing fail beyond d ≈ 20",
    paper="d* ≈ 20 without flossing; reliable at d = 40 with preflossing (k = 40)",
    ours=f"d* = {reliable[('copy', 'none')]} without, {reliable[('copy', 'pre')]} with preflossing; trained at "
         f"d = {cfg.delay}: {fractions['none']:.0%} without, {fractions['pre']:.0%} with",
    verdict=claims.verdict(copy_ok, partly=reliable[("copy", "pre")] > reliable[("copy", "none")]),
    note=f"{cfg.epochs} epochs, T = {cfg.steps}",
)
card.record(
    "3B, D", "continuous XOR: preflossing extends the delay that can be trained",
    paper="substantially longer trainable d with preflossing",
    ours=f"d* = {reliable[('xor', 'none')]} without, {reliable[('xor', 'pre')]} with preflossing",
    verdict=claims.verdict(reliable[("xor", "pre")] > reliable[("xor", "none")]),
    note=f"{cfg.epochs} epochs, T = {cfg.steps}",
)
card

# %% [markdown]
# ### Reading the verdicts at reduced scale
#
# The criterion above asks for a final loss below a tenth of the target variance, which the paper's
# networks reach after $10^4$ epochs. At the `book` scale (15 % of the paper's epochs, $T = 100$, 100
# preflossing epochs) a negative verdict can come from a lack of training time rather than from a
# contradiction, so the table below gives the mean final loss per delay, the quantity of panels C and
# D. This comparison was added after looking at the first `book` figure; it is a description, not a
# pre-registered test. Running the notebook with `scale = "paper"` (GPU or cluster) is the test of the
# claim as the paper states it.

# %%
print("mean final test loss (MSE)          " + "".join(f"d = {d:<7}" for d in cfg.delays))
for task in TASKS:
    for schedule, (label, _) in CONDITIONS.items():
        means = [final_loss(losses[(task, schedule)][d]).mean() for d in cfg.delays]
        print(f"{TASKS[task] + ', ' + label:<36}" + "".join(f"{m:<11.4f}" for m in means))
    lower = [d for d in cfg.delays
             if final_loss(losses[(task, "pre")][d]).mean() < final_loss(losses[(task, "none")][d]).mean()]
    print(f"  preflossing ends lower at d = {lower}\n")

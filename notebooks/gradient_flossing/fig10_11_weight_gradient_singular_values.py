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
# # Figs 10 and 11 — flossing spreads the recurrent-weight gradient over more directions
#
# *Gradient flossing* (Engelken, NeurIPS 2023), appendix, Figs 10A–B and 11A–B.
#
# The gradient of the loss with respect to the recurrent weights, $d\mathcal{L}/dW$, is an $N \times N$ matrix;
# its singular values $\sigma_1 \ge \sigma_2 \ge \dots$ say how many independent directions one update can
# move the weights in. Backpropagation through time sums over loops of every length; when the Jacobian
# products of the long loops shrink (vanishing gradients), the sum is dominated by a few short loops and the
# matrix is close to low rank: $\sigma_1$ stays finite while the subordinate singular values collapse. The
# paper follows $\sigma_1$, $\sigma_{20}$ and $\sigma_{40}$ through training in two temporal-XOR networks
# ($d = 70$) and reports that the subordinate ones peak at every flossing episode and stay far larger than
# without flossing, while $\sigma_1$ barely changes — flossing lowers the condition number
# $\sigma_1/\sigma_{40}$ of the weight gradient, i.e. it raises its effective rank.
#
# As for Figs 8 and 9, nothing is trained here: the Fig 4 runs (loaded from the results cache) record the
# selected singular values of $d\mathcal{L}/dW$ at every epoch, before gradient clipping.

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
cfg = gf.FIG04[scale]
data = gf.fig10_11(scale, seed=seed, device=device)
d, episodes, indices = data["delay"], data["episodes"], data["sv_indices"]
sv = {s: v.numpy() for s, v in data["singular_values"].items()}  # (E, networks, len(indices))
acc = {s: a.numpy() for s, a in data["accuracy"].items()}
print(cfg)
print(f"delay d = {d}; singular values {indices}; flossing episodes before epochs {episodes}")

# %% [markdown]
# At the `book` scale these are the Fig 4 networks ($N = 80$, 3 networks per condition, 800 epochs,
# $T = 100$, flossing episodes of $E_f = 50$ epochs on $k = 75$ exponents before epochs 0, 100, …, 400; the
# paper: $10^3$ epochs shown, $T = 300$, $E_f = 500$). The recorded singular values are those printed above
# (at `smoke`, with $N = 12$, they are $\sigma_1$, $\sigma_{N/2}$, $\sigma_N$); below, $\sigma_{\rm last}$ is the
# last of them ($\sigma_{40}$ at `book`). The two realisations shown are simply the first two networks of
# each condition — no selection for success — and each flossed network is drawn with its unflossed twin,
# which starts from the same weights. Epochs are counted from 0; the record of epoch $e$ comes after the
# flossing episode that runs before $e$, if any.

# %% tags=["hide-input", "remove-output"]
CONDITIONS = {"none": ("no flossing", plotting.PALETTE[0]), "during": ("flossing during training", plotting.PALETTE[2])}
epochs = np.arange(cfg.epochs)
window = max(5, cfg.epochs // 40)  # running mean of the accuracy panels
shown = range(min(2, cfg.networks))


def running(x, w=window):
    """Centred running mean of a 1-d series (shorter windows at the ends)."""
    ones = np.ones(w)
    return np.convolve(x, ones, "same") / np.convolve(np.ones(len(x)), ones, "same")


fig, axes = plotting.figure(len(indices) + 1, len(shown), width=2.7, height=2.3)
for row, r in enumerate(shown):
    for col, i in enumerate(indices):
        ax = axes[row, col]
        for s, (label, color) in CONDITIONS.items():
            ax.plot(epochs, sv[s][:, r, col], color=color, lw=0.7, label=label)
        ax.set_yscale("log")
        ax.set_title(rf"$\sigma_{{{i}}}(d\mathcal{{L}}/dW)$")
    axes[row, 0].set_ylabel(f"Fig {10 + row}: network {r + 1}\nsingular value")
    ax = axes[row, -1]
    for s, (label, color) in CONDITIONS.items():
        ax.plot(epochs, acc[s][:, r], color=color, lw=0.5, alpha=0.35)
        ax.plot(epochs, running(acc[s][:, r]), color=color, label=label)
    ax.axhline(0.5, color="k", lw=0.5, ls=":")
    ax.set_title("test accuracy")
    for ax in axes[row]:
        for e in episodes:
            ax.axvline(e, color=CONDITIONS["during"][1], lw=0.6, ls="--", alpha=0.6, zorder=0)
        ax.set_xlabel("epoch")
    plotting.panel_label(axes[row, 0], "A")
    plotting.panel_label(axes[row, -1], "B")
handles, labels = axes[0, 0].get_legend_handles_labels()
fig.legend(handles, labels, loc="outside lower center", ncols=2)
fig.suptitle(f"temporal XOR, d = {d}: N = {cfg.N}, {cfg.epochs} epochs, T = {cfg.steps}, E_f = {cfg.floss_epochs}, "
             f"k = {cfg.k} [scale: {scale}]")
plotting.show(fig, "gf-fig10-11")

# %% [markdown]
# ```{glue:figure} gf-fig10-11
# :name: gf-fig10-11
#
# **Figs 10 and 11 (at the scale in the title).** One row per network realisation (the top row plays the
# part of Fig 10, the bottom row that of Fig 11). A: the selected singular
# values of the recurrent-weight gradient over training, without flossing (blue) and with flossing during
# training (green, same initial weights); dashed vertical lines mark the flossing episodes. B: test accuracy of
# the same two networks (thin: every epoch; thick: running mean over the number of epochs printed below).
# ```
#
# The next panel condenses all networks at this delay into one number per epoch, the condition number
# $\kappa = \sigma_1/\sigma_{\rm last}$ of $d\mathcal{L}/dW$.

# %%
print(f"running window of the accuracy panels: {window} epochs")

# %% tags=["hide-input", "remove-output"]
kappa = {s: v[..., 0] / v[..., -1] for s, v in sv.items()}  # (E, networks)
fig, axes = plotting.figure(1, 1, width=5.0, height=2.8)
ax = axes[0, 0]
plotting.runs(ax, epochs, {label: (color, kappa[s]) for s, (label, color) in CONDITIONS.items()}, log=True)
for e in episodes:
    ax.axvline(e, color=CONDITIONS["during"][1], lw=0.6, ls="--", alpha=0.6, zorder=0)
ax.set_xlabel("epoch")
ax.set_ylabel(rf"$\sigma_{{{indices[0]}}}/\sigma_{{{indices[-1]}}}$ of $d\mathcal{{L}}/dW$")
ax.set_title(f"all {cfg.networks} networks per condition, d = {d} [scale: {scale}]")
plotting.show(fig, "gf-fig10-11-2")

# %% [markdown]
# ```{glue:figure} gf-fig10-11-2
# :name: gf-fig10-11-2
#
# **Condition number, all networks at delay $d$.** Individual networks thin, median thick; episodes dashed.
# ```
#
# ## Paper vs this book
#
# Criteria, fixed before looking at the numbers (all networks of each condition at delay $d$, all epochs):
#
# * **10A, condition number**: the median over networks and epochs of $\kappa = \sigma_1/\sigma_{\rm last}$
#   without flossing, divided by the same median with flossing during training — reproduced if flossing lowers
#   $\kappa$ at least tenfold, partly if it lowers it at all.
# * **10A, episodes**: for each flossed network and each episode after the first, the median of $\kappa$
#   over the 5 epochs after the episode against the 5 epochs before it — reproduced if $\kappa$ falls in at
#   least 80 % of these pairs, partly if in at least half. (A fall of $\kappa$ means the subordinate singular
#   value rose more than $\sigma_1$.)
# * **10A, leading singular value**: the median $\sigma_1$ with flossing divided by that without —
#   reproduced if it lies within a factor of 10 either way ("comparable"), not reproduced otherwise.

# %% tags=["hide-input"]
card = claims.Scorecard("gradient_flossing/fig10_11_weight_gradient_singular_values", scale)
last = rf"σ{indices[0]}/σ{indices[-1]}"
note = f"{cfg.networks} networks per condition, {cfg.epochs} epochs, T = {cfg.steps}, N = {cfg.N}"

median_kappa = {s: float(np.median(k)) for s, k in kappa.items()}
lowering = median_kappa["none"] / median_kappa["during"]
print(f"median {last}:", median_kappa, f"-> flossing lowers it {lowering:.3g}x")
card.record(
    "10A, 11A", f"flossing lowers the condition number {last} of dL/dW (raises the subordinate singular values)",
    paper="σ20, σ40 far larger with flossing; σ1 comparable",
    ours=f"median {last}: {median_kappa['none']:.2g} without vs {median_kappa['during']:.2g} with flossing "
         f"({lowering:.2g}× lower)",
    verdict=claims.verdict(lowering >= 10, partly=lowering > 1),
    note=note,
)

span = min(5, cfg.floss_every // 2)
later = [e for e in episodes if e >= span]
pairs = [(e, r) for e in later for r in range(cfg.networks)]
change = np.array([np.median(kappa["during"][e:e + span, r]) / np.median(kappa["during"][e - span:e, r])
                   for e, r in pairs])
jump = {j: np.array([np.median(sv["during"][e:e + span, r, j]) / np.median(sv["during"][e - span:e, r, j])
                     for e, r in pairs]) for j in (0, -1)}
falls = float(np.mean(change < 1)) if len(change) else 0.0
print(f"after/before ratio of {last} around each later episode:", np.round(change, 2))
print(f"median after/before jump of σ{indices[0]}: {np.median(jump[0]):.3g}, of σ{indices[-1]}: {np.median(jump[-1]):.3g}")
card.record(
    "10A", "at each flossing episode the subordinate singular values of dL/dW peak more than σ1",
    paper="σ20, σ40 peak at every episode, σ1 only slightly",
    ours=f"{last} falls in {falls:.0%} of {len(change)} (network, episode) pairs; median jump "
         f"σ{indices[0]} {np.median(jump[0]):.2g}×, σ{indices[-1]} {np.median(jump[-1]):.2g}×",
    verdict=claims.verdict(falls >= 0.8, partly=falls >= 0.5),
    note=f"median over {span} epochs after vs {span} before; episodes after the first",
)

sigma1 = float(np.median(sv["during"][..., 0]) / np.median(sv["none"][..., 0]))
print(f"median σ{indices[0]} with / without flossing: {sigma1:.3g}")
card.record(
    "10A", f"the leading singular value σ{indices[0]} of dL/dW is comparable with and without flossing",
    paper="comparable size",
    ours=f"median σ{indices[0]} with / without flossing: {sigma1:.2g}",
    verdict=claims.verdict(0.1 <= sigma1 <= 10),
    note=note,
)
card

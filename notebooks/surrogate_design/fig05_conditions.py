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
# # Fig 5 — conditions I–IV at initialisation
#
# *Surrogate gradients design* (Herranz-Celotti & Rouat), §2.6, appendix B, Fig 5.
#
# The paper derives four conditions for a recurrent layer of LIF neurons (its eq. 1,
# $y_t = \alpha y_{t-1} + W_\mathrm{rec} x_{t-1} + b + W_\mathrm{in} z_t - \vartheta x_{t-1}$, zero-diagonal
# $W_\mathrm{rec}$): **CI** every neuron fires half of the time (median centred voltage 0), which fixes the mean
# of $W_\mathrm{rec}$; **CII** recurrent and input currents have equal variance, which fixes its variance;
# **CIII** the gradient's maximum and **CIV** its variance stay constant across time steps, which fix the
# surrogate's dampening and (through eq. 2) its sharpness. Fig 5 then trains a LIF network on SHD with the
# exponential surrogate, initialised by each condition and by all four, against Glorot-uniform weights:
# 92.7 ± 1.5 % validation / 65.2 ± 3.1 % test with all conditions vs 87.3 ± 1.4 / 58.4 ± 4.9 % naive.
#
# This page checks what the conditions promise *at initialisation*, where no data set is needed: it builds
# the weights with `stablegrad.init`, simulates the layer from rest on Bernoulli input spikes (a stand-in for
# a data set's input statistics), and sends a random vector back through the linearised backward pass
# $d_{t-1} = \alpha d_t + \sigma'(v_{t-1}) \odot (d_t W_\mathrm{rec}^\top - \vartheta d_t)$. The training half
# follows at the end of the page. Deriving the
# formulas in code brought up thirteen slips and gaps in appendix B; `stablegrad.init`'s module documentation
# lists them with their corrections, and the four that matter here are stated below.
#
# Set-up (ours; the paper's layer on SHD has 256 neurons and 700 inputs): $n_\mathrm{rec} = 200$,
# $n_\mathrm{in} = 100$ inputs spiking with probability 0.2 per step, Glorot input weights, 300 steps,
# float64, several independent networks (the conditions are statements about the weight ensemble).

# %% tags=["parameters"]
scale = "book"
seed = 0
device = "cpu"
workers = 2  # processes running the training cells side by side (one core each)
root = None  # folder with SHD (default: $STABLEGRAD_DATA or ~/.stablegrad/data)

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from stablegrad import claims, init, plotting, surrogate
from stablegrad.experiments import surrogate_design as sd
from stablegrad.experiments.surrogate_design import backward_mean_square, lif_at_initialisation

plotting.use_style()
SIZES = {"smoke": dict(n=100, n_in=50, steps=200, batch=4, networks=2),
         "book": dict(n=200, n_in=100, steps=300, batch=8, networks=4),
         "paper": dict(n=256, n_in=700, steps=500, batch=16, networks=4)}[scale]
N, N_IN, STEPS, BATCH, NETWORKS = (SIZES[k] for k in ("n", "n_in", "steps", "batch", "networks"))
P_Z, BURN = 0.2, 100  # input spike probability; steps discarded as the transient from rest


def network(scheme, *, alpha, thr, net_seed):
    """Weights of one network: "naive" (Glorot uniform, as Fig 5's baseline), "CI" (mean from CI, variance
    1/n), "CI+CII"; then the layer simulated from rest."""
    g = torch.Generator().manual_seed(1000 * seed + net_seed)
    w_in = init.weights((N_IN, N), "glorot", "uniform", generator=g, dtype=torch.float64)
    if scheme == "naive":
        w_rec = init.weights((N, N), "glorot", "uniform", generator=g, dtype=torch.float64)
    else:
        mean = init.condition_i(N, alpha, thr)
        var = init.condition_ii(N, N_IN, 2 / (N_IN + N), mean, z_mean=P_Z, z_var=P_Z * (1 - P_Z)) \
            if scheme == "CI+CII" else 1 / N
        w_rec = init.sample((N, N), var, "uniform", mean=mean, generator=g, dtype=torch.float64)
    w_rec.fill_diagonal_(0)
    z = (torch.rand(STEPS, BATCH, N_IN, generator=g, dtype=torch.float64) < P_Z).double()
    return (w_rec, w_in, *lif_at_initialisation(w_rec, w_in, z, alpha=alpha, thr=thr))


SCHEMES = ("naive", "CI", "CI+CII")
forward = {s: [network(s, alpha=0.9, thr=0.5, net_seed=k) for k in range(NETWORKS)] for s in SCHEMES}
stats = {}
for s, runs in forward.items():
    v = torch.cat([r[2][BURN:].flatten() for r in runs])
    ratios = torch.tensor([r[3][BURN:].var().item() / r[4][BURN:].var().item() for r in runs])
    stats[s] = dict(v=v, median=v.median().item() / v.std().item(), rate=(v > 0).double().mean().item(),
                    ratio=ratios.log().mean().exp().item(), ratios=ratios)
    print(f"{s:7s}: median/std of the centred voltage {stats[s]['median']:+.2f}, firing rate {stats[s]['rate']:.2f}, "
          f"Var[W_rec x]/Var[W_in z] {stats[s]['ratio']:.2f} (per network {np.round(ratios.numpy(), 2)})")

# %% [markdown]
# **The backward pass.** CIII fixes the dampening $\gamma$, CIV the surrogate's second moment
# $E[\sigma'^2]$, and eq. 2 turns that into a sharpness by assuming the voltage uniform between the bounds of
# appendix B.6. Three corrections (numbered as in `stablegrad.init`): (2) CIV's variance balance drops the
# cross term $-2\alpha\vartheta E[\sigma']$ between leak and reset, which act on the same component; (9) CIII's
# $\gamma$ is far too small for any sharpness to meet CIV, since $E[\sigma'^2] \le \gamma^2$; (10) the B.6
# range is tens of times wider than the voltages the network visits, so eq. 2 underestimates $E[\sigma'^2]$
# about a hundredfold. Below, the mean square of the back-propagated vector over 200 steps (fewer at the
# `smoke` scale) for: the printed
# recipe (CIII's $\gamma$, sharpness from eq. 2 on the B.6 range — or the authors' bounded search when CIV
# cannot be met), and CIV as corrected, solved on the measured voltages of half of the sequences and checked
# on the other half, with 4× and ¼× its dampening for contrast. The surrogate is the exponential, as in the
# paper's Fig 5, with the dampening $\gamma = 5$ (CIII's is unusable, see above), and $\alpha = 0.99$ (a slow
# membrane).

# %%
ALPHA_B, THR_B, GAMMA, SHAPE = 0.99, 1.0, 5.0, "exponential"
WINDOW = 200  # steps travelled back
w_rec, w_in, v_b, _, _ = network("CI+CII", alpha=ALPHA_B, thr=THR_B, net_seed=99)
half = BATCH // 2


def mean_square(sg, v=v_b[:, half:]):
    return backward_mean_square(w_rec, v, alpha=ALPHA_B, thr=THR_B, surrogate=sg, burn=max(BURN, STEPS - WINDOW - 1),
                                generator=torch.Generator().manual_seed(seed)).numpy()


off = w_rec[~torch.eye(N, dtype=torch.bool)]
gamma_iii = init.condition_iii(N, ALPHA_B, THR_B, off.max().item(), off.min().item(), paper=True)
target_iv = init.condition_iv(N, ALPHA_B, THR_B, off.pow(2).mean().item(), paper=True)
printed = init.solve(SHAPE, w_rec, w_in, alpha=ALPHA_B, thr=THR_B, sharpness_bounds=(0.3, 1.6), paper=True)
corrected = init.solve(SHAPE, w_rec, w_in, alpha=ALPHA_B, thr=THR_B, dampening=GAMMA, voltages=v_b[BURN:, :half])
eq2_range = init.solve(SHAPE, w_rec, w_in, alpha=ALPHA_B, thr=THR_B, dampening=GAMMA, paper=True)
curves = {
    f"printed: CIII γ = {printed.dampening:.2g}, bounded search s = {printed.sharpness:.2g}": mean_square(printed.surrogate),
    f"eq. 2 on the B.6 range: γ = {GAMMA:g}, s = {eq2_range.sharpness:.2g}": mean_square(eq2_range.surrogate),
    f"CIV corrected, measured v: γ = {GAMMA:g}, s = {corrected.sharpness:.2g}": mean_square(corrected.surrogate),
    "same, 4× dampening": mean_square(surrogate.get(SHAPE, 4 * GAMMA, corrected.sharpness)),
    "same, ¼ dampening": mean_square(surrogate.get(SHAPE, GAMMA / 4, corrected.sharpness)),
}
print(f"CIII dampening² = {gamma_iii**2:.2e} against CIV's E[σ'²] = {target_iv:.3f}")
for label, ms in curves.items():
    print(f"{label}: mean square after {len(ms) - 1} steps back = {ms[-1] / ms[0]:.3g} × the start")

# %% tags=["hide-input", "remove-output"]
fig, axes = plotting.figure(3, width=3.7, height=3.0)
axes = axes[0]
bins = np.linspace(-4, 4, 81)
for k, s in enumerate(SCHEMES):
    v = stats[s]["v"]
    axes[0].hist((v / v.std()).numpy(), bins=bins, density=True, histtype="step", lw=1.3, color=plotting.PALETTE[k],
                 label=f"{s}: rate {stats[s]['rate']:.2f}")
axes[0].axvline(0, color="k", lw=0.6, ls=":")
axes[0].set_xlabel("centred voltage / std")
axes[0].set_ylabel("density")
axes[0].set_title("CI: fire half of the time")
axes[0].legend(fontsize=7)
for k, s in enumerate(SCHEMES):
    axes[1].scatter(np.full(NETWORKS, k), stats[s]["ratios"].numpy(), color=plotting.PALETTE[k])
axes[1].axhline(1, color="k", lw=0.6, ls=":")
axes[1].set_yscale("log")
axes[1].yaxis.set_major_formatter(plt.ScalarFormatter())
axes[1].yaxis.set_minor_formatter(plt.NullFormatter())
axes[1].set_xticks(range(len(SCHEMES)), SCHEMES)
axes[1].set_ylabel("Var[W_rec x] / Var[W_in z]")
axes[1].set_title("CII: balance the currents")
for k, (label, ms) in enumerate(curves.items()):
    axes[2].plot(ms / ms[0], color=plotting.PALETTE[k], label=label)
axes[2].set_yscale("log")
axes[2].set_ylim(1e-6, 1e8)  # the exploding curves leave the panel
axes[2].set_xlabel("steps back in time")
axes[2].set_ylabel("mean square of the gradient (rel.)")
axes[2].set_title(f"CIII/CIV: keep it flat ({SHAPE}, α = {ALPHA_B})")
axes[2].legend(fontsize=6)
for ax, letter in zip(axes, "ABC"):
    plotting.panel_label(ax, letter)
fig.suptitle(f"LIF layer at initialisation, n = {N}, {NETWORKS} networks [scale: {scale}]")
plotting.show(fig, "sd-fig05")

# %% [markdown]
# ```{glue:figure} sd-fig05
# :name: sd-fig05
#
# **Figure.** A: the centred voltage after the transient, pooled over networks and steps, in units of its
# standard deviation, for Glorot-uniform recurrent weights (naive), CI's mean with variance $1/n$, and CI with
# CII's variance; the legend gives the share of neuron-steps above threshold. B: the ratio of the recurrent to
# the input current's variance, one dot per network. C: the backward pass's mean square, relative to its
# start, as the gradient travels back in time (curves that explode leave the panel; their final values are
# printed above).
# ```

# %% [markdown]
# ## Training with the conditions
#
# Fig 5's training compares a LIF network on SHD (exponential surrogate) initialised naively (Glorot uniform)
# with initialisations by the conditions. Since CIII and CIV cannot be met together (above), the book trains
# the forward conditions: CI's recurrent mean, CII's recurrent variance, and both, in every layer (the first
# layer's input statistics measured on the training set, the second's those of spikes obeying CI), with
# Glorot-uniform input weights and the surrogate at dampening = sharpness = 1. Without the real SHD files this
# runs on the labelled stand-in and the claim is *not testable*. At `book` scale: 160 training and 80
# validation samples (SHD's test split; 700 channels summed in groups of 7), width 64, 4 epochs, 2 seeds,
# neurons with threshold 0.01 and almost no leak (the authors' initial constants, as on Fig 2's page).

# %%
train_configs = sd.fig05_configs(scale)
train_runs = sd.grid(train_configs, seed=seed, scale=scale, root=root, device=device, workers=workers)
shd_standin = sd.stand_in(train_runs)
trained = {}
for c, r in zip(train_configs, train_runs):
    trained.setdefault(c["init"], []).append(r)
INIT_NAMES = {"glorot_uniform": "naive (Glorot uniform)", "ci": "CI", "cii": "CII", "ci_cii": "CI + CII"}

# %% tags=["hide-input", "remove-output"]
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), constrained_layout=True)
for k, (name, rs) in enumerate(trained.items()):
    for j, r in enumerate(rs):
        epochs = np.arange(1, len(r["loss"]) + 1)
        axes[0].plot(epochs, r["loss"], color=plotting.PALETTE[k], label=INIT_NAMES[name] if j == 0 else None)
        axes[1].plot(epochs, 100 * r["accuracy"], color=plotting.PALETTE[k])
axes[0].set_ylabel("validation loss")
axes[1].set_ylabel("validation accuracy (%)")
for ax in axes:
    ax.set_xlabel("epoch")
axes[0].legend(fontsize=8)
fig.suptitle("Fig 5 (training): LIF on SHD" + (" [synthetic stand-in data]" if shd_standin else ""))
plotting.show(fig, "sd-fig05-2")

# %% [markdown]
# ```{glue:figure} sd-fig05-2
# :name: sd-fig05-2
#
# **Fig 5, training.** Validation loss and accuracy over training of the LIF network on SHD for each
# initialisation (one line per seed).
# ```

# %%
best_accuracy = {name: np.array([100 * r["accuracy"].max().item() for r in rs]) for name, rs in trained.items()}
for name, acc in best_accuracy.items():
    print(f"{INIT_NAMES[name]:24s} best validation accuracy {acc.mean():.1f} ± {acc.std():.1f} %")

# %% [markdown]
# ## Paper vs this book
#
# Criteria, fixed before the run. *CI*: reproduced if with CI (and CII) the pooled median centred voltage is
# within 0.15 standard deviations of 0 and the firing rate within 0.4–0.6. *CII*: reproduced if the geometric
# mean of the variance ratio over networks lies in 0.7–1.3 and the naive weights' does not. *CIII and CIV
# together, as printed*: reproduced if the printed recipe (CIII's dampening, the authors' bounded sharpness
# search) keeps the backward mean square within a factor 30 (max/min) over 200 steps; partly if eq. 2 on the
# B.6 range does, given a usable dampening. *CIV (corrected, measured voltages)*: reproduced if it stays within
# a factor 30 while 4× the dampening changes it by more than 1000×. *Fig 5 training*: reproduced if CI + CII
# reach a higher mean best validation accuracy than the naive weights (real SHD only).

# %% tags=["hide-input"]
card = claims.Scorecard("surrogate_design/fig05_conditions", scale)
ci = stats["CI+CII"]
card.record(
    "CI", "with CI's recurrent mean the neurons fire half of the time (median centred voltage 0)",
    paper="Median[v] = 0 by construction (eq. 20)",
    ours=f"median/std {ci['median']:+.2f}, rate {ci['rate']:.2f} (naive Glorot: {stats['naive']['median']:+.2f}, "
         f"{stats['naive']['rate']:.2f}); α = 0.9, ϑ = 0.5",
    verdict=claims.verdict(abs(ci["median"]) < 0.15 and 0.4 < ci["rate"] < 0.6,
                           partly=abs(ci["median"]) < abs(stats["naive"]["median"])),
    note="at ϑ = 1 some networks settle in a low-rate state instead (see stablegrad.init, note 13)",
)
card.record(
    "CII", "CII's recurrent variance makes recurrent and input currents equally variable",
    paper="Var[W_rec x] = Var[W_in z] (eq. 28)",
    ours=f"geometric-mean ratio {ci['ratio']:.2f} (per network {', '.join(f'{r:.2f}' for r in ci['ratios'])}); "
         f"CI alone {stats['CI']['ratio']:.2f}; naive {stats['naive']['ratio']:.2f}",
    verdict=claims.verdict(0.7 < ci["ratio"] < 1.3 and not 0.7 < stats["naive"]["ratio"] < 1.3,
                           partly=abs(np.log(ci["ratio"])) < abs(np.log(stats["CI"]["ratio"]))),
)
spread = {label: ms.max() / ms.min() for label, ms in curves.items()}
labels = list(curves)
card.record(
    "CIII, CIV", "CIII's dampening and CIV's sharpness (eq. 2) keep the backward variance constant across time",
    paper="conditions III and IV, solved as printed",
    ours=f"CIII's γ² = {gamma_iii**2:.1e} against CIV's E[σ'²] = {target_iv:.2f}: CIV cannot be met; with the "
         f"authors' bounded search the mean square spans max/min {spread[labels[0]]:.1e} over {WINDOW} steps; "
         f"eq. 2 on the B.6 range with γ = {GAMMA:g}: {spread[labels[1]]:.1e}",
    verdict=claims.verdict(spread[labels[0]] < 30, partly=spread[labels[1]] < 30),
    note=f"{SHAPE} surrogate, α = {ALPHA_B}; stablegrad.init notes 2, 9, 10",
)
card.record(
    "CIV (corrected)", "a surrogate whose second moment meets CIV keeps the backward variance flat",
    paper="condition IV",
    ours=f"with the cross term restored and the measured voltage distribution: max/min {spread[labels[2]]:.1f} over "
         f"{WINDOW} steps (4× dampening: max/min {spread[labels[3]]:.1e}, ¼: {spread[labels[4]]:.1e})",
    verdict=claims.verdict(spread[labels[2]] < 30 and spread[labels[3]] > 1e3),
    note=f"{SHAPE} surrogate, γ = {GAMMA:g}, α = {ALPHA_B}; measured only near α = 1 here",
)
naive, both = best_accuracy["glorot_uniform"], best_accuracy["ci_cii"]
card.record(
    "5", "a LIF network on SHD initialised by the conditions trains better than with Glorot-uniform weights",
    paper="92.7 ± 1.5 / 65.2 ± 3.1 % (val/test, CI–CIV) vs 87.3 ± 1.4 / 58.4 ± 4.9 %",
    ours=f"CI + CII {both.mean():.1f} ± {both.std():.1f} % vs naive {naive.mean():.1f} ± {naive.std():.1f} % "
         f"(best validation accuracy, {len(naive)} seeds" + (", synthetic stand-in data)" if shd_standin else ")"),
    verdict="not testable" if shd_standin else claims.verdict(both.mean() > naive.mean()),
    note="forward conditions only: CIII and CIV cannot be met together"
         + ("; SHD was not available to this run" if shd_standin else ""),
)
card

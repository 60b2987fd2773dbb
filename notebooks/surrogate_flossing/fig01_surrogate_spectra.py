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
# # Fig 1 — surrogate Lyapunov exponents of binary networks
#
# *Surrogate gradient flossing* (Engelken & Abbott, 2024), Fig 1B, 1D and eq. 6.
#
# A binary network $h_{s+1} = W\,\mathrm{sgn}(h_s) + V x_{s+1}$ has a piecewise constant forward map,
# so its true Jacobian is zero almost everywhere. Surrogate-gradient training back-propagates through
# $\mathrm{sgn}$ as if its derivative were $\phi'_g(h) = \mathrm{sech}^2(g h)$; the products of the
# resulting *surrogate Jacobians* $D_s = W\,\mathrm{diag}(\phi'_g(h_s))$ along the (binary) forward
# trajectory decide whether error signals vanish or explode. Their growth rates, computed by the same QR
# method as ordinary Lyapunov exponents, are the *surrogate Lyapunov exponents*. The sharpness $g$ sets
# how many columns of $D_s$ survive: units with $|g h| \gg 1$ contribute almost nothing.
#
# * **B** — surrogate spectra for several $g$, with the mean-field triangle law of eq. 6:
#   $\lambda_i = \lambda_{\max} + \tfrac12\log(1 - i/(pN))$ for $i < pN$ and $-\infty$ beyond, where
#   $p = \mathrm{erf}(1/(\sqrt2\, g\,\Delta_0))$ is the fraction of units whose surrogate is not saturated.
# * **D** — one surrogate Jacobian at $g = 10$, on a log scale: most columns are nearly zero.
#
# Set-up (the paper's Fig 2 and 3 networks, as the paper gives no separate parameters for Fig 1):
# $W_{ij}\sim\mathcal N(0, 1/N)$, one input $V\sim\mathcal N(0,1)$, a fair bit stream $x\in\{0,1\}$,
# $h_0 = 0$, the same weight draws at every $g$. Eq. 6 needs $\Delta_0$ and $\lambda_{\max}$, which the
# paper takes from dynamic mean-field theory without giving the formulas. We take $\Delta_0$ as the
# standard deviation of $h$ over units and steps of the simulated trajectory (its square root of the
# variance, so that $p$ is the probability that a Gaussian $h$ has $|g h| < 1$), and
# $\lambda_{\max} = \tfrac12\log\langle\phi'_g(h)^2\rangle$, the mean-field growth rate of a random
# direction under a Gaussian $W$ with columns scaled by $\phi'_g$. Both are measured on the same
# trajectory, so the prediction has no free parameter.

# %% tags=["parameters"]
scale = "book"
seed = 0
device = "cpu"

# %%
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import LogNorm

from stablegrad import claims, plotting
from stablegrad.experiments import surrogate_flossing as sf

plotting.use_style()
cfg = sf.FIG01[scale]
result = sf.fig01(scale, seed=seed, device=device)
print(cfg)

# %% tags=["hide-input", "remove-output"]
exponents = result["exponents"].numpy()  # (gs, networks, N)
index = np.arange(1, cfg.N + 1)
lambda_max = 0.5 * np.log(result["slope_sq"].numpy())
p = result["p"].numpy()
predicted = {g: np.median([sf.mean_field_spectrum(cfg.N, float(p[j, r]), float(lambda_max[j, r])).numpy()
                           for r in range(cfg.networks)], axis=0) for j, g in enumerate(cfg.gs)}
fig, axes = plotting.figure(2, width=3.6, height=3.0)
ax_b, ax_d = axes[0]
colors = plt.cm.viridis(np.linspace(0, 0.9, len(cfg.gs)))
for j, g in enumerate(cfg.gs):
    ax_b.plot(index / cfg.N, exponents[j].T, color=colors[j], lw=0.6, alpha=0.5)
    ax_b.plot(index / cfg.N, predicted[g], color=colors[j], ls="--", lw=1.4)
    ax_b.plot([], [], color=colors[j], label=f"g = {g:g}")
ax_b.plot([], [], color="k", ls="--", label="eq. 6 (mean field)")
ax_b.set_xlabel("i / N")
ax_b.set_ylabel(r"surrogate $\lambda_i$ (1/step)")
ax_b.set_ylim(max(exponents.min() - 0.5, -12), 0.5)
ax_b.legend(fontsize=7, ncol=2, loc="lower left")
plotting.panel_label(ax_b, "B")

D = np.abs(result["jacobian"].numpy())
image = ax_d.imshow(np.where(D > 0, D, np.nan), norm=LogNorm(vmin=max(D[D > 0].min(), 1e-12), vmax=D.max()),
                    cmap="magma", interpolation="nearest")
fig.colorbar(image, ax=ax_d, label=r"$|D_{ij}|$")
ax_d.set_xlabel("j (presynaptic)")
ax_d.set_ylabel("i")
ax_d.set_title(f"surrogate Jacobian, g = {cfg.g_jacobian:g}")
plotting.panel_label(ax_d, "D")
fig.suptitle(f"binary RNN, N = {cfg.N}, {cfg.networks} networks, {cfg.steps} steps [scale: {scale}]")
plotting.show(fig, "sf-fig01")

# %% [markdown]
# ```{glue:figure} sf-fig01
# :name: sf-fig01
#
# **Fig 1B, D.** B: surrogate Lyapunov spectra (thin lines, one per network) and the mean-field
# triangle law of eq. 6 (dashed, median over networks of the prediction from each network's own
# $\Delta_0$ and $\langle\phi'^2\rangle$); exponents predicted to be $-\infty$ are not drawn.
# D: absolute entries of one surrogate Jacobian at $g = 10$ (log colour scale; exact zeros white).
# ```
#
# ## Paper vs this book
#
# Criteria, fixed before looking at the book-scale numbers:
#
# * **1B, large g**: the median exponent $\lambda_{N/2}$ falls monotonically with $g$, and at the
#   largest $g$ more than half of the exponents are below $-1$ (a factor $e$ of shrinkage per step).
# * **1B, small g**: at the smallest $g$, at least 10 % of the exponents lie within 0.1 of zero.
# * **Eq. 6**: for every $g$, the mean absolute difference between measured and predicted exponents
#   over $i < 0.8\,pN$ (where the prediction is finite and away from its log singularity) is below
#   0.25 (partly: for at least half of the $g$).
# * **1D**: at $g = 10$ most columns of the surrogate Jacobian are nearly zero: more than half of the
#   columns have all entries below $10^{-3}$ of the largest entry.

# %% tags=["hide-input"]
card = claims.Scorecard("surrogate_flossing/fig01_surrogate_spectra", scale)
middle = np.median(exponents[:, :, cfg.N // 2 - 1], axis=1)
below = float(np.median((exponents[-1] < -1).mean(1)))
print("median lambda_{N/2} per g:", dict(zip(cfg.gs, middle.round(3))), "| share below -1 at largest g:", below)
card.record(
    "1B-large-g", "with increasing g most surrogate exponents become very negative",
    paper="most exponents very negative at large g (vanishing gradients)",
    ours=f"median λ_N/2 from {middle[0]:.2f} (g={cfg.gs[0]:g}) to {middle[-1]:.2f} (g={cfg.gs[-1]:g}); "
         f"{below:.0%} of exponents < −1 at g={cfg.gs[-1]:g}",
    verdict=claims.verdict(bool(np.all(np.diff(middle) < 0)) and below > 0.5,
                           partly=bool(np.all(np.diff(middle) < 0)) or below > 0.5),
)
near_zero = float(np.median((np.abs(exponents[0]) < 0.1).mean(1)))
print("share of |lambda_i| < 0.1 at the smallest g:", near_zero)
card.record(
    "1B-small-g", "for small g many surrogate exponents are close to zero",
    paper="many exponents close to zero for small g (depending on W, V)",
    ours=f"{near_zero:.0%} of exponents within 0.1 of zero at g={cfg.gs[0]:g} (median over networks)",
    verdict=claims.verdict(near_zero >= 0.1, partly=near_zero > 0),
)
gaps = {}
for j, g in enumerate(cfg.gs):
    per_network = []
    for r in range(cfg.networks):
        prediction = sf.mean_field_spectrum(cfg.N, float(p[j, r]), float(lambda_max[j, r])).numpy()
        inside = index < 0.8 * p[j, r] * cfg.N
        if inside.any():
            per_network.append(np.abs(exponents[j, r, inside] - prediction[inside]).mean())
    gaps[g] = float(np.median(per_network)) if per_network else float("nan")
print("eq. 6: median mean |measured - predicted| over i < 0.8 pN:", {g: round(v, 3) for g, v in gaps.items()})
good = [v < 0.25 for v in gaps.values()]
card.record(
    "eq6", "the mean-field triangle law (eq. 6) approximates the surrogate spectrum",
    paper="full surrogate spectrum approximately given by eq. 6 at initialisation",
    ours=", ".join(f"g={g:g}: {v:.2f}" for g, v in gaps.items()) + " (mean |Δλ| over i < 0.8 pN)",
    verdict=claims.verdict(all(good), partly=sum(good) >= len(good) / 2),
)
dead = float((np.abs(result["jacobian"].numpy()).max(0) < 1e-3 * np.abs(result["jacobian"].numpy()).max()).mean())
print("share of nearly-zero columns at g =", cfg.g_jacobian, ":", dead)
card.record(
    "1D", f"the surrogate Jacobian at g = {cfg.g_jacobian:g} is column-sparse",
    paper="column-sparse Jacobian (log scale)",
    ours=f"{dead:.0%} of columns below 1e-3 of the largest entry",
    verdict=claims.verdict(dead > 0.5, partly=dead > 0.2),
)
card

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
# # Figs B.1–B.4 — supplementary figures
#
# *Fading memory as inductive bias in residual recurrent networks* (Dubinin & Effenberger), appendix B.
#
# - **B.1** The exponents of the variational term before and after training stay where the residual puts them
#   (adding problems and psMNIST, the four strengths of Fig 2): training changes $W$, not the memory timescales.
# - **B.2** Learning rate and coupling play similar roles ($\nabla_w L = O(\gamma)$): on ADD100, $\eta = 0.1$ with
#   $\gamma = 0.01$ is unstable, and lowering either $\eta$ or $\gamma$ stabilises learning but slows it.
# - **B.3** Learning curves over the range of $r$ (sMNIST, ADD100) and the Hessian over training: its eigenvalue
#   magnitudes *decrease* during training for a critical network and *increase* for a strongly subcritical one.
# - **B.4** Learning curves for several rotation angles, gradient norms that oscillate with the rotation, and random
#   orthogonal residuals (SciPy's `ortho_group`; here the same Haar measure by a sign-corrected QR) performing like
#   heterogeneous rotations.
#
# **Scale.** `book`: as on the Fig 3 page (2 instances, 600 or 2000 iterations); the adding problems of B.1 are
# ADD100 and ADD200 (the paper: ADD100 and ADD400). B.2 uses $r = 0.995$ (the paper does not give $r$). B.3's
# Hessians are 40-step Lanczos spectra on a test batch of 128, before training (the Fig 2 diagnostics) and after
# the 600 iterations.

# %% tags=["parameters"]
scale = "book"
device = "cpu"
workers = 2  # processes running cells side by side (one core each)

# %%
import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
import torch

from stablegrad import claims, plotting
from stablegrad.experiments import fading_memory as fm

# A network that diverged scores NaN; means over instances leave it out, and a setting whose every instance
# diverged has no mean (NaN, shown as a gap or "fail"), which numpy would otherwise warn about.
warnings.filterwarnings("ignore", "(Mean of empty slice|All-NaN slice encountered)", RuntimeWarning)

plotting.use_style()
sup = fm.supplementary_configs(scale)
b1 = fm.diagnostics(sup["B1"], scale=scale, device=device, workers=workers)
b2 = fm.grid(sup["B2"], scale=scale, device=device, workers=workers)
fig2 = [dict(task="smnist", residual={"kind": "identity", "r": r}) for r in fm.FIG02_R]
before = dict(zip(fm.FIG02_R, fm.diagnostics(fig2, scale=scale, device=device, workers=workers)))
after = dict(zip([c["residual"]["r"] for c in sup["B3"]],
                 fm.diagnostics(sup["B3"], scale=scale, device=device, workers=workers)))
fig3 = fm.fig03_configs(scale)
curves = dict(((c["task"], c["residual"]["r"]), r) for c, r in zip(fig3, fm.grid(fig3, scale=scale, device=device,
                                                                                    workers=workers)))
fig4 = [c for c in fm.fig04_configs(scale) if c["task"] == "smnist"]
rotations = dict(zip([c["residual"]["phi"] for c in fig4], fm.grid(fig4, scale=scale, device=device, workers=workers)))
b4_norms = fm.diagnostics(sup["B4_norms"], scale=scale, device=device, workers=workers)
b4_orth = fm.grid(sup["B4_orthogonal"], scale=scale, device=device, workers=workers)
COLOURS = dict(zip(fm.FIG02_R, plotting.PALETTE))

# %% [markdown]
# ## B.1 — exponents before and after training

# %% tags=["hide-input", "remove-output"]
tasks_b1 = fm.ADD_TASKS[scale] + ("psmnist",)
fig, axes = plt.subplots(2, len(tasks_b1), figsize=(3.6 * len(tasks_b1), 5), squeeze=False)
drift = {}
for c, d in zip(sup["B1"], b1):
    r, col = c["residual"]["r"], tasks_b1.index(c["task"])
    ax = axes[int(c["trained"]), col]
    running = d["running"][:, 0].numpy()
    ax.plot(np.arange(1, len(running) + 1), running, color=COLOURS[r], lw=0.6, alpha=0.8)
    ax.axhline(math.log(r), color=COLOURS[r], ls=":", lw=0.8)
    drift.setdefault((c["task"], r), {})[c["trained"]] = d["running"][-1]
for col, task in enumerate(tasks_b1):
    axes[0, col].set_title(f"{task}, before training")
    axes[1, col].set_title(f"{task}, after training")
    axes[1, col].set_xlabel("time step t")
for ax in axes[:, 0]:
    ax.set_ylabel("running exponent estimate")
plotting.show(fig, "fm-figB1")

# %% [markdown]
# ```{glue:figure} fm-figB1
# :name: fm-figB1
#
# **Fig B.1.** Running estimates of the traced exponents of the first instance along one sequence, before (top)
# and after (bottom) training, per task (columns) and residual strength $r$ (colours); dotted, $\log r$.
# ```

# %%
# largest gap over the traced exponents of the finite instances, before and after training (NaN: all diverged)
with np.errstate(all="ignore"):
    gaps = {k: float(np.nanmax(np.abs(torch.stack([v[False], v[True]]).numpy() - math.log(k[1]))))
            for k, v in drift.items() if v[True].isfinite().any()}
diverged = sorted(k for k, v in drift.items() if v[True].isnan().any())
for (task, r), gap in sorted(gaps.items()):
    print(f"{task:8} r = {r:<7} largest |exponent − log r| before or after training: {gap:.2e}"
          + ("  (an instance diverged in training)" if (task, r) in diverged else ""))

# %% [markdown]
# ## B.2 — learning rate × coupling on ADD100

# %% tags=["hide-input", "remove-output"]
fig, ax = plt.subplots(figsize=(5.5, 3.2))
for c, run, colour in zip(sup["B2"], b2, plotting.PALETTE):
    plotting.band(ax, run["iteration"].numpy(), run["score"].numpy(), color=colour,
                  label=f"η = {c['lr']}, γ = {c['gamma']}", q=(0, 100), center="mean")
ax.set(xlabel="training iteration", ylabel="test RMS", yscale="log", title="ADD100, r = 0.995")
ax.legend(fontsize=7)
plotting.show(fig, "fm-figB2")

# %% [markdown]
# ```{glue:figure} fm-figB2
# :name: fm-figB2
#
# **Fig B.2.** Test RMS on ADD100 during training for each learning rate $\eta$ and coupling $\gamma$
# ($r = 0.995$; mean over instances, band from minimum to maximum).
# ```

# %%
b2_rows = {(c["lr"], c["gamma"]): (fm.instability(run).mean().item(), fm.summary(run)["best"].nanmean().item(),
                                   fm.summary(run)["iterations"].mean().item()) for c, run in zip(sup["B2"], b2)}
for (lr, gamma), (setback, best_rms, mp) in b2_rows.items():
    print(f"η = {lr:<5} γ = {gamma:<6} setback {setback:.3f} decades, best RMS {best_rms:.3g}, "
          f"iterations to MP {mp:.0f}")

# %% [markdown]
# ## B.3 — learning curves over r, and the Hessian during training

# %% tags=["hide-input", "remove-output"]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.1))
R = fm.R_GRID[scale]
shades = plt.cm.viridis(np.linspace(0, 1, len(R)))
for task, ax in (("smnist", axes[0]), ("add100", axes[1])):
    for r, shade in zip(R, shades):
        run = curves[(task, r)]
        ax.plot(run["iteration"], run["score"].mean(1), color=shade, lw=1, label=f"r = {r}")
    ax.set(xlabel="training iteration", ylabel="test accuracy (%)" if task == "smnist" else "test RMS", title=task)
axes[1].set_yscale("log")
axes[0].legend(fontsize=6, ncol=2)
hessian_change = {}
for r, d in after.items():
    for label, check, ls in (("before", before[r], "-"), ("after", d, "--")):
        plotting.by_rank(axes[2], check["hessian"][:1], fm.converged(check)[:1], color=COLOURS[r], ls=ls,
                         label=f"r = {r}, {label}")
    hessian_change[r] = (before[r]["hessian"].abs()[:, 0].mean().item(), d["hessian"].abs()[:, 0].mean().item())
top_converged = all(bool(fm.converged(d)[:, 0].all()) for d in (*after.values(), *(before[r] for r in after)))
axes[2].set(xlabel="rank", ylabel="|eigenvalue| of the loss Hessian", title="sMNIST, before and after training")
axes[2].legend(fontsize=7)
for ax, letter in zip(axes, "ABC"):
    plotting.panel_label(ax, letter)
plotting.show(fig, "fm-figB3")

# %% [markdown]
# ```{glue:figure} fm-figB3
# :name: fm-figB3
#
# **Fig B.3.** A, B: mean test score during training on sMNIST and ADD100 for every residual strength $r$ of
# {numref}`fm-fig03`. C: loss-Hessian eigenvalue magnitudes by rank on sMNIST, before (solid) and after (dashed)
# training, first instance (open circles: not converged, error bound above a tenth of the value).
# ```

# %%
for r, (b, a) in hessian_change.items():
    print(f"r = {r}: largest |Hessian eigenvalue| {b:.3e} before, {a:.3e} after training")

# %% [markdown]
# ## B.4 — rotations: learning curves, gradient norms, orthogonal vs heterogeneous rotations

# %% tags=["hide-input", "remove-output"]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.1))
shades = plt.cm.plasma(np.linspace(0, 0.9, len(rotations)))
for (phi, run), shade in zip(sorted(rotations.items()), shades):
    axes[0].plot(run["iteration"], run["score"].mean(1), color=shade, label=f"φ0 = {phi:.3f}")
axes[0].set(xlabel="training iteration", ylabel="test accuracy (%)", title="sMNIST, homogeneous rotations")
axes[0].legend(fontsize=6)
for c, d, colour in zip(sup["B4_norms"], b4_norms, plotting.PALETTE):
    axes[1].semilogy(np.arange(1, len(d["grad_norms"]) + 1), d["grad_norms"][:, 0], color=colour, lw=0.8,
                     label=f"φ0 = {c['residual']['phi']:.3f}")
axes[1].set(xlabel="time step t", ylabel=r"$\|\partial L/\partial x_t\|_\infty$",
            title="gradient norms before training")
axes[1].legend(fontsize=7)
for c, run, colour in zip(sup["B4_orthogonal"], b4_orth, plotting.PALETTE):
    plotting.band(axes[2], run["iteration"].numpy(), run["score"].numpy(), color=colour,
                  label=c["residual"]["kind"].replace("_", " "), q=(0, 100), center="mean")
axes[2].set(xlabel="training iteration", ylabel="test accuracy (%)",
            title="random orthogonal vs heterogeneous rotation")
axes[2].legend(fontsize=7)
for ax, letter in zip(axes, ("A", "B", "D")):
    plotting.panel_label(ax, letter)
plotting.show(fig, "fm-figB4")

# %% [markdown]
# ```{glue:figure} fm-figB4
# :name: fm-figB4
#
# **Fig B.4 A, B, D.** A: mean test accuracy during training for the homogeneous rotations of {numref}`fm-fig04`.
# B: $\lVert\partial L/\partial x_t\rVert_\infty$ before training for several $\varphi_0$. D: a random
# orthogonal residual against heterogeneous rotations (mean and range over instances).
# ```

# %%
orth_best = {c["residual"]["kind"]: fm.summary(run)["best"].nanmean().item()
             for c, run in zip(sup["B4_orthogonal"], b4_orth)}
print("best accuracy:", ", ".join(f"{k} {v:.1f} %" for k, v in orth_best.items()))

# %% [markdown]
# Panel C of B.4 (best accuracy against $\varphi_0$ after 200 epochs) is Fig 4A trained four times longer; at
# `book` scale both use the same short training, so it is the Fig 4 page's panel A.
#
# ## Verdicts
#
# Criteria, fixed before the runs: **B.1** — before and after training each of the 20 traced exponents of every
# finite instance lies nearer its own $\log r$ than any other network's, for every task (partly: within
# $\gamma = 0.01$ of it); **B.2** — $(\eta, \gamma) = (0.1, 0.01)$ has the largest mean setback of the four (partly:
# larger than the smallest of the other three; judged only when some run reached MP, since the setbacks of
# networks that stay at the constant-guess RMS are noise: a condition added after the first `book` run, where it
# turned a *reproduced* into *not testable*), and lowering $\eta$ or $\gamma$ makes learning slower (mean
# iterations to MP not smaller; not testable when no run reaches MP); **B.3** — the largest Hessian eigenvalue
# magnitude falls during training for the critical network ($r = 1.0025$) and rises for the strongly subcritical
# one ($r = 0.95$) (partly: one of the two), judged only where the largest Ritz value of every instance has
# converged (error bound below a tenth of it; added with the bounds, after the first `book` runs); **B.4D** —
# random orthogonal and heterogeneous rotational residuals reach mean best accuracies within 5 points of each
# other, judged only when one of them reached minimal performance (two networks stuck near chance would agree
# trivially).

# %% tags=["hide-input"]
card = claims.Scorecard("fading_memory/figB1_B4_supplementary", scale)
logs = [math.log(r) for r in fm.FIG02_R]
separation = {r: min(abs(math.log(r) - b) for b in logs if b != math.log(r)) / 2 for r in fm.FIG02_R}
card.record("B.1", "the exponents stay at log r through training",
            paper="eigenvalues of the variational term remain in the same range after 200 epochs",
            ours=f"largest gap {np.nanmax(list(gaps.values())):.2e} over {len(gaps)} task × r pairs"
                 + (f"; diverged in training: {diverged}" if diverged else ""),
            verdict=claims.verdict(all(g < separation[k[1]] for k, g in gaps.items()),
                                   partly=all(g < 0.01 for g in gaps.values())))
setbacks = {k: v[0] for k, v in b2_rows.items()}
others = [v for k, v in setbacks.items() if k != (0.1, 0.01)]
mp = {k: v[2] for k, v in b2_rows.items()}
budget = int(b2[0]["iteration"][-1])
reached = any(v < budget for v in mp.values())
card.record("B.2", "η = 0.1 with γ = 0.01 learns unstably on ADD100",
            paper="panel A unstable; smaller η or γ more stable",
            ours=", ".join(f"(η={lr}, γ={g}): {s:.3f}" for (lr, g), s in setbacks.items()),
            verdict=claims.verdict(setbacks[(0.1, 0.01)] > max(others), partly=setbacks[(0.1, 0.01)] > min(others))
            if reached else "not testable",
            note="setback in decades of RMS" + ("" if reached else "; no run reached 0.05 RMS, so no learning to "
                                                                   "be unstable"))
card.record("B.2", "smaller η or γ makes learning slower",
            paper="lower η or γ: slower learning dynamics",
            ours=", ".join(f"(η={lr}, γ={g}): {m:.0f}" for (lr, g), m in mp.items()) + " iterations to MP",
            verdict=(claims.verdict(mp[(0.01, 0.01)] >= mp[(0.1, 0.01)] and mp[(0.1, 0.001)] >= mp[(0.1, 0.01)])
                     if reached else "not testable"),
            note="" if reached else "no run reached 0.05 RMS within the budget")
critical, subcritical = fm.FIG02_R[2], fm.FIG02_R[0]
falls = hessian_change[critical][1] < hessian_change[critical][0]
rises = hessian_change[subcritical][1] > hessian_change[subcritical][0]
card.record("B.3", "Hessian magnitudes fall during training when critical, rise when strongly subcritical",
            paper="panel C: decrease (critical); panel D: increase (strongly subcritical)",
            ours="; ".join(f"r={r}: {b:.2e} → {a:.2e}" for r, (b, a) in hessian_change.items()),
            verdict=claims.verdict(falls and rises, partly=falls or rises) if top_converged else "not testable",
            note="" if top_converged else "the largest Ritz value has not converged (or a network diverged)")
orth_learned = any(bool((fm.summary(run)["iterations"] < run["iteration"][-1]).any()) for run in b4_orth)
card.record("B.4D", "random orthogonal residuals perform like heterogeneous rotations",
            paper="similar accuracy over the first 7000 iterations",
            ours=", ".join(f"{k.replace('_', ' ')} {v:.1f} %" for k, v in orth_best.items()),
            verdict=(claims.verdict(abs(orth_best["orthogonal"] - orth_best["heterogeneous_rotation"]) < 5)
                     if orth_learned else "not testable"),
            note="" if orth_learned else "neither reached 50 % within the budget")
card

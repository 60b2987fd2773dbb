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
# # Fig 2, Tables 1 and 3 — EXODUS and SLAYER on DVS Gesture, SHD and SSC
#
# *EXODUS* (Bauer et al.), section 4, Fig 2, Tables 1–3.
#
# The paper trains the same feed-forward spiking networks with SLAYER's and with EXODUS's gradients, from
# the same initial weights and batches, on three neuromorphic data sets of increasingly temporal character:
# DVS Gesture (11 gestures from an event camera; a CNN 64×64×2-2c3-2p-4c3-2p-8c3-2p-16c3-11l, 300 steps of
# 5 ms, loss on the output summed over time), the Spiking Heidelberg Digits (SHD, 20 spoken digits from a
# cochlea model; 100-128-128-20, 250 steps, loss on the maximum over time) and the Spiking Speech Commands
# (SSC, 35 words; 100-128-128-35). All neurons are integrate-and-fire ($\alpha = 1$, threshold 1); Adam,
# learning rate $10^{-3}$, batch 32 (DVS) or 128. It reports, per data set:
#
# * **left**: validation accuracy over epochs at gradient scale 1 (3 runs): EXODUS converges faster and
#   higher (Table 1: 92.8 vs 87.8 % on DVS, 78.0 vs 70.6 % on SHD, 55.4 vs 40.1 % on SSC);
# * **centre**: the mean 2-norm of each layer's weight gradient for several gradient scales (the factor on
#   the surrogate): SLAYER's gradients explode towards the input unless the surrogate is scaled down,
#   EXODUS's stay stable; only very small scales make both vanish;
# * **right** and Table 3: the time per epoch of EXODUS, SLAYER and BPTT on a GPU (EXODUS 2.57–10.67× faster
#   than BPTT).
#
# **Data.** No package ships these data sets. The loader (`stablegrad.tasks.neuromorphic.load`, through
# tonic) reads them from `$STABLEGRAD_DATA` (default `~/.stablegrad/data`); when they are absent it prints
# where to download them and falls back to a small **synthetic stand-in written in the real file format**
# and read through the same tonic path. On the stand-in, accuracies say nothing about the paper's claims and
# are marked *not testable*; gradient norms and timings are properties of the network and the backward pass
# and are reported, with the data they were measured on.
#
# **Scale.** `book` trains for a fraction of the paper's epochs (SHD 30, SSC 20, DVS 6 instead of 200, 200,
# 100), on subsets for DVS, with fewer seeds; `paper` restores Table 2's epochs and 3 seeds. The SLAYER here is
# the library's: EXODUS's backward pass with the reset term left out, on the same forward pass — not
# slayerPytorch, whose CUDA kernels the paper timed. Timings are CPU times of this machine.

# %% tags=["parameters"]
scale = "book"
seed = 0
device = "cpu"

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from stablegrad import claims, plotting
from stablegrad.experiments import exodus as ex

plotting.use_style()
TASKS = ("dvs_gesture", "shd", "ssc")
NAMES = {"dvs_gesture": "DVS Gesture", "shd": "SHD", "ssc": "SSC"}
results = {task: ex.fig02(task, scale, seed=seed, device=device) for task in TASKS}
for task, r in results.items():
    kind = "STAND-IN (synthetic, real file format)" if r["standin"] else "real data"
    print(f"{NAMES[task]}: {kind}, {r['train']} training / {r['val']} validation samples, {r['config']}")
    if r["message"]:
        print("   ", r["message"].strip().replace("\n", "\n    "))

# %% tags=["hide-input", "remove-output"]
STYLE = {"exodus": dict(color=plotting.PALETTE[0], ls="-"), "slayer": dict(color=plotting.PALETTE[1], ls="--"),
         "bptt": dict(color=plotting.PALETTE[2], ls=":")}
fig, axes = plotting.figure(3, 3, width=3.6, height=2.6)
for row, task in enumerate(TASKS):
    r = results[task]
    ax = axes[row, 0]
    for method in ("exodus", "slayer"):
        acc = torch.stack([c["accuracy"] for c in r["curves"][method]]).numpy() * 100
        epochs = np.arange(1, acc.shape[1] + 1)
        ax.plot(epochs, acc.mean(0), marker="o", ms=3, label=method.upper(), **STYLE[method])
        if len(acc) > 1:
            ax.fill_between(epochs, acc.min(0), acc.max(0), color=STYLE[method]["color"], alpha=0.2)
    ax.set_ylabel(f"{NAMES[task]}\nvalidation accuracy (%)" + ("\n[stand-in data]" if r["standin"] else ""))
    ax.set_xlabel("epoch")
    ax.legend()
    ax = axes[row, 1]
    scales = r["config"]["scales"]
    layers = r["norms"][("exodus", scales[0])].shape[1]
    for method in ("exodus", "slayer"):
        for k, s in enumerate(scales):
            norm = r["norms"][(method, s)].mean(0).numpy()
            ax.plot(np.arange(1, layers + 1), np.where(norm > 0, norm, np.nan), marker="o", ms=3,
                    color=STYLE[method]["color"], ls=STYLE[method]["ls"], alpha=0.35 + 0.65 * (k + 1) / len(scales),
                    label=f"{method.upper()}, scale {s:g}")
    ax.set_yscale("log")
    ax.set_xticks(range(1, layers + 1))
    ax.set_xlabel("weight layer (1 = input)")
    ax.set_ylabel("mean ‖∂L/∂W‖₂")
    ax.legend(fontsize=6, ncol=2)
    ax = axes[row, 2]
    seconds = {m: float(r["timing"][m].mean()) for m in ("exodus", "slayer", "bptt")}
    bars = ax.bar([m.upper() for m in seconds], list(seconds.values()),
                  color=[STYLE[m]["color"] for m in seconds])
    ax.bar_label(bars, fmt="%.2g s", fontsize=7)
    ax.set_ylabel("time per epoch (s, CPU)")
for ax, letter in zip(axes[0], "ABC"):
    plotting.panel_label(ax, letter)
fig.suptitle(f"EXODUS vs SLAYER, IF networks of Table 2 [scale: {scale}]")
fig.set_layout_engine("constrained")
plotting.show(fig, "ex-fig02-table01-03")

# %% [markdown]
# ```{glue:figure} ex-fig02-table01-03
# :name: ex-fig02-table01-03
#
# **Fig 2.** Rows: DVS Gesture, SHD, SSC. A: validation accuracy at gradient scale 1 (mean and range over
# seeds; SHD and DVS Gesture have no validation split, so, as is usual for them, this is the test split).
# B: 2-norm of each weight layer's gradient averaged over the batches of the first training epochs (the
# `scale_epochs` printed above; layer 1 is the input layer; fainter lines are smaller gradient scales; a
# missing point is an exactly zero gradient). C: time of the training steps of an epoch on this machine's
# CPU, the three backward passes run back to back on the same data and initial weights.
# ```

# %%
PAPER_ACC = {"dvs_gesture": ((92.8, 2.2), (87.8, 3.0)), "shd": ((78.01, 0.2), (70.58, 1.9)),
             "ssc": ((55.41, 0.4), (40.1, 0.8))}
PAPER_SECONDS = {"dvs_gesture": (33.4, 42.5, 152.1), "shd": (15.7, 16.1, 40.4), "ssc": (26.0, 68.2, 408.3)}
table = ["| Data | EXODUS acc. (%) | SLAYER acc. (%) | paper EXODUS | paper SLAYER | EXODUS s/epoch | SLAYER s/epoch "
         "| BPTT s/epoch | speed-up vs BPTT (EXODUS, SLAYER) | paper speed-up |", "|" + "---|" * 10]
summary = {}
for task in TASKS:
    r = results[task]
    best = {m: np.array([float(c["accuracy"].max()) * 100 for c in r["curves"][m]]) for m in ("exodus", "slayer")}
    seconds = {m: float(r["timing"][m].mean()) for m in ("exodus", "slayer", "bptt")}
    speedup = {m: seconds["bptt"] / seconds[m] for m in ("exodus", "slayer")}
    p_ex, p_sl = PAPER_ACC[task]
    p_s = PAPER_SECONDS[task]
    summary[task] = dict(best=best, seconds=seconds, speedup=speedup)
    table.append(f"| {NAMES[task]}{' (stand-in)' if r['standin'] else ''} | {best['exodus'].mean():.1f} ± "
                 f"{best['exodus'].std():.1f} | {best['slayer'].mean():.1f} ± {best['slayer'].std():.1f} | "
                 f"{p_ex[0]} ± {p_ex[1]} | {p_sl[0]} ± {p_sl[1]} | {seconds['exodus']:.3g} | {seconds['slayer']:.3g} | "
                 f"{seconds['bptt']:.3g} | {speedup['exodus']:.2f}×, {speedup['slayer']:.2f}× | "
                 f"{p_s[2] / p_s[0]:.2f}×, {p_s[2] / p_s[1]:.2f}× |")
from IPython.display import Markdown  # noqa: E402

Markdown("\n".join(table))

# %% [markdown]
# **Tables 1 and 3.** Best validation accuracy (mean ± standard deviation over seeds), time per epoch and
# speed-up against BPTT, next to the paper's numbers (its times were measured on an NVIDIA GeForce 1080 Ti
# with slayerPytorch's kernels for SLAYER; ours on this CPU with the library's three backward passes on one
# forward pass). The paper's speed-ups are computed from its Table 3; for SSC that gives 15.7×, while its
# Table 1 and text say 10.67× (the other five ratios agree between the two tables), so the SSC figure of the
# paper is uncertain.
#
# ## Paper vs this book
#
# Criteria, fixed before the runs. *Accuracy* (per data set; only on real data): reproduced if EXODUS's mean
# best accuracy exceeds SLAYER's by more than the larger of the two standard deviations over at least two
# seeds, partly if it is higher at all; on the stand-in, not testable. *Gradients explode towards the input with SLAYER, not with
# EXODUS* (gradient scale 1): with $\rho$ = norm of the input layer's gradient / norm of the last layer's
# (over the layers whose gradient is not zero), reproduced if $\rho_\mathrm{SLAYER} \geq 10\,\rho_\mathrm{EXODUS}$
# and $\rho_\mathrm{EXODUS} \leq 10$ on every data set, partly on some. *Both vanish at very small scales*:
# reproduced if at the smallest scale both methods' input-layer norms are below a tenth of EXODUS's at scale 1
# on every data set. *EXODUS is faster than BPTT*: reproduced if its time per epoch is lower on every data set,
# with the factor reported next to the paper's (different hardware).

# %% tags=["hide-input"]
card = claims.Scorecard("exodus/fig02_table01_03_classification", scale)
for task in TASKS:
    r, s = results[task], summary[task]
    ex_best, sl_best = s["best"]["exodus"], s["best"]["slayer"]
    gap = ex_best.mean() - sl_best.mean()
    card.record(
        f"Table 1, {NAMES[task]}",
        f"{NAMES[task]}: EXODUS reaches a higher validation accuracy than SLAYER (gradient scale 1)",
        paper=f"{PAPER_ACC[task][0][0]} ± {PAPER_ACC[task][0][1]} vs {PAPER_ACC[task][1][0]} ± {PAPER_ACC[task][1][1]} %",
        ours=f"{ex_best.mean():.1f} ± {ex_best.std():.1f} vs {sl_best.mean():.1f} ± {sl_best.std():.1f} % "
             f"({len(ex_best)} seed{'s' if len(ex_best) > 1 else ''}, {r['config']['epochs']} epochs, {r['train']} training samples"
             f"{', synthetic stand-in data' if r['standin'] else ''})",
        verdict="not testable" if r["standin"] else claims.verdict(
            len(ex_best) >= 2 and gap > max(ex_best.std(), sl_best.std()), partly=gap > 0),
        note="the real data set was not available to this run" if r["standin"] else "",
    )


def input_to_output(norms):
    """Norm of the input layer's gradient over the last non-zero layer's."""
    n = norms.mean(0).numpy()
    nonzero = np.nonzero(n)[0]
    return n[0] / n[nonzero[-1]]


rho = {task: {m: input_to_output(results[task]["norms"][(m, 1.0)]) for m in ("exodus", "slayer")} for task in TASKS}
for task in TASKS:
    skipped = {m: int(sum(c["skipped"].sum() for c in results[task]["curves"][m])) for m in ("exodus", "slayer")}
    print(f"{NAMES[task]}: steps skipped for a non-finite gradient at scale 1: {skipped}")
explode = {task: rho[task]["slayer"] >= 10 * rho[task]["exodus"] and rho[task]["exodus"] <= 10 for task in TASKS}
card.record(
    "2 centre",
    "at gradient scale 1 SLAYER's weight gradients grow towards the input layer, EXODUS's stay stable",
    paper="SLAYER's explode towards the input unless the surrogate is scaled down; EXODUS's mostly stable",
    ours="; ".join(f"{NAMES[t]}: ρ = {rho[t]['slayer']:.3g} (SLAYER) vs {rho[t]['exodus']:.3g} (EXODUS)" for t in TASKS),
    verdict=claims.verdict(all(explode.values()), partly=any(explode.values())),
    note="ρ = input-layer over last-layer gradient norm; measured on "
         + ("stand-in inputs" if any(results[t]["standin"] for t in TASKS) else "the real data sets"),
)
vanish = {}
for task in TASKS:
    r = results[task]
    smallest = min(r["config"]["scales"])
    reference = float(r["norms"][("exodus", 1.0)].mean(0)[0])
    vanish[task] = (smallest, {m: float(r["norms"][(m, smallest)].mean(0)[0]) / reference for m in ("exodus", "slayer")})
card.record(
    "2 centre",
    "only for very small gradient scales do the gradients of both methods vanish",
    paper="stated for the smallest scales shown",
    ours="; ".join(f"{NAMES[t]} at scale {v[0]:g}: input-layer norm / EXODUS's at 1 = {v[1]['exodus']:.2g} (EXODUS), "
                   f"{v[1]['slayer']:.2g} (SLAYER)" for t, v in vanish.items()),
    verdict=claims.verdict(all(max(v[1].values()) < 0.1 for v in vanish.values()),
                           partly=any(max(v[1].values()) < 0.1 for v in vanish.values())),
)
faster = {task: summary[task]["speedup"]["exodus"] for task in TASKS}
card.record(
    "Table 1, 3",
    "EXODUS trains faster per epoch than BPTT",
    paper="2.57× (SHD), 10.67× (SSC; 15.7× from its Table 3), 4.55× (DVS) on a GPU",
    ours=", ".join(f"{faster[t]:.2f}× ({NAMES[t]})" for t in TASKS) + " on this CPU",
    verdict=claims.verdict(all(f > 1 for f in faster.values()), partly=any(f > 1 for f in faster.values())),
    note="time of the training steps of an epoch, the three backward passes back to back in one process",
)
card.record(
    "Table 3",
    "EXODUS is faster per epoch than SLAYER",
    paper="15.7 vs 16.1 s (SHD), 26.0 vs 68.2 s (SSC), 33.4 vs 42.5 s (DVS)",
    ours=", ".join(f"{summary[t]['seconds']['slayer'] / summary[t]['seconds']['exodus']:.2f}× ({NAMES[t]})"
                   for t in TASKS),
    verdict="not testable",
    note="the paper timed slayerPytorch's CUDA kernels; here SLAYER is EXODUS's own scan without the reset term, "
         "so the two cost the same by construction",
)
card

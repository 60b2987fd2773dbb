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
# # Fig 3 — dampening, sharpness and tail fatness
#
# *Surrogate gradients design* (Herranz-Celotti & Rouat), §3.2, Fig 3.
#
# An ALIF network on spike-latency MNIST, trained with each of six surrogate shapes while the dampening
# $\gamma$ (height) varies at sharpness 1, and while the sharpness $s$ (inverse width) varies at dampening 1;
# and with the $q$-PseudoSpike surrogate while its tail fatness $q$ varies ($q = 2$ is the fast sigmoid's
# derivative, $q \to \infty$ the exponential). The paper finds that **dampenings above 1 hurt** (low dampening
# is preferred by every shape, optimum near 0.8; the fast sigmoid and the rectangular lose nothing at higher
# dampening), that **sharpness above 1 helps**, and that the tail has a complex effect with **an optimum at
# $q = 1.05$** (means over 4 seeds).
#
# **Scale.** At `book` scale each run trains on 3000 real sl-MNIST images for 8 epochs (one seed) and
# validates on 1000 (best validation accuracy over the epochs, as the authors' code reports); the neurons start
# from the authors' constants (see Fig 2's page); dampening takes 0.5, 1 and 1.5, sharpness 1 and 1.5, and $q$
# five of the paper's ten values. That is early training: accuracies are far below the paper's and differences
# between neighbouring settings are within seed noise, so the verdicts below ask for the direction of an
# effect across shapes, not
# for the paper's optimum. `scale="paper"` runs the paper's grids.

# %% tags=["parameters"]
scale = "book"
seed = 0
device = "cpu"
workers = 2  # processes running cells side by side (one core each)

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown

from stablegrad import claims, plotting
from stablegrad.experiments import surrogate_design as sd

plotting.use_style()
configs = sd.fig03_configs(scale)
runs = sd.grid(configs, seed=seed, scale=scale, device=device, workers=workers)
sweep = sd.FIG03[scale]
best = {}  # (shape, dampening, sharpness, q) -> best validation accuracy over the epochs
for c, r in zip(configs, runs):
    best[(c["shape"], c.get("dampening", 1.0), c.get("sharpness", 1.0), c.get("q"))] = 100 * r["accuracy"].max().item()
sizes = {**sd.SIZES[scale]["sl_mnist"], "epochs": sweep["epochs"]}
print(f"sl-MNIST at {scale} scale: {sizes}")


def accuracy(shape, dampening=1.0, sharpness=1.0):
    return best.get((shape, dampening, sharpness, None), np.nan)


# %% tags=["hide-input", "remove-output"]
NAMES = sd.SHAPE_LABELS
COLOURS = dict(zip(sd.SHAPES, plotting.PALETTE))
dampenings = sorted(set(sweep["dampening"]))
sharpnesses = sorted(set(sweep["sharpness"]) | ({1.0} if 1.0 in dampenings else set()))
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), constrained_layout=True, sharey=True)
for shape in sd.SHAPES:
    axes[0].plot(dampenings, [accuracy(shape, dampening=d) for d in dampenings], "o-", color=COLOURS[shape],
                 label=NAMES[shape])
    axes[1].plot(sharpnesses, [accuracy(shape, sharpness=s) for s in sharpnesses], "o-", color=COLOURS[shape])
qs = sorted(sweep["q"])
axes[2].semilogx(qs, [best[("q_pseudospike", 1.0, 1.0, q)] for q in qs], "o-", color="k")
axes[2].axvline(2.0, color="grey", lw=0.8, ls=":")
axes[2].text(2.0, axes[2].get_ylim()[0], " q = 2: fast sigmoid", fontsize=8, va="bottom")
for ax, label in zip(axes, ("dampening γ (sharpness 1)", "sharpness s (dampening 1)", "tail fatness q (γ = s = 1)")):
    ax.set_xlabel(label)
axes[0].set_ylabel("best validation accuracy (%)")
axes[0].legend(fontsize=8)
fig.suptitle("Fig 3: ALIF on sl-MNIST")
plotting.show(fig, "sd-fig03")

# %% [markdown]
# ```{glue:figure} sd-fig03
# :name: sd-fig03
#
# **Fig 3.** Best validation accuracy of the ALIF network on sl-MNIST for each surrogate shape, against the
# surrogate's dampening (sharpness 1), its sharpness (dampening 1), and the tail fatness $q$ of the
# $q$-PseudoSpike ($q = 2$ is the fast sigmoid).
# ```

# %%
columns = [(f"γ = {d:g}", dict(dampening=d)) for d in dampenings] + [
    (f"s = {k:g}", dict(sharpness=k)) for k in sharpnesses if k != 1.0]
rows = ["| shape | " + " | ".join(name for name, _ in columns) + " |", "|---" * (1 + len(columns)) + "|"]
for shape in sd.SHAPES:
    rows.append(f"| {NAMES[shape]} | " + " | ".join(f"{accuracy(shape, **kw):.1f}" for _, kw in columns) + " |")
rows.append("")
rows.append("| q | " + " | ".join(f"{q:g}" for q in qs) + " |")
rows.append("|---" * (1 + len(qs)) + "|")
rows.append("| accuracy (%) | " + " | ".join(f"{best[('q_pseudospike', 1.0, 1.0, q)]:.1f}" for q in qs) + " |")
Markdown("\n".join(rows))

# %% [markdown]
# ## Verdicts
#
# Criteria, fixed before the runs (one seed, so a single comparison may flip with the seed):
# *low dampening preferred* — the smallest dampening beats the largest for at least four of the six shapes and
# on average (reproduced); on average only (partly). *High sharpness preferred* — the same test between the
# largest sharpness and sharpness 1. *Optimum at q = 1.05* — the best of our $q$ values, untied, is 1.0514
# (reproduced) or a neighbour of it in our grid (partly).

# %% tags=["hide-input"]
card = claims.Scorecard("surrogate_design/fig03_dampening_sharpness_tail", scale)


def record_direction(panel, claim, paper, compared, gain, note):
    """Reproduced when ``gain`` (accuracy points per shape) is positive for at least four of the six shapes
    and on average; partly when on average only."""
    mean = np.mean(list(gain.values()))  # NaN, and so not reproduced, when a run is missing
    card.record(
        panel, claim, paper=paper,
        ours=f"{compared}: " + ", ".join(f"{NAMES[s]} {g:+.1f}" for s, g in gain.items())
             + f" points (mean {mean:+.1f})",
        verdict=claims.verdict(sum(g > 0 for g in gain.values()) >= 4 and mean > 0, partly=mean > 0), note=note,
    )


low, high = min(dampenings), max(dampenings)
record_direction(
    "3 left", "lower dampening trains better: dampenings above 1 worsen accuracy",
    "accuracy falls with dampening above 1 (optimum near 0.8; fast sigmoid and rectangular flat)",
    f"γ = {low:g} minus γ = {high:g}",
    {s: accuracy(s, dampening=low) - accuracy(s, dampening=high) for s in sd.SHAPES},
    f"one seed, {sizes['epochs']} epochs on {sizes['train']} images",
)
sharp = max(sharpnesses)
record_direction(
    "3 centre", "sharpness above 1 improves accuracy", "accuracy rises with sharpness above 1",
    f"s = {sharp:g} minus s = 1", {s: accuracy(s, sharpness=sharp) - accuracy(s) for s in sd.SHAPES}, "one seed",
)
q_accuracy = [best[("q_pseudospike", 1.0, 1.0, q)] for q in qs]
winners = {q for q, a in zip(qs, q_accuracy) if a == max(q_accuracy)}  # several when tied
target = min(qs, key=lambda q: abs(q - 1.0514))
near = {qs[i] for i in range(len(qs)) if abs(i - qs.index(target)) <= 1}
card.record(
    "3 right", "the q-PseudoSpike's accuracy peaks at a fat tail, q = 1.05",
    paper="maximum at q = 1.05 (all q reasonable)",
    ours=f"best at q = {', '.join(f'{q:g}' for q in sorted(winners))} ({max(q_accuracy):.1f} %); "
         f"range {min(q_accuracy):.1f}–{max(q_accuracy):.1f} % over q in {', '.join(f'{q:g}' for q in qs)}",
    verdict=claims.verdict(winners == {target}, partly=len(winners) == 1 and winners <= near),
    note="one seed",
)
card

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
# # Tables 1–2 — informed heterogeneity and other architectures
#
# *Fading memory as inductive bias in residual recurrent networks* (Dubinin & Effenberger), §4.3–4.4, Tables 1–2.
#
# **Table 1** compares the best homogeneous WCRNN (the best $r I$ of Fig 3 or, on MNIST, the best rotation of
# Fig 4) with the *informed heterogeneous* WCRNN: residual = rotation × diagonal with $r_i \sim U[0.99, 1]$,
# $\varphi_i \sim U[0, \pi/4]$ and per-unit coupling $\gamma_i \sim U[0.005, 0.05]$. The paper finds them **on par**
# on every task. **Table 2** adds Elman networks with an identity residual and gradient clipping (Elman res+clip),
# Elman networks initialised with a weakly coupled residual (type B, residual trainable: Elman wc), the informed
# WCRNN without its tanh, and a PyTorch LSTM of 47 units (about 10k parameters, as the others); the UR-LSTM and S4
# rows are **quoted** from the paper, not run.
#
# Choices of this book (the paper names none): Elman res+clip has $x_{t+1} = x_t + \tanh(W x_t + S_t)$ (a WCRNN
# with $R = I$, $\gamma = 1$) and each member's gradient clipped to norm 1 per parameter array; Elman wc uses the
# informed residual and coupling, as WCRNN best.
#
# **Scale and data.** `book`: 2 instances, MNIST 600 and adding problems (lengths 100 and 200) 2000 iterations,
# sCIFAR10 200 iterations; the paper trains for 150–200 epochs. sCIFAR10 needs the CIFAR-10 files in
# `$STABLEGRAD_DATA` (see below); without them its column runs on a labelled stand-in and is *not testable*.

# %% tags=["parameters"]
scale = "book"
device = "cpu"
workers = 2  # processes running cells side by side (one core each)

# %%
import warnings

import numpy as np
from IPython.display import Markdown

from stablegrad import claims
from stablegrad.experiments import fading_memory as fm

# A network that diverged scores NaN; means over instances leave it out, and a setting whose every instance
# diverged has no mean (NaN, shown as a gap or "fail"), which numpy would otherwise warn about.
warnings.filterwarnings("ignore", "(Mean of empty slice|All-NaN slice encountered)", RuntimeWarning)

tables = fm.table_configs(scale)
runs = dict(zip(tables, fm.grid(list(tables.values()), scale=scale, device=device, workers=workers)))
TASKS = fm.TABLE_TASKS[scale]
homogeneous_configs = [c for c in fm.fig03_configs(scale) + fm.fig04_configs(scale) if c["task"] in TASKS]
homogeneous = fm.grid(homogeneous_configs, scale=scale, device=device, workers=workers)
standin = any(r["standin"] for r in runs.values())
if standin:
    print(next(r["message"] for r in runs.values() if r["standin"]))


def mean_best(run):
    return float(np.nanmean(fm.summary(run)["best"].numpy()))


def mean_mp(run):
    return float(fm.summary(run)["iterations"].mean())


def best_homogeneous(task):
    """The homogeneous run with the best mean score on ``task`` (highest accuracy or lowest RMS)."""
    candidates = [(c, r) for c, r in zip(homogeneous_configs, homogeneous) if c["task"] == task]
    sign = 1 if candidates[0][1]["metric"] == "accuracy" else -1
    return max(candidates, key=lambda cr: sign * np.nan_to_num(mean_best(cr[1]), nan=-np.inf * sign))


def fmt(value, metric):
    return "fail" if not np.isfinite(value) else f"{value:.1f}" if metric == "accuracy" else f"{value:.2e}"


# %% [markdown]
# ## Table 1 — best homogeneous vs informed heterogeneous WCRNN

# %%
PAPER_T1 = {"smnist": (96.05, 98.22, 200, 200), "psmnist": (92.66, 95.37, 2076, 1038),
            "add100": (2.0e-5, 4.6e-5, 9298, 8698), "add200": (5.1e-5, 3.3e-5, 2.4e4, 3.1e4),
            "add400": (1.5e-4, 3.1e-4, 7.4e4, 9.5e4), "add800": (9.1e-4, 19.1e-4, 2.9e5, 4.1e5)}
rows = ["| task | homogeneous (config) | heterogeneous | iters to MP hom. / het. | paper: hom. / het. | paper iters |",
        "|---|---|---|---|---|---|"]
table1 = {}
for task in [t for t in TASKS if t in PAPER_T1]:
    config, hom = best_homogeneous(task)
    het = runs[("WCRNN best", task)]
    metric = het["metric"]
    table1[task] = (mean_best(hom), mean_best(het), metric, bool((fm.summary(hom)["iterations"]
                                                                  < hom["iteration"][-1]).any()))
    setting = ", ".join(f"{k} = {v:.3g}" for k, v in config["residual"].items() if k != "kind")
    p = PAPER_T1[task]
    rows.append(f"| {task} | {fmt(mean_best(hom), metric)} ({config['residual']['kind']}, {setting}) | "
                f"{fmt(mean_best(het), metric)} | {mean_mp(hom):.0f} / {mean_mp(het):.0f} | "
                f"{fmt(p[0], metric)} / {fmt(p[1], metric)} | {p[2]:g} / {p[3]:g} |")
Markdown("\n".join(rows))

# %% [markdown]
# ## Table 2 — architectures (accuracy in %, RMS for the adding problems)

# %%
PAPER_T2 = {
    "Elman res+clip": {"smnist": 36.53, "psmnist": 78.59, "add100": 1.5e-5, "add200": 3.8e-5, "add400": np.inf,
                       "add800": np.inf, "scifar": 18.7},
    "Elman wc": {"smnist": 97.33, "psmnist": 92.98, "add100": 1.1e-3, "add200": 2.9e-3, "add400": 8.0e-2,
                 "add800": np.inf, "scifar": 38.49},
    "WCRNN best": {"smnist": 98.22, "psmnist": 95.37, "add100": 4.6e-5, "add200": 3.3e-5, "add400": 3.1e-4,
                   "add800": 1.9e-3, "scifar": 47.21},
    "WCRNN no tanh": {"smnist": 91.15, "psmnist": 90.11, "add100": np.inf, "add200": np.inf, "add400": np.inf,
                      "add800": np.nan, "scifar": 29.79},
    "LSTM": {"smnist": 93.3, "psmnist": 90.29, "add100": 1e-6, "add200": 1e-6, "add400": 2e-6, "add800": 6e-6,
             "scifar": 58.13},
}
QUOTED = {"UR-LSTM (quoted)": {"smnist": 99.28, "psmnist": 96.96, "scifar": 71.0},
          "S4 (quoted)": {"smnist": 99.63, "psmnist": 98.7, "scifar": 91.8}}
metric_of = {t: runs[(next(iter(fm.TABLE_MODELS)), t)]["metric"] for t in TASKS}
ours = {name: {t: mean_best(runs[(name, t)]) for t in TASKS} for name in fm.TABLE_MODELS}
head = "| network | " + " | ".join(t + (" (stand-in)" if t == "scifar" and standin else "") for t in TASKS) + " |"
rows = [head, "|---" * (len(TASKS) + 1) + "|"]
for name in fm.TABLE_MODELS:
    rows.append(f"| {name} | " + " | ".join(
        f"{fmt(ours[name][t], metric_of[t])} (paper {fmt(PAPER_T2[name][t], metric_of[t])})" for t in TASKS) + " |")
for name, values in QUOTED.items():
    rows.append(f"| {name} | " + " | ".join(fmt(values[t], metric_of[t]) if t in values else "–" for t in TASKS)
                + " |")
Markdown("\n".join(rows))

# %% [markdown]
# "fail" marks a network whose every evaluation diverged (the paper's "fail": it did not learn the task).
#
# ## Verdicts
#
# Criteria, fixed before the runs: **on par** (Table 1) — on each task the informed WCRNN's mean best score is
# at most 2 accuracy points below the best homogeneous one, or its RMS at most 2.5 times as large (the paper's own
# RMS gaps reach 2.3×); adding tasks count only where the homogeneous network reached MP, MNIST tasks only where
# one of the two learned (a best mean accuracy above 20 %, twice chance); reproduced on every counted task, partly
# on some. **Table 2 orderings** on sMNIST and psMNIST — Elman wc above Elman res+clip, the informed WCRNN above
# its version without tanh, and the informed WCRNN above the LSTM: each task counts only where one of the pair
# learned (two networks at chance are ordered by noise); reproduced on both tasks, partly on one. sCIFAR10 is
# judged only on the real data. (The learning conditions were added after the Fig 3 page's `book` runs, before
# this page's.) An ordering over a network that stayed at chance says the winner learned *faster* within our
# budget, not that it ends higher, which is what the paper compares after 150–200 epochs: such an ordering is at
# most *partly* reproduced; *reproduced* needs both networks to have learned on both tasks. (This condition was
# added after this page's `book` run, where the LSTM stayed at chance; it can only lower a verdict.)

# %% tags=["hide-input"]
card = claims.Scorecard("fading_memory/table01_02_architectures", scale)
counted = [t for t, (hom, het, metric, reached) in table1.items()
           if (metric == "accuracy" and max(hom, het) > fm.LEARNED_ACCURACY) or (metric == "rms" and reached)]


def on_par(task):
    hom, het, metric, _ = table1[task]
    return het >= hom - 2 if metric == "accuracy" else het <= 2.5 * hom


held = [on_par(t) for t in counted]
card.record("Table 1", "informed heterogeneity performs on par with the best homogeneous WCRNN",
            paper="98.22 vs 96.05 % (sMNIST), 95.37 vs 92.66 % (psMNIST), RMS within 2.3× on ADD",
            ours="; ".join(f"{t}: {fmt(table1[t][1], table1[t][2])} vs {fmt(table1[t][0], table1[t][2])}"
                           for t in counted),
            verdict=claims.verdict(all(held), partly=any(held)) if counted else "not testable",
            note="left out: adding tasks whose best homogeneous network did not reach MP, MNIST tasks where "
                 "neither network learned")
MNIST = [t for t in ("smnist", "psmnist") if t in TASKS]
for better, worse, what in (("Elman wc", "Elman res+clip", "the weakly coupled initialisation helps Elman networks"),
                            ("WCRNN best", "WCRNN no tanh", "the tanh non-linearity matters"),
                            ("WCRNN best", "LSTM", "the informed WCRNN beats an LSTM of the same size on MNIST")):
    learned = [t for t in MNIST if max(ours[better][t], ours[worse][t]) > fm.LEARNED_ACCURACY]
    both = [t for t in MNIST if min(ours[better][t], ours[worse][t]) > fm.LEARNED_ACCURACY]
    wins = [ours[better][t] > ours[worse][t] for t in learned]
    card.record("Table 2", what,
                paper="; ".join(f"{t}: {PAPER_T2[better][t]} vs {PAPER_T2[worse][t]} %" for t in MNIST),
                ours="; ".join(f"{t}: {ours[better][t]:.1f} vs {ours[worse][t]:.1f} %" for t in MNIST),
                verdict=claims.verdict(len(both) == len(MNIST) and all(wins), partly=any(wins)) if learned
                else "not testable",
                note=f"tasks where one of the two learned: {', '.join(learned) or 'none'}; "
                     f"where both did: {', '.join(both) or 'none'}")
if "scifar" in TASKS:
    order = sorted(fm.TABLE_MODELS, key=lambda n: -ours[n]["scifar"])
    card.record("Table 2", "on sCIFAR10 the LSTM leads and the informed WCRNN is the best non-gated network",
                paper="LSTM 58.13, WCRNN best 47.21, Elman wc 38.49, no tanh 29.79, Elman res+clip 18.7 %",
                ours=", ".join(f"{n} {ours[n]['scifar']:.1f}" for n in order),
                verdict="not testable" if standin else claims.verdict(
                    order[0] == "LSTM" and order[1] == "WCRNN best", partly=order[1] == "WCRNN best"),
                note="CIFAR-10 not available: synthetic stand-in" if standin else "")
card

"""House style for the book's figures and the few plotting patterns every paper uses."""
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["PALETTE", "against_delay", "band", "by_rank", "figure", "panel_label", "runs", "show", "use_style"]

# Colour-blind-safe (Okabe-Ito) order; the papers' blue/orange/green map onto the first three.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def use_style() -> None:
    """Apply the book's matplotlib style (also sets the colour cycle)."""
    mpl.rcParams.update({
        "figure.dpi": 110,
        "savefig.dpi": 150,
        "figure.constrained_layout.use": True,
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "legend.frameon": False,
        "lines.linewidth": 1.4,
    })


def band(ax, x, samples, *, color=None, label=None, q=(25, 75), center="median", alpha=0.25):
    """Plot the median (or mean) over axis 1 of ``samples`` ``(len(x), n)`` with a percentile band."""
    samples = np.asarray(samples)
    middle = np.median(samples, axis=1) if center == "median" else samples.mean(axis=1)
    low, high = np.percentile(samples, q, axis=1)
    (line,) = ax.plot(x, middle, color=color, label=label)
    ax.fill_between(x, low, high, color=line.get_color(), alpha=alpha, linewidth=0)
    return line


def by_rank(ax, values, converged, *, color=None, **style) -> None:
    """Magnitudes of the eigenvalue estimates ``values`` ``(members, m)`` against their rank on a log axis, a
    line per member; open circles mark the estimates that have not ``converged`` (same shape)."""
    magnitudes, loose = np.abs(np.asarray(values)), ~np.asarray(converged)
    ranks = np.arange(1, magnitudes.shape[1] + 1)
    for member, unsettled in zip(magnitudes, loose):
        ax.semilogy(ranks, member, color=color, **style)
        ax.plot(ranks[unsettled], member[unsettled], "o", mfc="none", ms=3, mew=0.6, color=color)


def panel_label(ax, letter: str) -> None:
    """Bold panel letter in the top-left corner, as in the papers' figures."""
    ax.text(-0.15, 1.05, letter, transform=ax.transAxes, fontweight="bold", fontsize=11, va="bottom")


def show(fig, name: str) -> None:
    """Show ``fig`` and register it as ``name`` for the book, whose ``{glue:figure}`` directive places it as a
    numbered figure with its caption (the figure cell's own output is removed from the page). Outside a
    notebook kernel it is only shown."""
    try:
        from IPython import get_ipython
        from myst_nb import glue
        in_kernel = get_ipython() is not None
    except ImportError:
        in_kernel = False
    if not in_kernel:
        plt.show()
        return
    glue(name, fig)
    plt.close(fig)


def figure(ncols: int, nrows: int = 1, width: float = 3.0, height: float = 2.5):
    """A grid of panels of the given size in inches."""
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)


def runs(ax, x, conditions: dict, *, center="median", log=False):
    """Per-run curves (thin) and their median or mean (thick) for each condition.

    ``conditions`` maps a label to ``(color, values)`` with ``values`` of shape ``(len(x), runs)``.
    """
    for label, (color, values) in conditions.items():
        values = np.asarray(values)
        middle = np.median(values, axis=1) if center == "median" else values.mean(axis=1)
        ax.plot(x, values, color=color, alpha=0.25, lw=0.5)
        ax.plot(x, middle, color=color, label=label)
    if log:
        ax.set_yscale("log")
    ax.legend()


def against_delay(ax, delays, conditions: dict, *, q=(20, 80), log=False):
    """Mean over runs against the delay, a percentile band and one dot per run, for each condition.

    ``conditions`` maps a label to ``(color, values)`` with ``values`` of shape ``(len(delays), runs)``.
    """
    delays = np.asarray(delays)
    for label, (color, values) in conditions.items():
        values = np.asarray(values)
        ax.plot(delays, values.mean(1), color=color, label=label, marker="o", ms=3)
        ax.fill_between(delays, *np.percentile(values, q, axis=1), color=color, alpha=0.2, lw=0)
        ax.plot(np.repeat(delays, values.shape[1]), values.ravel(), ".", color=color, alpha=0.4, ms=3)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("delay d")
    ax.legend()


def cost_sweeps(seconds: dict, sweeps: dict, exponent) -> tuple:
    """Log-log panels of measured seconds per epoch, one per sweep ``{name: (label, model exponent)}``,
    with the fitted ``exponent(seconds, name)`` and the model's slope (dashed) through the largest point."""
    fig, axes = figure(len(sweeps), width=2.3, height=2.3)
    for ax, (sweep, (label, model)) in zip(axes[0], sweeps.items()):
        x, t = np.array(list(seconds[sweep])), np.array(list(seconds[sweep].values()))
        ax.loglog(x, t, "o-", color=PALETTE[0], ms=4, label=f"measured, slope {exponent(seconds, sweep):.2f}")
        if model is not None:
            ax.loglog(x, t[-1] * (x / x[-1]) ** model, "--", color="0.5", label=f"model, slope {model:g}")
        ax.set_xticks(x, [str(v) for v in x], minor=False)
        ax.set_xticks([], minor=True)
        ax.set_xlabel(label)
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("seconds per epoch")
    return fig, axes

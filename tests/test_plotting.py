import matplotlib.pyplot as plt
import numpy as np

from stablegrad import plotting


def test_by_rank_marks_exactly_the_unconverged_estimates():
    values = np.array([[-4.0, 2.0, 1.0, 0.5], [3.0, -1.0, 0.2, 0.1]])
    converged = np.array([[True, True, False, False], [True, False, True, False]])
    fig, ax = plt.subplots()
    plotting.by_rank(ax, values, converged, color="k")
    lines, marks = ax.lines[0::2], ax.lines[1::2]
    for member in range(2):
        assert np.array_equal(lines[member].get_ydata(), np.abs(values[member]))
        assert np.array_equal(marks[member].get_xdata(), np.flatnonzero(~converged[member]) + 1)
        assert np.array_equal(marks[member].get_ydata(), np.abs(values[member][~converged[member]]))
    assert ax.get_yscale() == "log"
    plt.close(fig)

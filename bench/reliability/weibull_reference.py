"""Reference values for the Weibull fit of crates/domain/src/reliability (tests.rs).

Maximum-likelihood two-parameter Weibull (location fixed at 0) with right-censored units,
computed by SciPy's own fitter on the same data as the Rust tests. Rerun with:

    python3 -m venv /tmp/relvenv && /tmp/relvenv/bin/pip install scipy==1.17.1
    /tmp/relvenv/bin/python bench/reliability/weibull_reference.py

The optimizer is SciPy's default (Nelder-Mead, optimize.fmin) with tighter tolerances, so
the values are good to far better than the 1e-6 relative the tests ask.
"""

import numpy as np
import scipy
from scipy import optimize, stats


def tight_fmin(func, x0, args=(), disp=0):
    return optimize.fmin(func, x0, args=args, disp=disp, xtol=1e-12, ftol=1e-14,
                         maxiter=20000, maxfun=40000)


SETS = {
    # Ten failures, no unit running (days in service at failure).
    "uncensored": ([16.0, 34.0, 53.0, 75.0, 93.0, 120.0, 150.0, 191.0, 240.0, 339.0], []),
    # Five failures among 25 units: twenty still running at their current ages.
    "heavily_censored": (
        [45.0, 130.0, 210.0, 388.0, 512.0],
        [60.0, 95.0, 150.0, 180.0, 240.0, 300.0, 365.0, 400.0, 420.0, 450.0,
         500.0, 540.0, 600.0, 640.0, 700.0, 730.0, 800.0, 880.0, 950.0, 1000.0],
    ),
    # The least the fit accepts: three failures, two running.
    "small": ([20.0, 75.0, 300.0], [150.0, 400.0]),
}

print("scipy", scipy.__version__)
for name, (failed, running) in SETS.items():
    data = stats.CensoredData(uncensored=failed, right=running) if running else np.array(failed)
    c, loc, scale = stats.weibull_min.fit(data, floc=0, optimizer=tight_fmin)
    print(f"{name}: shape={c:.10f} scale={scale:.10f}")

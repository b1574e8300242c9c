"""Fixtures for the sensitivity tests of blocs (tests/it/salib.rs), computed by SALib.

Run from this directory with SALib 1.6.0, numpy 2.4.6, scipy 1.17.1 (Python 3.11):
    python make_fixtures.py
Every float is written with repr(), which round-trips exactly.

- sobol1_*: a first-order-only Saltelli design (SALib.sample.sobol, scrambled, seed 7),
  4 inputs on [0, 1], N = 128, output = Sobol's G function + 10 (a mean far from zero, the
  case where an estimator without centring goes wrong);
- sobol2_*: a second-order design, 3 inputs on [0, 1], N = 64, output = Ishigami on
  [-pi, pi]^3 + 10;
- *_r.csv: the bootstrap resample rows SALib draws with `seed=5` (np.random.default_rng(5)
  .integers(N, size=(N, R))), one resample per column, so the tests can check that blocs's
  resampled estimates give SALib's `*_conf` (= z_0.975 x their standard deviation);
- morris_*: SALib.sample.morris (4 levels, 20 trajectories, seed 3), 4 inputs on [0, 1],
  output = x0 + 2 x1^2 + x0 x2 + 3 sin(x3) + 50.
"""

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

R = 25


def write_matrix(name, m):
    with open(name, "w") as f:
        for row in np.atleast_2d(m):
            f.write(",".join(repr(float(v)) if not isinstance(v, (np.integer, int)) else str(int(v)) for v in row) + "\n")


def g_function(x):
    a = np.array([0.0, 1.0, 4.5, 9.0])
    return np.prod((np.abs(4 * x - 2) + a) / (1 + a), axis=1) + 10


def ishigami(x):
    x = -np.pi + 2 * np.pi * x
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0]) + 10


def sobol_case(name, d, n, f, second):
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0, 1]] * d}
    x = sobol_sample.sample(problem, n, calc_second_order=second, seed=7)
    y = f(x)
    si = sobol_analyze.analyze(problem, y, calc_second_order=second, num_resamples=R, seed=5)
    r = np.random.default_rng(5).integers(n, size=(n, R))
    write_matrix(f"{name}_x.csv", x)
    write_matrix(f"{name}_y.csv", y.reshape(-1, 1))
    write_matrix(f"{name}_r.csv", r.T)  # one resample per line
    with open(f"{name}_indices.csv", "w") as out:
        out.write("index,i,j,value,conf\n")
        for i in range(d):
            out.write(f"S1,{i},,{float(si['S1'][i])!r},{float(si['S1_conf'][i])!r}\n")
            out.write(f"ST,{i},,{float(si['ST'][i])!r},{float(si['ST_conf'][i])!r}\n")
        if second:
            for i in range(d):
                for j in range(i + 1, d):
                    out.write(f"S2,{i},{j},{float(si['S2'][i, j])!r},{float(si['S2_conf'][i, j])!r}\n")


def morris_case():
    d = 4
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0, 1]] * d}
    x = morris_sample.sample(problem, 20, num_levels=4, seed=3)
    y = x[:, 0] + 2 * x[:, 1] ** 2 + x[:, 0] * x[:, 2] + 3 * np.sin(x[:, 3]) + 50
    si = morris_analyze.analyze(problem, x, y, num_levels=4, num_resamples=R, seed=5)
    write_matrix("morris_x.csv", x)
    write_matrix("morris_y.csv", y.reshape(-1, 1))
    with open("morris_indices.csv", "w") as out:
        out.write("i,mu,mu_star,sigma\n")
        for i in range(d):
            out.write(f"{i},{float(si['mu'][i])!r},{float(si['mu_star'][i])!r},{float(si['sigma'][i])!r}\n")


with open("versions.txt", "w") as v:
    import platform, SALib, scipy
    from importlib.metadata import version
    v.write(f"SALib {version('SALib')}, numpy {np.__version__}, scipy {scipy.__version__}, Python {platform.python_version()}\n")

sobol_case("sobol1", 4, 128, g_function, False)
sobol_case("sobol2", 3, 64, ishigami, True)
morris_case()

"""The PRIM fixture of blocs's scenario discovery tests (tests/it/discover.rs), computed by
the EMA Workbench's prim (ema_workbench 2.5.3, numpy 2.4.6, pandas 3.1.1, scipy 1.17.1,
Python 3.11). Run from this directory: python make_fixture.py

x: 1500 points, 5 fields (uniform, a ~ (0, 1), b ~ (0, 0.05), c ~ (10, 20), d and e
   rounded to 2 decimals so that ties reach the quantiles), y = 1 where a > 0.55 and
   c < 16, flipped with probability 0.1 (seed 12).
Prim(x, y, threshold=0.8, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05), one
find_box(). Written: x.csv (with y), trajectory.csv (every box on the peeling and pasting
trajectory with its limits), qp.csv (quasi-p-values of every restricted field of every box).
"""

import numpy as np
import pandas as pd
from ema_workbench.analysis import prim

rng = np.random.default_rng(12)
n = 1500
x = pd.DataFrame(
    {
        "a": rng.uniform(0, 1, n),
        "b": rng.uniform(0, 0.05, n),
        "c": rng.uniform(10, 20, n),
        "d": np.round(rng.uniform(0, 1, n), 2),
        "e": np.round(rng.uniform(0, 1, n), 2),
    }
)
y = ((x["a"] > 0.55) & (x["c"] < 16)).to_numpy()
flip = rng.uniform(0, 1, n) < 0.1
y = np.where(flip, ~y, y).astype(int)

p = prim.Prim(x, y, threshold=0.8, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
box = p.find_box()

out = x.copy()
out["y"] = y
with open("x.csv", "w") as f:
    f.write(",".join(out.columns) + "\n")
    for row in out.itertuples(index=False):
        f.write(",".join(repr(float(v)) if i < 5 else str(int(v)) for i, v in enumerate(row)) + "\n")

t = box.peeling_trajectory
with open("trajectory.csv", "w") as f:
    cols = list(x.columns)
    f.write("id,n,k,coverage,density,mass,res_dim," + ",".join(f"{c}_lo,{c}_hi" for c in cols) + "\n")
    for i in range(len(t)):
        lims = box.box_lims[i]
        f.write(
            f"{i},{int(t['n'][i])},{int(t['k'][i])},{float(t['coverage'][i])!r},{float(t['density'][i])!r},"
            f"{float(t['mass'][i])!r},{int(t['res_dim'][i])},"
            + ",".join(f"{float(lims[c][0])!r},{float(lims[c][1])!r}" for c in cols)
            + "\n"
        )
with open("qp.csv", "w") as f:
    f.write("id,field,qp_lower,qp_upper\n")
    for i, qp in enumerate(box.qp):
        for field, (lo, hi) in qp.items():
            f.write(f"{i},{field},{float(lo)!r},{float(hi)!r}\n")

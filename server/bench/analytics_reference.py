#!/usr/bin/python3
"""The whole pair analysis of ANALYTICS.md done the way a user would with statsmodels / scipy /
pandas, timed: the yardstick `deno task bench analytics` compares the TypeScript with.

Usage: /usr/bin/python3 server/bench/analytics_reference.py INPUT.json
INPUT.json: {"base": [[timeUs, close], ...], "quote": [...], "runs": 3,
             "cases": [{"method": "OLS", "n": 20000}, ...],
             "windows": {"z": 60, "corr": 60, "hedge": 100, "kalmanDelta": 1e-4, "kalmanR": 1e-3}}
Each case analyses the first n bars of each leg. Printed on stdout, one JSON document:
{"versions": {...}, "cases": [{"method", "n", "ms": [per run], "result": {...}}]}.

One analysis = what the TypeScript `computePairAnalytics` does for LOG prices: the LOCF grid
(pandas concat + ffill), ln closes, the hedge ratio by the method, the spread, its rolling z-score,
the rolling correlation of log returns, adfuller on the spread, coint on the prices and the
half-life OLS. Library calls as ANALYTICS.md names them:
- OLS: sm.OLS; HUBER: sm.RLM(M=HuberT()); THEIL_SEN: scipy theilslopes(method="separate");
  ROLLING_OLS: statsmodels RollingOLS(...).fit(method="pinv"): the default "inv" solves raw normal
  equations and, on 100-second windows of 1s log prices that barely move, misses the product's
  (and pinv's) slopes by ~1e-7 relative, enough to change the spread's ADF lag.
- KALMAN: no library implements that parametrisation, so the recursion is written out with Python
  floats (faster than numpy for 2x2 matrices, whose per-call overhead dominates).
"""

import json
import math
import sys
import time
import warnings

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.api as sm
from scipy.stats import theilslopes
from statsmodels.regression.rolling import RollingOLS
from statsmodels.robust.norms import HuberT
from statsmodels.tsa.stattools import adfuller, coint

warnings.simplefilter("ignore")


def pair_grid(base, quote):
    """Every bucket where either symbol has a bar, from the first where both have had one, LOCF."""
    y = pd.Series(base[:, 1], index=base[:, 0].astype(np.int64))
    x = pd.Series(quote[:, 1], index=quote[:, 0].astype(np.int64))
    frame = pd.concat({"y": y, "x": x}, axis=1).sort_index().ffill().dropna()
    return frame.y.to_numpy(), frame.x.to_numpy()


def kalman_innovations(y, x, delta, r):
    """ANALYTICS.md: theta = (beta, alpha) random walk, Q = delta/(1-delta) I, theta_0 = 0, P_0 = I."""
    q = delta / (1 - delta)
    beta = alpha = 0.0
    p00, p01, p11 = 1.0, 0.0, 1.0
    n = len(y)
    betas = np.empty(n)
    innovations = np.empty(n)
    for t, (yt, xt) in enumerate(zip(y.tolist(), x.tolist())):
        a00, a01, a11 = p00 + q, p01, p11 + q
        e = yt - (beta * xt + alpha)
        # P- H' with H = [x, 1]
        g0 = a00 * xt + a01
        g1 = a01 * xt + a11
        s = g0 * xt + g1 + r
        k0, k1 = g0 / s, g1 / s
        beta += k0 * e
        alpha += k1 * e
        # P = P- - K H P-, and H P- = (g0, g1)
        p00, p01, p11 = a00 - k0 * g0, a01 - k0 * g1, a11 - k1 * g1
        betas[t] = beta
        innovations[t] = e
    return betas, innovations


def analyse(base, quote, method, windows):
    close_y, close_x = pair_grid(base, quote)
    y = np.log(close_y)
    x = np.log(close_x)
    exog = sm.add_constant(x, has_constant="add")
    if method in ("OLS", "HUBER", "THEIL_SEN"):
        ols = sm.OLS(y, exog).fit()
        intercept, slope = ols.params
        if method == "HUBER":
            intercept, slope = sm.RLM(y, exog, M=HuberT()).fit().params
        elif method == "THEIL_SEN":
            fit = theilslopes(y, x, method="separate")
            intercept, slope = fit.intercept, fit.slope
        spread = y - (intercept + slope * x)
        hedge_ratio = slope
    elif method == "ROLLING_OLS":
        params = np.asarray(RollingOLS(y, exog, window=windows["hedge"]).fit(method="pinv").params)
        spread = y - (params[:, 0] + params[:, 1] * x)
        hedge_ratio = params[-1, 1]
    elif method == "KALMAN":
        betas, spread = kalman_innovations(y, x, windows["kalmanDelta"], windows["kalmanR"])
        hedge_ratio = betas[-1]
    else:
        raise ValueError(f"unknown hedge method {method}")
    s = pd.Series(spread)
    zscore = (s - s.rolling(windows["z"]).mean()) / s.rolling(windows["z"]).std()
    returns_y = pd.Series(np.log(close_y)).diff()
    returns_x = pd.Series(np.log(close_x)).diff()
    correlation = returns_y.rolling(windows["corr"]).corr(returns_x)
    present = s.dropna().to_numpy()
    adf = adfuller(present, regression="c", autolag="AIC")
    eg = coint(y, x, trend="c", method="aeg", autolag="aic")
    b = sm.OLS(np.diff(present), sm.add_constant(present[:-1], has_constant="add")).fit().params[1]
    half_life = -math.log(2) / math.log(1 + b) if -1 < b < 0 else None
    return {
        "n": len(y),
        "hedgeRatio": finite(hedge_ratio),
        "adfStatistic": finite(adf[0]),
        "adfUsedLag": int(adf[2]),
        "cointegrationStatistic": finite(eg[0]),
        "halfLifeBars": finite(half_life),
        "lastZscore": finite(zscore.iloc[-1]),
        "lastCorrelation": finite(correlation.iloc[-1]),
    }


def finite(value):
    """A JSON number, or null where pandas/statsmodels give NaN, inf or None (as the product does)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def main():
    with open(sys.argv[1]) as handle:
        request = json.load(handle)
    base_all = np.asarray(request["base"], dtype=float)
    quote_all = np.asarray(request["quote"], dtype=float)
    cases = []
    for case in request["cases"]:
        base = base_all[: case["n"]]
        quote = quote_all[: case["n"]]
        durations = []
        result = None
        for _ in range(request["runs"]):
            started = time.perf_counter()
            result = analyse(base, quote, case["method"], request["windows"])
            durations.append((time.perf_counter() - started) * 1000)
        cases.append({"method": case["method"], "n": case["n"], "ms": durations, "result": result})
    versions = {
        "python": sys.version.split()[0],
        "statsmodels": statsmodels.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }
    json.dump({"versions": versions, "cases": cases}, sys.stdout)


if __name__ == "__main__":
    main()

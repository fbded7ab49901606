"""Fit scikit-learn's diabetes data and print the fit, its diagnostics and predictions.

Run with ``python -m skbayes``.
"""

import time

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

from skbayes import BayesianLinearRegressor


def main():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=0
    )
    model = BayesianLinearRegressor(random_state=0)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    elapsed = time.perf_counter() - start

    diagnostics = model.diagnostics_
    print(
        f"Bayesian linear regression of disease progression on {X.shape[1]} features, "
        f"{len(X_train)} training rows."
    )
    print(
        f"NUTS: {diagnostics['num_chains']} chains x {diagnostics['num_draws']} draws "
        f"in {elapsed:.1f} s (compilation included)\n"
    )
    print("Posterior summary")
    print(model.summary(round_to=3).to_string())
    print("\nDiagnostics")
    print(
        f"  max r_hat {diagnostics['max_r_hat']:.4f}   "
        f"min bulk ESS {diagnostics['min_ess_bulk']:.0f}   "
        f"divergences {diagnostics['num_divergences']}"
    )
    n_draws = diagnostics["num_chains"] * diagnostics["num_draws"]
    print(
        f"  ESS is the number of independent draws that would estimate each mean "
        f"as well as these {n_draws} do;\n  it exceeds {n_draws} when successive "
        "NUTS draws are anticorrelated, as they often are here."
    )

    mean, std = model.predict(X_test, return_std=True)
    interval = model.predict_interval(X_test)
    print(
        f"\nPredictions on {len(X_test)} held-out rows (first 8): the posterior mean, "
        "and the sd and\n"
        f"{model.hdi_prob:.0%} HDI of a new observation there (the uncertainty of "
        "the coefficients plus the noise)"
    )
    print(f"  {'observed':>9} {'mean':>8} {'sd':>7} {'hdi low':>9} {'hdi high':>9}")
    for obs, m, s, (low, high) in zip(y_test[:8], mean, std, interval, strict=False):
        print(f"  {obs:9.1f} {m:8.1f} {s:7.1f} {low:9.1f} {high:9.1f}")
    inside = np.mean((y_test >= interval[:, 0]) & (y_test <= interval[:, 1]))
    print(
        f"\nHeld-out R^2 {model.score(X_test, y_test):.3f}; "
        f"{inside:.0%} of held-out observations inside their {model.hdi_prob:.0%} HDI."
    )


if __name__ == "__main__":
    main()

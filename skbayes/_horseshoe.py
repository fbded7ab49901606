"""Host side of the regularised horseshoe prior: kernel inputs and draws.

The horseshoe's funnel between each coefficient and its local scale defeats a
centred parameterisation, so its kernel samples non-centred coefficients and
evaluates the likelihood from the standardised Gram matrix ``V S**2 V'`` of the
design's decomposition instead of the whitened basis. Noise-scale handling is
shared with :mod:`_whitening`.
"""

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ._kernels import HorseshoeInputs

#: Ranges of the likelihood's precisions and of the slab scales, on the scale
#: of the data, that the horseshoe's float32 energy resolves.
_PRECISION_RANGE = (1e-12, 1e24)
_SLAB_RANGE = (1e-8, 1e8)


@dataclass(frozen=True)
class HorseshoeProblem:
    """The regularised horseshoe regression of one target, in float64.

    Attributes
    ----------
    gram : ndarray of shape (d, d)
        ``Q / sigma_ref**2`` over ``theta`` (intercept at the feature means,
        then standardised coefficients).
    theta_ols : ndarray of shape (d,)
    coef_loc, coef_scale : ndarray of shape (n_features,)
        Prior location and slab scale of the standardised coefficients.
    intercept_step : float
        Scale of the sampled intercept state (0 without intercept).
    intercept_direction : ndarray of shape (d,)
    intercept_loc, intercept_prec : float
    df, global_scale : float
    problem : WhitenedProblem
        The Normal-reference problem, for the noise scale and the layout.
    """

    gram: np.ndarray
    theta_ols: np.ndarray
    coef_loc: np.ndarray
    coef_scale: np.ndarray
    intercept_step: float
    intercept_direction: np.ndarray
    intercept_loc: float
    intercept_prec: float
    df: float
    global_scale: float
    problem: object

    def kernel_inputs(self, dim):
        """Float32 inputs of the horseshoe kernel, padded to ``dim`` directions.

        Raises
        ------
        ValueError
            If the settings put the inputs beyond what its float32 energy
            resolves: the horseshoe samples coefficients and scales directly,
            without the whitening that lets the other priors take any scale.
        """
        self._check_range()
        d = self.theta_ols.shape[0]
        offset = int(self.problem.fit_intercept)
        rows = slice(offset, offset + self.coef_loc.shape[0])

        def padded(values, fill=0.0):
            out = np.full(dim, fill)
            out[: values.shape[0]] = values
            return out.astype(np.float32)

        def on_coefficients(values, fill=0.0):
            out = np.full(d, fill)
            out[rows] = values
            return padded(out, fill)

        gram = np.zeros((dim, dim))
        gram[:d, :d] = self.gram
        intercept_mask = np.zeros(d)
        intercept_mask[:offset] = 1.0
        return HorseshoeInputs(
            gram=gram.astype(np.float32),
            theta_ols=padded(self.theta_ols),
            coef_mask=on_coefficients(np.ones_like(self.coef_loc)),
            coef_loc=on_coefficients(self.coef_loc),
            coef_scale=on_coefficients(self.coef_scale, 1.0),
            intercept_mask=padded(intercept_mask),
            intercept_step=np.float32(self.intercept_step),
            intercept_direction=padded(self.intercept_direction),
            intercept_loc=np.float32(self.intercept_loc),
            intercept_prec=np.float32(self.intercept_prec),
            df=np.float32(self.df),
            global_scale=np.float32(self.global_scale),
        )

    def _check_range(self):
        precision = np.append(np.abs(np.diag(self.gram)), self.intercept_prec)
        precision = precision[precision > 0]
        if precision.size and not (
            precision.max() <= _PRECISION_RANGE[1]
            and precision.min() >= _PRECISION_RANGE[0]
        ):
            raise ValueError(
                "coef_prior='horseshoe' cannot represent these data in its float32 "
                "energy: the likelihood's precision spans "
                f"{precision.min():.3g} to {precision.max():.3g} on the scale of the "
                "data. Check noise, intercept_prior_scale and sample_weight, or use "
                "another coef_prior."
            )
        slab = np.abs(self.coef_scale)
        if slab.size and not (
            slab.max() <= _SLAB_RANGE[1] and slab.min() >= _SLAB_RANGE[0]
        ):
            raise ValueError(
                "prior_scale is too extreme for coef_prior='horseshoe': on the scale "
                f"of the data its slab spans {slab.min():.3g} to {slab.max():.3g}, "
                f"outside [{_SLAB_RANGE[0]:.0e}, {_SLAB_RANGE[1]:.0e}]."
            )

    def unwhiten(self, x):
        """Intercept, coefficients, noise scale and horseshoe scales of kernel states.

        Parameters
        ----------
        x : ndarray of shape (..., n_states)
            Kernel states: zeta (dim), tau, log local scales (dim), log global
            scale, log slab variance.

        Returns
        -------
        intercept : ndarray of shape (...)
        coef : ndarray of shape (..., n_features)
        sigma : ndarray of shape (...)
        scales : dict of ndarray
            ``local_scale`` (..., n_features), ``global_scale`` and
            ``slab_scale`` (...).
        """
        x = np.asarray(x, dtype=np.float64)
        dim = (x.shape[-1] - 3) // 2
        problem = self.problem
        offset = int(problem.fit_intercept)
        n_features = self.coef_loc.shape[0]
        rows = slice(offset, offset + n_features)
        zeta = x[..., :dim]
        local = np.exp(x[..., dim + 1 : 2 * dim + 1][..., rows])
        global_ = self.global_scale * np.exp(x[..., 2 * dim + 1])
        slab2 = np.exp(x[..., 2 * dim + 2])
        shrunk = np.sqrt(
            slab2[..., None]
            * local**2
            / (slab2[..., None] + global_[..., None] ** 2 * local**2)
        )
        standardised = (
            self.coef_loc
            + self.coef_scale * global_[..., None] * shrunk * zeta[..., rows]
        )
        y_scale = problem.y_scale
        coef = standardised * (y_scale / problem.x_scale)
        if problem.fit_intercept:
            at_mean = self.theta_ols[0] + self.intercept_step * zeta[..., 0]
            intercept = y_scale * at_mean - coef @ problem.x_mean
        else:
            intercept = np.zeros(x.shape[:-1])
        sigma = y_scale * problem.sigma_ref * np.exp(problem.t_scale * x[..., dim])
        scales = {
            "local_scale": local,
            "global_scale": global_,
            "slab_scale": np.sqrt(slab2),
        }
        return intercept, coef, sigma, scales


def horseshoe_problem(design, prior, target, problem):
    """Build the horseshoe regression of one target.

    Parameters
    ----------
    design : DesignDecomposition
    prior : Prior
        With ``coef_prior="horseshoe"``.
    target : int
    problem : WhitenedProblem
        The same target whitened for the Normal reference prior.

    Returns
    -------
    horseshoe : HorseshoeProblem
    """
    # Everything in units of the target's scale, as in the whitened problem.
    y_scale = problem.y_scale
    to_theta = design.x_scale / y_scale
    eigvec, eigval = design.right_vectors, design.eigenvalues
    coef_ols = eigvec @ design.least_squares(target)
    coef_gram = (eigvec * eigval) @ eigvec.T
    n_features = design.n_features
    if design.fit_intercept:
        gram = scipy.linalg.block_diag(design.n_obs, coef_gram)
        theta_ols = np.concatenate([[design.y_mean[target] / y_scale], coef_ols])
        offset = (
            np.zeros(n_features)
            if prior.intercept_centred
            else design.x_mean / design.x_scale
        )
        direction = np.concatenate([[1.0], -offset])
        intercept_step = problem.sigma_ref / np.sqrt(design.n_obs)
    else:
        gram, theta_ols = coef_gram, coef_ols
        direction, intercept_step = np.zeros(n_features), 0.0
    intercept_prec = 0.0
    if design.fit_intercept and prior.intercept_scale is not None:
        intercept_prec = (y_scale / prior.intercept_scale) ** 2
    return HorseshoeProblem(
        gram=gram * (1.0 / problem.sigma_ref) ** 2,
        theta_ols=theta_ols,
        coef_loc=prior.coef_loc * to_theta,
        coef_scale=prior.coef_scale * to_theta,
        intercept_step=intercept_step,
        intercept_direction=direction,
        intercept_loc=prior.intercept_loc / y_scale,
        intercept_prec=intercept_prec,
        df=prior.coef_df,
        global_scale=prior.global_scale,
        problem=problem,
    )

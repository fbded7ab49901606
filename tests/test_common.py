from sklearn.utils.estimator_checks import parametrize_with_checks

from skbayes import BayesianLinearRegressor


@parametrize_with_checks(
    [BayesianLinearRegressor(), BayesianLinearRegressor(likelihood="student_t")]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)

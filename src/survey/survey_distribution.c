/*
 * survey_distribution.c — normal and Student t quantiles and tails to full
 * double precision, so that intervals agree with R's qnorm() and qt().
 *
 * Normal quantile: Acklam's rational approximation (relative error 1e-9)
 * refined by one Halley step on erfc(), which brings it to rounding error.
 * t tail: the regularized incomplete beta function, P(T > t) =
 * ½ I_{ν/(ν+t²)}(ν/2, ½), by its continued fraction (modified Lentz).
 * t quantile: exact for ν = 1 and 2; otherwise Newton's method on the tail,
 * started from the Cornish–Fisher expansion around the normal quantile.
 * Not here: other distributions, non-integer-safe special cases beyond these.
 */
#include <math.h>

#include "survey/survey_distribution.h"

double survey_normal_upper(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

double survey_normal_quantile(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
	                            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
	                            6.680131188771972e+01, -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
	                            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
	                            3.754408661907416e+00 };
	const double low = 0.02425;
	double x, q, r;

	if (isnan(p) || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	if (p < low) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p <= 1 - low) {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	} else {
		q = sqrt(-2 * log1p(-p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	/* One Halley step: e is the error of Φ(x), computed on the side where it is small. */
	double e = x < 0 ? 0.5 * erfc(-x / M_SQRT2) - p : (1 - p) - 0.5 * erfc(x / M_SQRT2);
	double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

/* The continued fraction of I_x(a, b) (modified Lentz); y = 1 − x. */
static double beta_fraction(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 100000; m++) {
		double aa = m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m));
		d = 1 + aa * d;
		c = 1 + aa / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		double step = d * c;
		h *= step;
		if (fabs(step - 1) < 1e-16)
			break;
	}
	return h;
}

/* The regularized incomplete beta function I_x(a, b), with y = 1 − x given
 * separately so that x near 1 loses no precision. */
static double incomplete_beta(double a, double b, double x, double y)
{
	if (x <= 0)
		return 0;
	if (y <= 0)
		return 1;
	double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_fraction(a, b, x) / a;
	return 1 - front * beta_fraction(b, a, y) / b;
}

double survey_t_upper(double t, double df)
{
	if (!(df > 0) || isnan(t))
		return NAN;
	if (isinf(t))
		return t > 0 ? 0 : 1;
	double t2 = t * t;
	double tail = 0.5 * incomplete_beta(df / 2, 0.5, df / (df + t2), t2 / (df + t2));
	return t >= 0 ? tail : 1 - tail;
}

static double t_density(double t, double df)
{
	return exp(lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * M_PI) -
	           (df + 1) / 2 * log1p(t * t / df));
}

double survey_t_quantile(double p, double df)
{
	if (!(df > 0) || isnan(p) || p < 0 || p > 1)
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	if (p == 0.5)
		return 0;
	if (p < 0.5)
		return -survey_t_quantile(1 - p, df);

	double tail = 1 - p, t;
	if (df == 1)
		return tan(M_PI * (p - 0.5));
	if (df == 2) {
		double q = 2 * p - 1;
		return q * sqrt(2 / ((1 - q) * (1 + q)));
	}
	double z = survey_normal_quantile(p), z2 = z * z;
	t = z + (z2 + 1) * z / (4 * df) + ((5 * z2 + 16) * z2 + 3) * z / (96 * df * df) +
	    (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / (384 * df * df * df);
	for (int i = 0; i < 100; i++) {
		double next = t + (survey_t_upper(t, df) - tail) / t_density(t, df);
		if (next <= 0)
			next = t / 2; /* stay on the side where the tail is below one half */
		if (fabs(next - t) <= 1e-15 * fabs(t)) {
			t = next;
			break;
		}
		t = next;
	}
	return t;
}

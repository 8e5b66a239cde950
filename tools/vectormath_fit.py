"""Derives the polynomial coefficients of Sources/WarblerTensor/VectorMath.swift: minimax fits
(in relative error of the final function) by Lawson's algorithm, an iteratively reweighted
least-squares fit on a Chebyshev-spaced grid whose weights converge to the minimax solution.
The reference values come from mpmath at 40 digits. Prints each fit's worst relative error (in
float32 ulps at 1, 2^-24) and the coefficients rounded to float32, lowest degree first.

    /work/venv/bin/python tools/vectormath_fit.py    (numpy, mpmath)

exp:  e^r = 1 + r + r^2 Q(r) on |r| <= ln2/2, Q of degree 4; weight r^2 / e^r.
tanh: tanh(x) = x + x^3 P(x^2) on |x| <= 0.875, P of degree 6 in t = x^2; weight t x / tanh(x).
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def lawson(f, weight, degree, lo, hi, points=4000, iterations=200):
    """Coefficients c (lowest degree first) minimising max |weight(x) (sum c_k x^k - f(x))|."""
    xs = [mp.mpf(lo) + (mp.mpf(hi) - lo) * (1 - mp.cos(mp.pi * k / (points - 1))) / 2 for k in range(points)]
    y = np.array([float(f(x)) for x in xs])
    w = np.array([float(weight(x)) for x in xs])
    xs = np.array([float(x) for x in xs])
    a = np.vander(xs, degree + 1, increasing=True)
    lw = np.full(points, 1.0 / points)
    for _ in range(iterations):
        sw = np.sqrt(lw) * w
        c, *_ = np.linalg.lstsq(a * sw[:, None], y * sw, rcond=None)
        err = np.abs((a @ c - y) * w)
        lw = lw * err
        lw /= lw.sum()
    return c, err.max()


def q_exp(r):
    return (mp.exp(r) - 1 - r) / r**2 if r != 0 else mp.mpf(1) / 2


def p_tanh(t):
    if t == 0:
        return -mp.mpf(1) / 3
    x = mp.sqrt(t)
    return (mp.tanh(x) / x - 1) / t


def main():
    half_ln2 = float(mp.log(2) / 2)
    c, e = lawson(q_exp, lambda r: r**2 / mp.exp(r), 4, -half_ln2, half_ln2)
    print(f"exp Q, degree 4: worst {e / 2**-24:.3f} ulp;", [repr(float(np.float32(v))) for v in c])
    c, e = lawson(p_tanh, lambda t: t * mp.sqrt(t) / mp.tanh(mp.sqrt(t)) if t > 0 else 0, 6, 0, 0.875**2)
    print(f"tanh P, degree 6: worst {e / 2**-24:.3f} ulp;", [repr(float(np.float32(v))) for v in c])


if __name__ == "__main__":
    main()

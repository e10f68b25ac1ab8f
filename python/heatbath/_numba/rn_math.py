# SPDX-License-Identifier: Apache-2.0
"""csrc/heatbath/rn_math.h in Numba: log, sin and cos from correctly rounded + - * / sqrt and fma only.

Bit for bit the C++ core: the same series, coefficients folded the same way (a quotient of exactly
representable doubles, rounded to double, then to float32 for the float32 variants), the same Horner
order, the same fused multiply-adds (LLVM's llvm.fma, rounded once on every target: vfmadd on the CPU,
fma.rn on the GPU, a correctly rounded libm call where the CPU has no FMA). Every constant is a
module-level np.float32/np.float64/np.uint64, never a Python literal, because Numba promotes float32
with a Python float to float64. No fastmath: it would let LLVM contract the other a*b+c into FMAs
and change the last bit.
"""
from __future__ import annotations

import numpy as np
from numba import njit
from numba.core import types
from numba.extending import intrinsic

# --- Bit reinterpretation --------------------------------------------------------------------------
# Numba has no scalar .view(); a bitcast intrinsic is one LLVM instruction on any target.

def _bitcast_codegen(src, dst):
    def codegen(context, builder, sig, args):
        value = context.cast(builder, args[0], sig.args[0], src)
        return builder.bitcast(value, context.get_value_type(dst))
    return codegen


@intrinsic
def _f32_bits(typingctx, x):
    if isinstance(x, types.Float):
        return types.uint32(x), _bitcast_codegen(types.float32, types.uint32)
    return None


@intrinsic
def _f32_from_bits(typingctx, b):
    if isinstance(b, types.Integer):
        return types.float32(b), _bitcast_codegen(types.uint32, types.float32)
    return None


@intrinsic
def _f64_bits(typingctx, x):
    if isinstance(x, types.Float):
        return types.uint64(x), _bitcast_codegen(types.float64, types.uint64)
    return None


@intrinsic
def _f64_from_bits(typingctx, b):
    if isinstance(b, types.Integer):
        return types.float64(b), _bitcast_codegen(types.uint64, types.float64)
    return None


@intrinsic
def _fma(typingctx, a, b, c):
    """a·b + c rounded once (rn::fma), for three floats of one type."""
    if isinstance(a, types.Float) and a == b == c:
        def codegen(context, builder, sig, args):
            return builder.fma(*args)
        return a(a, b, c), codegen
    return None


# --- Series coefficients, as rn_math.h folds them ---------------------------------------------------
# Quotients of exactly representable doubles, rounded once to double (Python's float division is
# correctly rounded, as is the C++ compiler's constant folding), then once more to float32.

def _factorial(n: int) -> float:
    return 1.0 if n <= 1 else n * _factorial(n - 1)  # int * double, exact below 2**53 like the C++


def _odd_inverse(k: int) -> float:  # 1 / (2k + 1): the atanh series of log
    return 1.0 / (2 * k + 1)


def _sin_coefficient(k: int) -> float:  # (-1)^k / (2k + 1)!
    return (-1.0 if k % 2 else 1.0) / _factorial(2 * k + 1)


def _cos_coefficient(k: int) -> float:  # (-1)^k / (2k)!
    return (-1.0 if k % 2 else 1.0) / _factorial(2 * k)


def _coefficients(coef, first, last, dtype):
    return tuple(dtype(coef(k)) for k in range(first, last + 1))


# Series<float>: log to s^8/9, sin to t^9/9!, cos to t^10/10!.
_LOG_F32 = _coefficients(_odd_inverse, 1, 4, np.float32)
_SIN_F32 = _coefficients(_sin_coefficient, 1, 4, np.float32)
_COS_F32 = _coefficients(_cos_coefficient, 1, 5, np.float32)
# Series<double>: log to s^20/21, sin to t^17/17!, cos to t^16/16!.
_LOG_F64 = _coefficients(_odd_inverse, 1, 10, np.float64)
_SIN_F64 = _coefficients(_sin_coefficient, 1, 8, np.float64)
_COS_F64 = _coefficients(_cos_coefficient, 1, 8, np.float64)

_ONE_F32 = np.float32(1.0)
_HALF_F32 = np.float32(0.5)
_MINUS_TWO_F32 = np.float32(-2.0)
_SQRT2_F32 = np.float32(1.4142135623730951)
_LN2_HI_F32 = np.float32(0.693359375)  # 355/512: e * ln2_hi is exact
_LN2_LO_F32 = np.float32(-2.1219444005469058e-04)
_TWO_M24_F32 = np.float32(5.9604644775390625e-08)
_QUARTER_PI_TWO_M24_F32 = np.float32(0.7853981633974483 * 5.9604644775390625e-08)

_ONE_F64 = np.float64(1.0)
_HALF_F64 = np.float64(0.5)
_MINUS_TWO_F64 = np.float64(-2.0)
_SQRT2_F64 = np.float64(1.4142135623730951)
_LN2_HI_F64 = np.float64(6.93147180369123816490e-01)  # 32 significant bits
_LN2_LO_F64 = np.float64(1.90821492927058770002e-10)
_TWO_M53_F64 = np.float64(1.1102230246251565e-16)
_QUARTER_PI_TWO_M52_F64 = np.float64(0.7853981633974483 * 2.220446049250313e-16)

_U1 = np.uint64(1)
_U2 = np.uint64(2)
_U3 = np.uint64(3)
_MASK32 = np.uint64(0xFFFFFFFF)
_F32_MANTISSA = np.uint64(0x007FFFFF)
_F32_ONE_BITS = np.uint64(0x3F800000)
_F64_MANTISSA = np.uint64(0x000FFFFFFFFFFFFF)
_F64_ONE_BITS = np.uint64(0x3FF0000000000000)
_ANGLE_MASK_F32 = np.uint64(0x00FFFFFF)
_ANGLE_MASK_F64 = np.uint64(0x000FFFFFFFFFFFFF)
_S6 = np.uint64(6)
_S9 = np.uint64(9)
_S10 = np.uint64(10)
_S12 = np.uint64(12)
_S23 = np.uint64(23)
_S30 = np.uint64(30)
_S32 = np.uint64(32)
_S52 = np.uint64(52)
_S62 = np.uint64(62)
_BIAS_F32 = np.int64(127)
_BIAS_F64 = np.int64(1023)
_TWO_24 = np.int64(1 << 24)
_TWO_52 = np.int64(1 << 52)


# --- rn_math.h ------------------------------------------------------------------------------------

@njit(cache=True)
def _horner(c, z):
    # c[0] + z (c[1] + z (... + z c[-1])): rn::horner's fused order, innermost coefficient first, each
    # step c[i] + z·acc one FMA.
    acc = c[len(c) - 1]
    for i in range(len(c) - 2, -1, -1):
        acc = _fma(z, acc, c[i])
    return acc


@njit(cache=True)
def log_positive_f32(x):
    """Natural log of a positive, normal, finite float32, as rn::log_positive<float>."""
    b = np.uint64(_f32_bits(x))
    e = np.int64(b >> _S23) - _BIAS_F32
    m = _f32_from_bits((b & _F32_MANTISSA) | _F32_ONE_BITS)  # [1, 2)
    high = m > _SQRT2_F32
    m = m * (_HALF_F32 if high else _ONE_F32)  # exact either way
    e += np.int64(high)  # a select, not a branch
    s = (m - _ONE_F32) / (m + _ONE_F32)
    z = s * s
    p = _horner(_LOG_F32, z)
    s2 = s + s
    log_m = _fma(s2 * z, p, s2)
    ef = np.float32(e)
    return _fma(ef, _LN2_HI_F32, _fma(ef, _LN2_LO_F32, log_m))


@njit(cache=True)
def log_positive_f64(x):
    """Natural log of a positive, normal, finite float64, as rn::log_positive<double>."""
    b = _f64_bits(x)
    e = np.int64(b >> _S52) - _BIAS_F64
    m = _f64_from_bits((b & _F64_MANTISSA) | _F64_ONE_BITS)  # [1, 2)
    high = m > _SQRT2_F64
    m = m * (_HALF_F64 if high else _ONE_F64)
    e += np.int64(high)  # a select, not a branch
    s = (m - _ONE_F64) / (m + _ONE_F64)
    z = s * s
    p = _horner(_LOG_F64, z)
    s2 = s + s
    log_m = _fma(s2 * z, p, s2)
    ef = np.float64(e)
    return _fma(ef, _LN2_HI_F64, _fma(ef, _LN2_LO_F64, log_m))


@njit(cache=True)
def sincos_reduced_f32(t):
    """(sin t, cos t) of a float32 |t| <= pi/4, as rn::sincos_reduced<float>."""
    z = t * t
    return _fma(t * z, _horner(_SIN_F32, z), t), _fma(z, _horner(_COS_F32, z), _ONE_F32)


@njit(cache=True)
def sincos_reduced_f64(t):
    """(sin t, cos t) of a float64 |t| <= pi/4, as rn::sincos_reduced<double>."""
    z = t * t
    return _fma(t * z, _horner(_SIN_F64, z), t), _fma(z, _horner(_COS_F64, z), _ONE_F64)

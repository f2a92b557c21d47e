#ifndef GENREKIT_VECTOR_KERNELS_H
#define GENREKIT_VECTOR_KERNELS_H
#include <stddef.h>

/// Lane-wise max and min of `count` (≥ 1) consecutive 16-float vectors starting at `v` (oneDNN's channel-blocked
/// `nChw16c` rows): `mx[l] = max_k v[16k + l]`, `mn[l] = min_k v[16k + l]`, with Swift's `max(a, b) = b >= a ? b : a`
/// and `min(a, b) = b < a ? b : a` taken in index order, so the values are those of the plain loop.
///
/// Compiled once per instruction set (AVX-512F, AVX2, baseline) and chosen when the library loads, so the
/// reduction runs 16 lanes per instruction where the CPU allows while the package still builds for any x86-64.
void genrekit_max_min_16(const float *v, ptrdiff_t count, float *mx, float *mn);

/// `out[k] = m·m` (float32) with `m = |z_k|` of the complex64 value `z_k = (float) re[k] + i·(float) im[k]` taken as
/// NumPy 2 takes it (GenreKitDSP's `numpyComplexMagnitude`): `a = max(|x|, |y|)`, `b = min(|x|, |y|)`,
/// `m = a · sqrt(fma(b/a, b/a, 1))` in float32, 0 when `a = 0`, infinity when `b` is infinite; the same values,
/// `count` of them at once (built per instruction set like ``genrekit_max_min_16``).
void genrekit_numpy_power(const double *re, const double *im, ptrdiff_t count, float *out);
#endif

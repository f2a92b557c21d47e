#include "vector_kernels.h"
#include <math.h>

// No fused multiply-adds but the one written: the values must be those of the Swift definitions, operation by operation.
#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

// sqrt and fma without errno handling, so the loops vectorise (the arguments here are ≥ 1 and finite).
#if defined(__has_builtin)
#if __has_builtin(__builtin_elementwise_sqrt) && __has_builtin(__builtin_elementwise_fma)
#define GENREKIT_SQRTF(x) __builtin_elementwise_sqrt(x)
#define GENREKIT_FMAF(a, b, c) __builtin_elementwise_fma(a, b, c)
#endif
#endif
#ifndef GENREKIT_SQRTF
#define GENREKIT_SQRTF(x) sqrtf(x)
#define GENREKIT_FMAF(a, b, c) fmaf(a, b, c)
#endif

#if defined(__x86_64__) && defined(__ELF__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define GENREKIT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef GENREKIT_CLONES
#define GENREKIT_CLONES
#endif

GENREKIT_CLONES
void genrekit_max_min_16(const float *v, ptrdiff_t count, float *mx, float *mn) {
    float a[16], b[16];
    for (int l = 0; l < 16; l++) { a[l] = v[l]; b[l] = v[l]; }
    for (ptrdiff_t k = 1; k < count; k++) {
        const float *p = v + 16 * k;
        for (int l = 0; l < 16; l++) {
            a[l] = p[l] >= a[l] ? p[l] : a[l];
            b[l] = p[l] < b[l] ? p[l] : b[l];
        }
    }
    for (int l = 0; l < 16; l++) { mx[l] = a[l]; mn[l] = b[l]; }
}

GENREKIT_CLONES
void genrekit_numpy_power(const double *re, const double *im, ptrdiff_t count, float *out) {
    for (ptrdiff_t k = 0; k < count; k++) {
        float x = fabsf((float)re[k]), y = fabsf((float)im[k]);
        float larger = y >= x ? y : x, smaller = y < x ? y : x;   // Swift's max(x, y), min(x, y)
        float ratio = smaller / larger;
        float m = larger * GENREKIT_SQRTF(GENREKIT_FMAF(ratio, ratio, 1.0f));
        m = larger == 0 ? 0.0f : (isinf(smaller) ? INFINITY : m);
        out[k] = m * m;
    }
}

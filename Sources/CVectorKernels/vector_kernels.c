#include "vector_kernels.h"

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

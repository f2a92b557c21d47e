#include <cblas.h>

/// OpenBLAS (pthreads build), exported by libopenblas but not declared in its headers:
/// stops the worker threads of its thread pool (the next threaded call starts them again) ...
int blas_thread_shutdown_(void);
/// ... and reads its OPENBLAS_* environment variables again (done once when the library loads).
void openblas_read_env(void);

// oneDNN's C API (Debian's libdnnl-dev): convolutions and bf16/int8 matrix products on the CPU.
#include <dnnl.h>

/* oneDNN (Debian's libdnnl-dev 2.6, OpenMP threading): the C API that WarblerTensor's CPU
   convolution is built on. Debian ships no pkg-config file, so the module map links it. */
#include <dnnl.h>

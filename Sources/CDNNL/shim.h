/* oneDNN (Debian's libdnnl-dev 2.6, OpenMP threading): the C API that WarblerTensor's CPU
   convolution is built on. Declarations only: the library is loaded when first called
   (CLazyLibraries), which also means Debian's missing pkg-config file does not matter. */
#include <dnnl.h>

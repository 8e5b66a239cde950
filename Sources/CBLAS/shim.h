/* OpenBLAS's CBLAS header (Debian's libopenblas-dev, found under the multiarch include folder).
   Declarations only: the library is loaded when first called (CLazyLibraries). Its own
   header also declares openblas_set_num_threads, openblas_get_num_threads and
   openblas_get_config. */
#include <openblas-pthread/cblas.h>

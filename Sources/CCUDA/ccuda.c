// The one helper CCUDA implements: the file a loaded symbol came from (dladdr is not visible
// to Swift on Linux). Every CUDA function itself is reached through a pointer that WarblerCUDA
// looks up with dlsym.
#define _GNU_SOURCE
#include <dlfcn.h>
#include "ccuda.h"

const char *ccuda_library_path(const void *symbol) {
    Dl_info info;
    if (symbol == NULL || dladdr(symbol, &info) == 0) return NULL;
    return info.dli_fname;
}

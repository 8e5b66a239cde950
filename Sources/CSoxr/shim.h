/* soxr, the resampler librosa's soxr_hq uses. Declarations only: the library is loaded when
   first called (CLazyLibraries), so files already at the target rate never load it. */
#include <soxr.h>

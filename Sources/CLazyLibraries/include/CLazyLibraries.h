/* oneDNN, OpenBLAS and soxr, loaded when first called instead of when the program starts.
 *
 * Most warbler commands never touch oneDNN or OpenBLAS, and a file at the model's rate needs no
 * resampler; loading them cost every process a few milliseconds (relocations; their
 * dependencies libgomp, libgfortran and libOpenCL; OpenBLAS's thread pool, which starts at load
 * time). Loading libgomp late also lets the program set GOMP_SPINCOUNT for it before it reads
 * its environment (ThreadPolicy.swift). lazy_libraries.c defines each function of the three
 * that Warbler calls, with the libraries' own prototypes (the CDNNL, CBLAS and CSoxr headers),
 * as a forwarder that loads the library on the first call. The forwarders are hidden: only this
 * program's calls reach them. */
#ifndef WARBLER_LAZY_LIBRARIES_H
#define WARBLER_LAZY_LIBRARIES_H

/* Sets the thread count of OpenMP parallel regions started from the calling thread
 * (libgomp's omp_set_num_threads, from the libgomp that oneDNN loaded), loading oneDNN if
 * needed. */
void warbler_omp_set_num_threads(int threads);

#endif

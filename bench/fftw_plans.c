// FFTW planning flags for Warbler's front-end FFT (Sources/WarblerFeatures/FFTPlan.swift): the
// 512-point complex transform of 8 frames that a 1024-point real frame becomes. Plans it with
// the flag given (estimate, measure or patient), prints the planning time, the best of 5 timings
// of 4,000 executions, and the plan FFTW chose. Run it several times: MEASURE's choice (and so
// its rounding) changes from run to run on a busy machine, ESTIMATE's does not.
//
//   cc -O2 bench/fftw_plans.c -o /tmp/fftw_plans -lfftw3f
//   for i in 1 2 3; do /tmp/fftw_plans estimate 512; /tmp/fftw_plans measure 512; done
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s estimate|measure|patient SIZE\n", argv[0]);
        return 64;
    }
    unsigned flag = strcmp(argv[1], "measure") == 0 ? FFTW_MEASURE
                  : strcmp(argv[1], "patient") == 0 ? FFTW_PATIENT : FFTW_ESTIMATE;
    int n = atoi(argv[2]), batch = 8;
    fftwf_complex *in = fftwf_alloc_complex(n * batch), *out = fftwf_alloc_complex(n * batch);
    double t0 = now();
    fftwf_plan p = fftwf_plan_many_dft(1, &n, batch, in, NULL, 1, n, out, NULL, 1, n, FFTW_FORWARD, flag);
    double planning = now() - t0;
    for (int k = 0; k < n * batch; k++) { in[k][0] = k % 7; in[k][1] = k % 5; }
    int reps = 4000;
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        t0 = now();
        for (int k = 0; k < reps; k++) fftwf_execute(p);
        double t = (now() - t0) / reps;
        if (t < best) best = t;
    }
    printf("%s n=%d: planning %.1f ms, execution %.2f us per batch of %d (best of 5)\n",
           argv[1], n, planning * 1e3, best * 1e6, batch);
    fftwf_print_plan(p);
    printf("\n");
    fftwf_destroy_plan(p);
    fftwf_free(in);
    fftwf_free(out);
    return 0;
}

// CUDA C kernels of the GPU front-end (compiled at run time by NVRTC, see CUDAKernelModule):
// framing with centre padding and the window, |X|^power of cuFFT's half spectrum, power_to_db,
// and librosa's whole-clip top_db. Each mirrors a step of the CPU FrontEnd (FrontEnd.swift).
extension CUDAKernelSource {
    static let frontEnd = CUDAKernelSource(name: "warbler_frontend", code: #"""
// NVRTC has no <math.h> macros: infinity and a quiet NaN from their bits.
#define WB_INF __int_as_float(0x7f800000)
#define WB_NAN __int_as_float(0x7fffffff)
// Rows [firstFrame, firstFrame + frames) of a batch of clips in `signal`, one block per row
// (grid.x = frames). Clip c is clipLength[c] samples long; its sample j (absolute) is
// signal[clipStart[c] + j] (clipStart may be negative when only a window of the clip is on the
// device); its rows start at row frameStart[c] and hold its frames from clipFrame[c] on. A frame
// is nfft samples, hop apart, starting `pad` samples before the clip (centre padding: zeros, or
// numpy 'reflect' repeated as often as needed), times the window -> out [frames, nfft].
extern "C" __global__ void frame_window(const float* __restrict__ signal, const long long* __restrict__ clipStart,
                                        const long long* __restrict__ clipLength, const long long* __restrict__ clipFrame,
                                        const long long* __restrict__ frameStart,
                                        int clips, long long firstFrame, int nfft, int hop, int pad,
                                        int reflect, const float* __restrict__ window, float* __restrict__ out) {
    long long f = firstFrame + blockIdx.x;
    int lo = 0, hi = clips - 1;           // the last clip whose first row is <= f
    while (lo < hi) {
        int mid = (lo + hi + 1) >> 1;
        if (frameStart[mid] <= f) lo = mid; else hi = mid - 1;
    }
    long long n = clipLength[lo];
    long long first = (f - frameStart[lo] + clipFrame[lo]) * hop - pad;
    const float* base = signal + clipStart[lo];
    float* row = out + (long long)blockIdx.x * nfft;
    for (int i = threadIdx.x; i < nfft; i += blockDim.x) {
        long long j = first + i;
        float v;
        if (j >= 0 && j < n) {
            v = base[j];
        } else if (!reflect) {
            v = 0.0f;
        } else {
            if (n == 1) {
                j = 0;
            } else {
                long long period = 2 * (n - 1);
                long long k = j % period;
                if (k < 0) k += period;
                j = k < n ? k : period - k;
            }
            v = base[j];
        }
        row[i] = v * window[i];
    }
}

// The fused alternative to power_spectrum + SGEMM: one block per frame turns its half spectrum
// into |X|^p in shared memory, then each band sums its non-zero weights in bin order (the CPU's
// order): band m covers bins first[m] ..< first[m] + len[m] with weights w[off[m] ...]. With
// `db`, power_to_db (amin, offset) is applied on the way out (saving a pass over the result).
extern "C" __global__ void power_mel_sparse(const float2* __restrict__ spec, int bins, float p,
                                            const int* __restrict__ first, const int* __restrict__ len,
                                            const int* __restrict__ off, const float* __restrict__ w,
                                            int nMels, float* __restrict__ mel, int db, float amin, float offset) {
    extern __shared__ float power[];
    const float2* s = spec + (long long)blockIdx.x * bins;
    for (int k = threadIdx.x; k < bins; k += blockDim.x) {
        float2 c = s[k];
        float m = c.x * c.x + c.y * c.y;
        if (p == 1.0f) m = sqrtf(m);
        else if (p != 2.0f) m = powf(sqrtf(m), p);
        power[k] = m;
    }
    __syncthreads();
    float* row = mel + (long long)blockIdx.x * nMels;
    for (int m = threadIdx.x; m < nMels; m += blockDim.x) {
        int k0 = first[m], n = len[m], j0 = off[m];
        float acc = 0.0f;
        for (int j = 0; j < n; ++j) acc = fmaf(w[j0 + j], power[k0 + j], acc);
        if (db && !isnan(acc)) acc = 10.0f * log10f(fmaxf(acc, amin)) - offset;
        row[m] = acc;
    }
}

// |X|^p of `count` complex values (re, im pairs) -> out; p = 2 is the power spectrum.
extern "C" __global__ void power_spectrum(const float2* __restrict__ spec, float* __restrict__ out, long long count, float p) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x) {
        float2 c = spec[i];
        float m = c.x * c.x + c.y * c.y;
        if (p == 1.0f) m = sqrtf(m);
        else if (p != 2.0f) m = powf(sqrtf(m), p);
        out[i] = m;
    }
}

// librosa.power_to_db without top_db: 10 log10(max(amin, x)) - offset, NaN kept.
extern "C" __global__ void power_to_db(float* __restrict__ x, long long count, float amin, float offset) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x) {
        float v = x[i];
        x[i] = isnan(v) ? v : 10.0f * log10f(fmaxf(v, amin)) - offset;
    }
}

// The maximum of each clip's values (rows frameStart[c] ..< frameStart[c + 1] of `width`): one
// block of 256 threads per clip.
extern "C" __global__ void clip_max(const float* __restrict__ x, const long long* __restrict__ frameStart, int width,
                                    float* __restrict__ result) {
    __shared__ float best[256];
    int c = blockIdx.x;
    long long lo = frameStart[c] * width, hi = frameStart[c + 1] * width;
    float m = -WB_INF;
    for (long long i = lo + threadIdx.x; i < hi; i += blockDim.x) m = fmaxf(m, x[i]);
    best[threadIdx.x] = m;
    __syncthreads();
    for (int s = 128; s > 0; s >>= 1) {
        if (threadIdx.x < s) best[threadIdx.x] = fmaxf(best[threadIdx.x], best[threadIdx.x + s]);
        __syncthreads();
    }
    if (threadIdx.x == 0) result[c] = best[0];
}

// top_db: raises each clip's values below (its max - top) to that floor; grid.y = clip.
extern "C" __global__ void clamp_top_db(float* __restrict__ x, const long long* __restrict__ frameStart, int width,
                                        const float* __restrict__ maxima, float top) {
    int c = blockIdx.y;
    long long lo = frameStart[c] * width, hi = frameStart[c + 1] * width;
    float floor_ = maxima[c] - top;
    for (long long i = lo + blockIdx.x * (long long)blockDim.x + threadIdx.x; i < hi; i += (long long)gridDim.x * blockDim.x) {
        if (x[i] < floor_) x[i] = floor_;
    }
}
"""#)
}

// CUDA C kernels of the GPU front-end (compiled at run time by NVRTC, see CUDAKernelModule):
// framing with centre padding and the window, |X|^power of cuFFT's half spectrum, power_to_db,
// and librosa's whole-clip top_db. Each mirrors a step of the CPU FrontEnd (FrontEnd.swift).
extension CUDAKernelSource {
    static let frontEnd = CUDAKernelSource(name: "warbler_frontend", code: #"""
// NVRTC has no <math.h> macros: infinity and a quiet NaN from their bits.
#define WB_INF __int_as_float(0x7f800000)
#define WB_NAN __int_as_float(0x7fffffff)
// Rows [firstFrame, firstFrame + frames) of a batch of clips in `signal`. Clip c is
// clipLength[c] samples long; its sample j (absolute) is signal[clipStart[c] + j] (clipStart may
// be negative when only a window of the clip is on the device); its rows start at row
// frameStart[c] and hold its frames from clipFrame[c] on. A frame is nfft samples, hop apart,
// starting `pad` samples before the clip (centre padding: zeros, or numpy 'reflect' repeated as
// often as needed), times the window -> out [frames, nfft].
extern "C" __global__ void frame_window(const float* __restrict__ signal, const long long* __restrict__ clipStart,
                                        const long long* __restrict__ clipLength, const long long* __restrict__ clipFrame,
                                        const long long* __restrict__ frameStart,
                                        int clips, long long firstFrame, long long frames, int nfft, int hop, int pad,
                                        int reflect, const float* __restrict__ window, float* __restrict__ out) {
    long long total = frames * nfft;
    for (long long idx = blockIdx.x * (long long)blockDim.x + threadIdx.x; idx < total;
         idx += (long long)gridDim.x * blockDim.x) {
        long long f = firstFrame + idx / nfft;
        int i = (int)(idx % nfft);
        int lo = 0, hi = clips - 1;       // the last clip whose first frame is <= f
        while (lo < hi) {
            int mid = (lo + hi + 1) >> 1;
            if (frameStart[mid] <= f) lo = mid; else hi = mid - 1;
        }
        long long n = clipLength[lo];
        long long j = (f - frameStart[lo] + clipFrame[lo]) * hop - pad + i;
        float v;
        if (j >= 0 && j < n) {
            v = signal[clipStart[lo] + j];
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
            v = signal[clipStart[lo] + j];
        }
        out[idx] = v * window[i];
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

// CUDA C kernels of the GPU front-end (compiled at run time by NVRTC, see CUDAKernelModule):
// framing with centre padding and the window, |X|^power of cuFFT's half spectrum, power_to_db,
// and librosa's whole-clip top_db, on the device functions of Kernels+Framing.swift. Each
// mirrors a step of the CPU FrontEnd (FrontEnd.swift).
extension CUDAKernelSource {
    static let frontEnd = CUDAKernelSource(
        name: "warbler_frontend",
        code: #"""
            // NVRTC has no <math.h> macros: infinity and a quiet NaN from their bits.
            #define WB_INF __int_as_float(0x7f800000)
            #define WB_NAN __int_as_float(0x7fffffff)
            \#(framing)

            // Rows [firstFrame, firstFrame + frames) of a batch of clips in `signal`, one block per row
            // (grid.x = frames), framed as `frame_span` and `padded_sample` say, times the window -> out
            // [frames, nfft].
            extern "C" __global__ void frame_window(const float* __restrict__ signal, const long long* __restrict__ clipStart,
                                                    const long long* __restrict__ clipLength, const long long* __restrict__ clipFrame,
                                                    const long long* __restrict__ frameStart,
                                                    int clips, long long firstFrame, int nfft, int hop, int pad,
                                                    int reflect, const float* __restrict__ window, float* __restrict__ out) {
                FrameSpan span = frame_span(signal, clipStart, clipLength, clipFrame, frameStart, clips, firstFrame + blockIdx.x, hop, pad);
                float* row = out + (long long)blockIdx.x * nfft;
                for (int i = threadIdx.x; i < nfft; i += blockDim.x) {
                    row[i] = padded_sample(span.base, span.n, span.start + i, reflect) * window[i];
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
                    power[k] = power_p(c.x * c.x + c.y * c.y, p);
                }
                __syncthreads();
                float* row = mel + (long long)blockIdx.x * nMels;
                for (int m = threadIdx.x; m < nMels; m += blockDim.x) row[m] = mel_band(power, m, first, len, off, w, db, amin, offset);
            }

            // |X|^p of `count` complex values (re, im pairs) -> out; p = 2 is the power spectrum.
            extern "C" __global__ void power_spectrum(const float2* __restrict__ spec, float* __restrict__ out, long long count, float p) {
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x) {
                    float2 c = spec[i];
                    out[i] = power_p(c.x * c.x + c.y * c.y, p);
                }
            }

            // librosa.power_to_db without top_db (`to_db`) in place.
            extern "C" __global__ void power_to_db(float* __restrict__ x, long long count, float amin, float offset) {
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x) {
                    x[i] = to_db(x[i], amin, offset);
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

// The fused GPU front-end kernel: one block per frame does everything between the signal and
// the log-mel row, so the frames, spectra and power never touch device memory: framing with
// centre padding and the window, a real FFT of n = nfft points (a power of two) computed as an
// n/2-point complex FFT of the even/odd samples (radix-2, in shared memory, twiddles from a
// float64-derived table) plus the split step that the CPU FFTPlan also uses, |X|^p, the sparse
// mel projection in bin order and power_to_db; framing and the mel bands are the device
// functions of Kernels+Framing.swift, shared with the step-by-step front-end.
extension CUDAKernelSource {
    static let fusedFrontEnd = CUDAKernelSource(
        name: "warbler_frontend_fused",
        code: #"""
            \#(framing)

            // Shared memory: n/2 complex values (the FFT) + n/2 + 1 powers.
            // twiddle[k] = exp(-2 pi i k / n) for k < n/2 (the split step uses them as W_n^k; the half-size
            // FFT's stage of length L uses W_{n/2}^j = twiddle[2 j (n/2) / L]).
            extern "C" __global__ void fused_log_mel(const float* __restrict__ signal, const long long* __restrict__ clipStart,
                                                     const long long* __restrict__ clipLength, const long long* __restrict__ clipFrame,
                                                     const long long* __restrict__ frameStart, int clips, long long firstFrame,
                                                     int nfft, int log2half, int hop, int pad, int reflect,
                                                     const float* __restrict__ window, const float2* __restrict__ twiddle,
                                                     float p, const int* __restrict__ first, const int* __restrict__ len,
                                                     const int* __restrict__ off, const float* __restrict__ w, int nMels,
                                                     float* __restrict__ mel, int db, float amin, float offset) {
                extern __shared__ float2 shared[];
                const int half = nfft >> 1;
                float2* z = shared;
                float* power = (float*)(shared + half);
                FrameSpan span = frame_span(signal, clipStart, clipLength, clipFrame, frameStart, clips, firstFrame + blockIdx.x, hop, pad);
                // 1. z[m] = x[2m] + i x[2m+1] (windowed), stored at the bit-reversed index.
                for (int m = threadIdx.x; m < half; m += blockDim.x) {
                    float v0 = padded_sample(span.base, span.n, span.start + 2 * m, reflect) * window[2 * m];
                    float v1 = padded_sample(span.base, span.n, span.start + 2 * m + 1, reflect) * window[2 * m + 1];
                    z[__brev(m) >> (32 - log2half)] = make_float2(v0, v1);
                }
                __syncthreads();
                // 2. Radix-2 decimation in time over the n/2 points.
                for (int L = 2; L <= half; L <<= 1) {
                    int h = L >> 1;
                    for (int t = threadIdx.x; t < (half >> 1); t += blockDim.x) {
                        int group = t / h, pos = t - group * h;
                        int i = group * L + pos, j = i + h;
                        float2 tw = twiddle[pos * (nfft / L)];
                        float2 b = z[j];
                        float2 bw = make_float2(b.x * tw.x - b.y * tw.y, b.x * tw.y + b.y * tw.x);
                        float2 a = z[i];
                        z[i] = make_float2(a.x + bw.x, a.y + bw.y);
                        z[j] = make_float2(a.x - bw.x, a.y - bw.y);
                    }
                    __syncthreads();
                }
                // 3. Split: X[k] = E[k] + W_n^k O[k], E = (Z[k] + conj Z[-k]) / 2, O = (Z[k] - conj Z[-k]) / 2i; |X|^p.
                for (int k = threadIdx.x; k <= half; k += blockDim.x) {
                    float2 a = z[k & (half - 1)], b = z[(half - k) & (half - 1)];
                    float er = 0.5f * (a.x + b.x), ei = 0.5f * (a.y - b.y);
                    float or_ = 0.5f * (a.y + b.y), oi = -0.5f * (a.x - b.x);
                    float2 tw = k < half ? twiddle[k] : make_float2(-1.0f, 0.0f);
                    float xr = er + (or_ * tw.x - oi * tw.y), xi = ei + (or_ * tw.y + oi * tw.x);
                    power[k] = power_p(xr * xr + xi * xi, p);
                }
                __syncthreads();
                // 4. Mel bands (non-zero weights in bin order) and dB.
                float* row = mel + (long long)blockIdx.x * nMels;
                for (int m = threadIdx.x; m < nMels; m += blockDim.x) row[m] = mel_band(power, m, first, len, off, w, db, amin, offset);
            }
            """#)
}

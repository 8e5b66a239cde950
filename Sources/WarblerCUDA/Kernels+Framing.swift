// CUDA C device functions shared by the two GPU front-ends (Kernels+FrontEnd.swift, step by step,
// and Kernels+FusedFrontEnd.swift, one kernel per frame): finding a frame's clip and samples with
// centre padding, |X|^p, a sparse mel band and power_to_db. Each module's source starts with
// them, so both front-ends frame and project with the same code (as the CPU FrontEnd does).
extension CUDAKernelSource {
    static let framing = #"""
        // Where absolute frame row f reads its samples: its clip's samples (base, n of them) and the
        // index of its first sample in them. Clip c's rows start at row frameStart[c] (the last clip
        // whose first row is <= f owns f) and hold its frames from clipFrame[c] on; clip c's sample j is
        // signal[clipStart[c] + j] (clipStart may be negative when only a window of the clip is on the
        // device). A frame starts `pad` samples before the clip, frames `hop` apart.
        struct FrameSpan { const float* base; long long n; long long start; };
        __device__ __forceinline__ FrameSpan frame_span(const float* __restrict__ signal, const long long* __restrict__ clipStart,
                                                        const long long* __restrict__ clipLength, const long long* __restrict__ clipFrame,
                                                        const long long* __restrict__ frameStart, int clips, long long f, int hop, int pad) {
            int lo = 0, hi = clips - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >> 1;
                if (frameStart[mid] <= f) lo = mid; else hi = mid - 1;
            }
            FrameSpan s;
            s.base = signal + clipStart[lo];
            s.n = clipLength[lo];
            s.start = (f - frameStart[lo] + clipFrame[lo]) * hop - pad;
            return s;
        }

        // Sample j of a clip of n samples at base, j possibly outside it: centre padding reads zeros, or
        // numpy 'reflect' repeated as often as needed.
        __device__ __forceinline__ float padded_sample(const float* __restrict__ base, long long n, long long j, int reflect) {
            if (j >= 0 && j < n) return base[j];
            if (!reflect) return 0.0f;
            if (n == 1) return base[0];
            long long period = 2 * (n - 1);
            long long k = j % period;
            if (k < 0) k += period;
            return base[k < n ? k : period - k];
        }

        // |X|^p from |X|^2 (p = 2: itself; p = 1: the magnitude).
        __device__ __forceinline__ float power_p(float m2, float p) {
            if (p == 1.0f) return sqrtf(m2);
            if (p != 2.0f) return powf(sqrtf(m2), p);
            return m2;
        }

        // librosa.power_to_db without top_db: 10 log10(max(amin, x)) - offset, NaN kept.
        __device__ __forceinline__ float to_db(float v, float amin, float offset) {
            return isnan(v) ? v : 10.0f * log10f(fmaxf(v, amin)) - offset;
        }

        // Mel band m of one frame's |X|^p: its non-zero weights in bin order (the CPU's order), bins
        // first[m] ..< first[m] + len[m] with weights w[off[m] ...]; in dB when `db`.
        __device__ __forceinline__ float mel_band(const float* power, int m, const int* __restrict__ first, const int* __restrict__ len,
                                                  const int* __restrict__ off, const float* __restrict__ w, int db, float amin, float offset) {
            int k0 = first[m], n = len[m], j0 = off[m];
            float acc = 0.0f;
            for (int j = 0; j < n; ++j) acc = fmaf(w[j0 + j], power[k0 + j], acc);
            return db ? to_db(acc, amin, offset) : acc;
        }
        """#
}

// CUDA C kernels of one GRU step's gate pass and its backward (torch.nn.GRU, gates r, z, n),
// mirroring CPUBackend+GRU.swift; compiled in the window module (Kernels+Window.swift).
extension CUDAKernelSource {
    static let gruKernels = #"""
        __device__ __forceinline__ float sigmoid_g(float v) {
            if (v >= 0.0f) return 1.0f / (1.0f + expf(-v));
            float e = expf(v);
            return e / (1.0f + e);
        }

        // One GRU step's gates over [B, H] (torch.nn.GRU, gate order r, z, n): x = gi_t [B, 3H],
        // p = h W_hh^T [B, 3H], bias [3H] (null: none), h = previous state [B, H] -> y [B, H]; saves
        // r, z, n and W_hn h + b_hn into work [B, 4H] when given.
        extern "C" __global__ void gru_gates(const float* __restrict__ x, const float* __restrict__ p, const float* __restrict__ bias,
                                             const float* __restrict__ h, float* __restrict__ y, float* __restrict__ work,
                                             long long B, long long H) {
            LOOP(i, B * H) {
                long long row = i / H, j = i % H;
                const float* xr = x + row * 3 * H;
                const float* pr = p + row * 3 * H;
                float br = bias ? bias[j] : 0.0f, bz = bias ? bias[H + j] : 0.0f, bn = bias ? bias[2 * H + j] : 0.0f;
                float r = sigmoid_g(xr[j] + (pr[j] + br));
                float z = sigmoid_g(xr[H + j] + (pr[H + j] + bz));
                float hn = pr[2 * H + j] + bn;
                float n = tanhf(xr[2 * H + j] + r * hn);
                float hv = h[row * H + j];
                y[row * H + j] = n + z * (hv - n);
                if (work) {
                    float* wr = work + row * 4 * H;
                    wr[j] = r; wr[H + j] = z; wr[2 * H + j] = n; wr[3 * H + j] = hn;
                }
            }
        }

        // The backward of one GRU step over [B, H] (as the CPU's gruBackward): from dL/dy_t (g), the
        // gradient carried from later steps (carry, updated in place to dL/dh through z), the previous
        // state h and the saved gates work [B, 4H] -> dL/d gi_t (dx [B, 3H]) and dL/d(W_hh h + b_hh) (dp [B, 3H]).
        extern "C" __global__ void gru_gates_backward(const float* __restrict__ g, float* __restrict__ carry, const float* __restrict__ h,
                                                      const float* __restrict__ work, float* __restrict__ dx, float* __restrict__ dp,
                                                      long long B, long long H) {
            LOOP(i, B * H) {
                long long row = i / H, j = i % H;
                const float* wr = work + row * 4 * H;
                float r = wr[j], z = wr[H + j], n = wr[2 * H + j], hn = wr[3 * H + j];
                float dh = g[row * H + j] + carry[row * H + j];
                float dan = dh * (1.0f - z) * (1.0f - n * n);
                float daz = dh * (h[row * H + j] - n) * z * (1.0f - z);
                float dar = dan * hn * r * (1.0f - r);
                float* xr = dx + row * 3 * H;
                float* pr = dp + row * 3 * H;
                xr[j] = dar; xr[H + j] = daz; xr[2 * H + j] = dan;
                pr[j] = dar; pr[H + j] = daz; pr[2 * H + j] = dan * r;
                carry[row * H + j] = dh * z;
            }
        }
        """#
}

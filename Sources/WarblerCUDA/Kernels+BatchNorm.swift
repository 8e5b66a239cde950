// CUDA C kernels of the backend's per-channel (batch-norm) primitives: moments, the affine map
// and the gradient sums, float64 sums per block. They mirror CPUBackend+BatchNorm.swift and are
// compiled in the window module (Kernels+Window.swift), whose macros they use.
extension CUDAKernelSource {
    static let channelKernels = #"""
        // Block-wide sum of one double per thread (256 threads).
        __device__ double block_sum(double v, double* shared) {
            shared[threadIdx.x] = v;
            __syncthreads();
            for (int s = 128; s > 0; s >>= 1) {
                if (threadIdx.x < s) shared[threadIdx.x] += shared[threadIdx.x + s];
                __syncthreads();
            }
            double r = shared[0];
            __syncthreads();
            return r;
        }

        // Mean and biased variance of channel blockIdx.x of x [outer, channels, inner] (two passes, float64).
        extern "C" __global__ void channel_moments(const float* __restrict__ x, float* __restrict__ mean, float* __restrict__ var,
                                                   long long outer, long long channels, long long inner) {
            __shared__ double shared[256];
            long long c = blockIdx.x, n = outer * inner;
            double s = 0.0;
            for (long long k = threadIdx.x; k < n; k += blockDim.x) s += (double)x[((k / inner) * channels + c) * inner + k % inner];
            double mu = block_sum(s, shared) / (double)max(n, 1LL);
            double q = 0.0;
            for (long long k = threadIdx.x; k < n; k += blockDim.x) {
                double d = (double)x[((k / inner) * channels + c) * inner + k % inner] - mu;
                q += d * d;
            }
            q = block_sum(q, shared);
            if (threadIdx.x == 0) { mean[c] = (float)mu; var[c] = (float)(q / (double)max(n, 1LL)); }
        }

        // out = (x - center[c]) * scale[c] + shift[c]; flags: 1 has center, 2 has shift, 4 accumulate.
        extern "C" __global__ void channel_affine(const float* __restrict__ x, const float* __restrict__ center, const float* __restrict__ scale,
                                                  const float* __restrict__ shift, float* __restrict__ out,
                                                  long long outer, long long channels, long long inner, int flags) {
            LOOP(i, outer * channels * inner) {
                long long c = (i / inner) % channels;
                float m = (flags & 1) ? center[c] : 0.0f, t = (flags & 2) ? shift[c] : 0.0f;
                float v = (x[i] - m) * scale[c] + t;
                out[i] = (flags & 4) ? out[i] + v : v;
            }
        }

        // sum[c] = sum g, dot[c] = sum g (x - center[c]) over outer and inner (float64), block per channel.
        extern "C" __global__ void channel_grad_sums(const float* __restrict__ g, const float* __restrict__ x, const float* __restrict__ center,
                                                     float* __restrict__ sum, float* __restrict__ dot,
                                                     long long outer, long long channels, long long inner) {
            __shared__ double shared[256];
            long long c = blockIdx.x, n = outer * inner;
            double m = (double)center[c], s = 0.0, t = 0.0;
            for (long long k = threadIdx.x; k < n; k += blockDim.x) {
                long long i = ((k / inner) * channels + c) * inner + k % inner;
                double gv = (double)g[i];
                s += gv;
                t += gv * ((double)x[i] - m);
            }
            s = block_sum(s, shared);
            t = block_sum(t, shared);
            if (threadIdx.x == 0) { sum[c] = (float)s; dot[c] = (float)t; }
        }
        """#
}

// CUDA C kernels of the backend's sliding-window primitives (compiled at run time by NVRTC):
// im2col/col2im, max/avg pooling and their gradients, and the module they are compiled in with
// the per-channel kernels (Kernels+BatchNorm.swift) and the GRU gate kernels (Kernels+GRU.swift).
// Each mirrors the CPU primitive of the same name (CPUBackend+Im2col.swift, +Pool.swift) and its
// rules: padding reads 0, the first maximum wins and a NaN wins, avg_pool2d's divisor.
extension CUDAKernelSource {
    /// One NVRTC module: the window kernels first (they define the shared macros), then the
    /// per-channel and GRU kernels.
    static let window = CUDAKernelSource(
        name: "warbler_window",
        code: [windowKernels, channelKernels, gruKernels].joined(separator: "\n\n"))

    static let windowKernels = #"""
        // NVRTC has no <math.h> macros: infinity and a quiet NaN from their bits.
        #define WB_INF __int_as_float(0x7f800000)
        #define WB_NAN __int_as_float(0x7fffffff)
        #define LOOP(i, n) for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (n); \
                                i += (long long)gridDim.x * blockDim.x)

        // Window2d: input H x W, kernel, stride, padding, dilation, output H' x W'.
        struct Win { long long H, W, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW; };

        // cols [planes, kH * kW, H' * W'] from x [planes, H, W]; padding taps read 0.
        extern "C" __global__ void im2col(const float* __restrict__ x, float* __restrict__ cols, long long planes, Win w) {
            long long area = w.oH * w.oW, taps = w.kH * w.kW;
            LOOP(idx, planes * taps * area) {
                long long pos = idx % area, t = (idx / area) % taps, p = idx / (area * taps);
                long long oy = pos / w.oW, ox = pos % w.oW, i = t / w.kW, j = t % w.kW;
                long long h = oy * w.sH - w.pH + i * w.dH, c = ox * w.sW - w.pW + j * w.dW;
                cols[idx] = (h >= 0 && h < w.H && c >= 0 && c < w.W) ? x[(p * w.H + h) * w.W + c] : 0.0f;
            }
        }

        // x [planes, H, W] = the sum of every column entry read from each element (assigned).
        extern "C" __global__ void col2im(const float* __restrict__ cols, float* __restrict__ x, long long planes, Win w) {
            long long area = w.oH * w.oW, taps = w.kH * w.kW;
            LOOP(idx, planes * w.H * w.W) {
                long long c = idx % w.W, h = (idx / w.W) % w.H, p = idx / (w.H * w.W);
                float sum = 0.0f;
                for (long long i = 0; i < w.kH; ++i) {
                    long long ty = h + w.pH - i * w.dH;
                    if (ty < 0 || ty % w.sH) continue;
                    long long oy = ty / w.sH;
                    if (oy >= w.oH) continue;
                    for (long long j = 0; j < w.kW; ++j) {
                        long long tx = c + w.pW - j * w.dW;
                        if (tx < 0 || tx % w.sW) continue;
                        long long ox = tx / w.sW;
                        if (ox >= w.oW) continue;
                        sum += cols[(p * taps + i * w.kW + j) * area + oy * w.oW + ox];
                    }
                }
                x[idx] = sum;
            }
        }

        // The first maximum of window (oy, ox) of `plane` (a NaN replaces anything), as torch's kernel.
        __device__ __forceinline__ long long argmax_window(const float* plane, const Win& w, long long oy, long long ox, float& best) {
            long long h0 = oy * w.sH - w.pH, c0 = ox * w.sW - w.pW;
            long long h1 = min(h0 + (w.kH - 1) * w.dH + 1, w.H), c1 = min(c0 + (w.kW - 1) * w.dW + 1, w.W);
            while (h0 < 0) h0 += w.dH;
            while (c0 < 0) c0 += w.dW;
            best = -WB_INF;
            long long index = -1;
            for (long long h = h0; h < h1; h += w.dH) {
                for (long long c = c0; c < c1; c += w.dW) {
                    float v = plane[h * w.W + c];
                    if (v > best || isnan(v) || index < 0) { best = v; index = h * w.W + c; }
                }
            }
            return index;
        }

        extern "C" __global__ void max_pool2d(const float* __restrict__ x, float* __restrict__ out, long long planes, Win w) {
            LOOP(idx, planes * w.oH * w.oW) {
                long long ox = idx % w.oW, oy = (idx / w.oW) % w.oH, p = idx / (w.oH * w.oW);
                float best;
                argmax_window(x + p * w.H * w.W, w, oy, ox, best);
                out[idx] = best;
            }
        }

        // gradInput must be zero: each window's gradient is added to its first maximum.
        extern "C" __global__ void max_pool2d_backward(const float* __restrict__ g, const float* __restrict__ x,
                                                       float* __restrict__ gi, long long planes, Win w) {
            LOOP(idx, planes * w.oH * w.oW) {
                long long ox = idx % w.oW, oy = (idx / w.oW) % w.oH, p = idx / (w.oH * w.oW);
                float best;
                long long i = argmax_window(x + p * w.H * w.W, w, oy, ox, best);
                if (i >= 0) atomicAdd(gi + p * w.H * w.W + i, g[idx]);
            }
        }

        // The window clipped to the input and torch avg_pool2d's divisor; false for an empty window.
        __device__ __forceinline__ bool avg_window(const Win& w, long long oy, long long ox, int includePad,
                                                   long long& h0, long long& h1, long long& c0, long long& c1, float& divisor) {
            h0 = oy * w.sH - w.pH; c0 = ox * w.sW - w.pW;
            h1 = min(h0 + w.kH, w.H + w.pH); c1 = min(c0 + w.kW, w.W + w.pW);
            long long padded = (h1 - h0) * (c1 - c0);
            h0 = max(h0, 0LL); c0 = max(c0, 0LL); h1 = min(h1, w.H); c1 = min(c1, w.W);
            if (h0 >= h1 || c0 >= c1) { divisor = 1.0f; return false; }
            divisor = (float)(includePad ? padded : (h1 - h0) * (c1 - c0));
            return true;
        }

        extern "C" __global__ void avg_pool2d(const float* __restrict__ x, float* __restrict__ out, long long planes, Win w, int includePad) {
            LOOP(idx, planes * w.oH * w.oW) {
                long long ox = idx % w.oW, oy = (idx / w.oW) % w.oH, p = idx / (w.oH * w.oW);
                long long h0, h1, c0, c1;
                float divisor, sum = 0.0f;
                const float* plane = x + p * w.H * w.W;
                if (avg_window(w, oy, ox, includePad, h0, h1, c0, c1, divisor)) {
                    for (long long h = h0; h < h1; ++h) for (long long c = c0; c < c1; ++c) sum += plane[h * w.W + c];
                }
                out[idx] = sum / divisor;
            }
        }

        // gradInput must be zero: each window's gradient is shared out with the forward's divisor.
        extern "C" __global__ void avg_pool2d_backward(const float* __restrict__ g, float* __restrict__ gi, long long planes, Win w, int includePad) {
            LOOP(idx, planes * w.oH * w.oW) {
                long long ox = idx % w.oW, oy = (idx / w.oW) % w.oH, p = idx / (w.oH * w.oW);
                long long h0, h1, c0, c1;
                float divisor;
                if (!avg_window(w, oy, ox, includePad, h0, h1, c0, c1, divisor)) continue;
                float share = g[idx] / divisor;
                for (long long h = h0; h < h1; ++h) for (long long c = c0; c < c1; ++c) atomicAdd(gi + p * w.H * w.W + h * w.W + c, share);
            }
        }
        """#
}

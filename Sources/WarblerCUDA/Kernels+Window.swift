// CUDA C kernels of the backend's sliding-window and per-channel primitives and the GRU gate
// pass (compiled at run time by NVRTC): im2col/col2im, max/avg pooling and their gradients,
// batch-norm moments/affine/gradient sums. Each mirrors the CPU primitive of the same name
// (CPUBackend+Conv.swift, +Pool.swift, +BatchNorm.swift, +GRU.swift) and its rules: padding
// reads 0, the first maximum wins and a NaN wins, avg_pool2d's divisor, float64 channel sums.
extension CUDAKernelSource {
    static let window = CUDAKernelSource(name: "warbler_window", code: #"""
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
"""#)
}

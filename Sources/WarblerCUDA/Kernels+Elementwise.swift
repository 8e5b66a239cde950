// CUDA C kernels of the backend's elementwise, layout and reduction primitives (compiled at run
// time by NVRTC); the op switches and codes are generated from ElementwiseOpTable.swift. Each
// mirrors the CPU primitive of the same name in WarblerTensor (CPUBackend+Elementwise.swift,
// CPUBackend+Reduce.swift): same formulas, same NaN rules.
// Shapes and strides travel by value in `Dims` (rank <= 8).
extension CUDAKernelSource {
    static let elementwise = CUDAKernelSource(
        name: "warbler_elementwise",
        code: #"""
            // NVRTC has no <math.h> macros: infinity and a quiet NaN from their bits.
            #define WB_INF __int_as_float(0x7f800000)
            #define WB_NAN __int_as_float(0x7fffffff)
            // ReduceOp codes (ElementwiseOpTable.swift: ReduceKernelOp).
            #define WB_REDUCE_SUM \#(ReduceKernelOp.sum.rawValue)
            #define WB_REDUCE_MAX \#(ReduceKernelOp.max.rawValue)
            #define LOOP(i, n) for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (n); \
                                    i += (long long)gridDim.x * blockDim.x)

            // A shape and two stride vectors (elements), rank <= 8.
            struct Dims { long long rank; long long shape[8]; long long sa[8]; long long sb[8]; };

            // Offsets of flat index i of `d.shape` (row-major) through strides sa and sb.
            __device__ __forceinline__ void offsets(const Dims& d, long long i, long long& oa, long long& ob) {
                oa = 0; ob = 0;
                for (int k = (int)d.rank - 1; k >= 0; --k) {
                    long long idx = i % d.shape[k];
                    i /= d.shape[k];
                    oa += idx * d.sa[k];
                    ob += idx * d.sb[k];
                }
            }

            __device__ __forceinline__ float sigmoid_(float v) {
                if (v >= 0.0f) return 1.0f / (1.0f + expf(-v));
                float e = expf(v);
                return e / (1.0f + e);
            }

            // UnaryOp by code (ElementwiseOpTable.swift: UnaryKernelOp): scale, addScalar and pow read a;
            // clamp reads a if flags&1 and b if flags&2.
            extern "C" __global__ void unary_op(const float* __restrict__ x, float* __restrict__ y, long long n, int op,
                                                float a, float b, int flags) {
                LOOP(i, n) {
                    float v = x[i], r;
                    switch (op) {
            \#(UnaryKernelOp.cudaSwitchCases(\.cuda))
                    }
                    y[i] = r;
                }
            }

            // BinaryOp by code (ElementwiseOpTable.swift: BinaryKernelOp); a and b read through broadcast
            // strides.
            extern "C" __global__ void binary_op(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ out,
                                                 long long n, int op, Dims d) {
                LOOP(i, n) {
                    long long oa, ob;
                    offsets(d, i, oa, ob);
                    float x = a[oa], y = b[ob], r;
                    switch (op) {
            \#(BinaryKernelOp.cudaSwitchCases(\.cuda))
                    }
                    out[i] = r;
                }
            }

            // out[i] = x[offset + (i through strides sa)].
            extern "C" __global__ void gather_strided(const float* __restrict__ x, long long offset, float* __restrict__ out,
                                                      long long n, Dims d) {
                LOOP(i, n) {
                    long long o, unused;
                    offsets(d, i, o, unused);
                    out[i] = x[offset + o];
                }
            }

            // out[offset + (i through strides sa)] += x[i]; targets may repeat, so atomically.
            extern "C" __global__ void scatter_add(const float* __restrict__ x, float* __restrict__ out, long long offset,
                                                   long long n, Dims d) {
                LOOP(i, n) {
                    long long o, unused;
                    offsets(d, i, o, unused);
                    atomicAdd(out + offset + o, x[i]);
                }
            }

            // Reduction geometry: kept dims (output order) and reduced dims, each with input strides.
            struct ReduceDims { long long keptRank; long long kept[8]; long long keptStride[8];
                                long long redRank; long long red[8]; long long redStride[8]; long long redCount; };

            __device__ __forceinline__ long long kept_offset(const ReduceDims& d, long long o) {
                long long off = 0;
                for (int k = (int)d.keptRank - 1; k >= 0; --k) { off += (o % d.kept[k]) * d.keptStride[k]; o /= d.kept[k]; }
                return off;
            }
            __device__ __forceinline__ long long red_offset(const ReduceDims& d, long long r) {
                long long off = 0;
                for (int k = (int)d.redRank - 1; k >= 0; --k) { off += (r % d.red[k]) * d.redStride[k]; r /= d.red[k]; }
                return off;
            }
            // Whether (v, i) beats (best, bi) for max: a NaN wins, then the larger value, then the first index.
            __device__ __forceinline__ bool beats(float v, long long i, float best, long long bi) {
                if (bi < 0) return true;
                if (isnan(best)) return isnan(v) && i < bi;
                if (isnan(v)) return true;
                return v > best || (v == best && i < bi);
            }

            // One thread per output, reduced elements in input order (WB_REDUCE_SUM or WB_REDUCE_MAX; indices optional).
            extern "C" __global__ void reduce_serial(const float* __restrict__ x, float* __restrict__ out, long long* __restrict__ indices,
                                                     long long outputs, int op, ReduceDims d) {
                LOOP(o, outputs) {
                    long long base = kept_offset(d, o);
                    float acc = op == WB_REDUCE_SUM ? 0.0f : -WB_INF;
                    long long bi = -1;
                    for (long long r = 0; r < d.redCount; ++r) {
                        long long i = base + red_offset(d, r);
                        float v = x[i];
                        if (op == WB_REDUCE_SUM) acc += v;
                        else if (beats(v, i, acc, bi)) { acc = v; bi = i; }
                    }
                    out[o] = acc;
                    if (indices && op == WB_REDUCE_MAX) indices[o] = bi;
                }
            }

            // One block of 256 threads per output, for long reductions.
            extern "C" __global__ void reduce_block(const float* __restrict__ x, float* __restrict__ out, long long* __restrict__ indices,
                                                    int op, ReduceDims d) {
                __shared__ float val[256];
                __shared__ long long idx[256];
                long long o = blockIdx.x;
                long long base = kept_offset(d, o);
                float acc = op == WB_REDUCE_SUM ? 0.0f : -WB_INF;
                long long bi = -1;
                for (long long r = threadIdx.x; r < d.redCount; r += blockDim.x) {
                    long long i = base + red_offset(d, r);
                    float v = x[i];
                    if (op == WB_REDUCE_SUM) acc += v;
                    else if (beats(v, i, acc, bi)) { acc = v; bi = i; }
                }
                val[threadIdx.x] = acc;
                idx[threadIdx.x] = bi;
                __syncthreads();
                for (int s = 128; s > 0; s >>= 1) {
                    if (threadIdx.x < s) {
                        if (op == WB_REDUCE_SUM) val[threadIdx.x] += val[threadIdx.x + s];
                        else if (idx[threadIdx.x + s] >= 0 && beats(val[threadIdx.x + s], idx[threadIdx.x + s], val[threadIdx.x], idx[threadIdx.x])) {
                            val[threadIdx.x] = val[threadIdx.x + s];
                            idx[threadIdx.x] = idx[threadIdx.x + s];
                        }
                    }
                    __syncthreads();
                }
                if (threadIdx.x == 0) {
                    out[o] = val[0];
                    if (indices && op == WB_REDUCE_MAX) indices[o] = idx[0];
                }
            }
            """#)
}

// Hand-declared CUDA driver API, NVRTC, cuBLAS and cuFFT types and function-pointer types:
// only what WarblerCUDA uses. No CUDA header or library is needed to build; WarblerCUDA loads
// the libraries with dlopen at run time and casts each dlsym result to the pointer type here.
// Names, values and signatures follow the CUDA 12/13 ABI (cuda.h, nvrtc.h, cublas_api.h,
// cufft.h); every function returns its library's status code, 0 on success.
#ifndef WARBLER_CCUDA_H
#define WARBLER_CCUDA_H

#include <stddef.h>

// MARK: Driver API (libcuda.so.1)
typedef int CUresult;                    // CUDA_SUCCESS = 0
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;  // the _v2 API's 64-bit device address
typedef struct CUctx_st *CUcontext;
typedef struct CUstream_st *CUstream;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUevent_st *CUevent;

enum {
    CCUDA_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
    CCUDA_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
    CCUDA_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
    CCUDA_STREAM_NON_BLOCKING = 1,
    CCUDA_EVENT_DEFAULT = 0,
};

typedef CUresult (*PFN_cuInit)(unsigned int flags);
typedef CUresult (*PFN_cuDriverGetVersion)(int *version);
typedef CUresult (*PFN_cuDeviceGetCount)(int *count);
typedef CUresult (*PFN_cuDeviceGet)(CUdevice *device, int ordinal);
typedef CUresult (*PFN_cuDeviceGetName)(char *name, int length, CUdevice device);
typedef CUresult (*PFN_cuDeviceTotalMem_v2)(size_t *bytes, CUdevice device);
typedef CUresult (*PFN_cuDeviceGetAttribute)(int *value, int attribute, CUdevice device);
typedef CUresult (*PFN_cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
typedef CUresult (*PFN_cuCtxSetCurrent)(CUcontext context);
typedef CUresult (*PFN_cuMemAlloc_v2)(CUdeviceptr *pointer, size_t bytes);
typedef CUresult (*PFN_cuMemFree_v2)(CUdeviceptr pointer);
typedef CUresult (*PFN_cuMemAllocHost_v2)(void **pointer, size_t bytes);
typedef CUresult (*PFN_cuMemFreeHost)(void *pointer);
typedef CUresult (*PFN_cuMemcpyHtoD_v2)(CUdeviceptr dst, const void *src, size_t bytes);
typedef CUresult (*PFN_cuMemcpyDtoH_v2)(void *dst, CUdeviceptr src, size_t bytes);
typedef CUresult (*PFN_cuMemcpyDtoD_v2)(CUdeviceptr dst, CUdeviceptr src, size_t bytes);
typedef CUresult (*PFN_cuMemcpyHtoDAsync_v2)(CUdeviceptr dst, const void *src, size_t bytes, CUstream stream);
typedef CUresult (*PFN_cuMemcpyDtoHAsync_v2)(void *dst, CUdeviceptr src, size_t bytes, CUstream stream);
typedef CUresult (*PFN_cuMemcpyDtoDAsync_v2)(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream);
typedef CUresult (*PFN_cuMemsetD32_v2)(CUdeviceptr dst, unsigned int value, size_t count);
typedef CUresult (*PFN_cuMemsetD32Async)(CUdeviceptr dst, unsigned int value, size_t count, CUstream stream);
typedef CUresult (*PFN_cuStreamCreate)(CUstream *stream, unsigned int flags);
typedef CUresult (*PFN_cuStreamSynchronize)(CUstream stream);
typedef CUresult (*PFN_cuModuleLoadData)(CUmodule *module, const void *image);
typedef CUresult (*PFN_cuModuleGetFunction)(CUfunction *function, CUmodule module, const char *name);
typedef CUresult (*PFN_cuLaunchKernel)(CUfunction f, unsigned int gridX, unsigned int gridY, unsigned int gridZ,
                                       unsigned int blockX, unsigned int blockY, unsigned int blockZ,
                                       unsigned int sharedBytes, CUstream stream, void **params, void **extra);
typedef CUresult (*PFN_cuGetErrorString)(CUresult error, const char **text);
typedef CUresult (*PFN_cuEventCreate)(CUevent *event, unsigned int flags);
typedef CUresult (*PFN_cuEventRecord)(CUevent event, CUstream stream);
typedef CUresult (*PFN_cuEventSynchronize)(CUevent event);
typedef CUresult (*PFN_cuEventElapsedTime)(float *milliseconds, CUevent start, CUevent end);
typedef CUresult (*PFN_cuEventDestroy_v2)(CUevent event);

// MARK: NVRTC (libnvrtc.so.*)
typedef int nvrtcResult;                 // NVRTC_SUCCESS = 0
typedef struct _nvrtcProgram *nvrtcProgram;

typedef nvrtcResult (*PFN_nvrtcVersion)(int *major, int *minor);
typedef const char *(*PFN_nvrtcGetErrorString)(nvrtcResult result);
typedef nvrtcResult (*PFN_nvrtcCreateProgram)(nvrtcProgram *program, const char *source, const char *name,
                                              int headerCount, const char *const *headers,
                                              const char *const *includeNames);
typedef nvrtcResult (*PFN_nvrtcDestroyProgram)(nvrtcProgram *program);
typedef nvrtcResult (*PFN_nvrtcCompileProgram)(nvrtcProgram program, int optionCount, const char *const *options);
typedef nvrtcResult (*PFN_nvrtcGetSize)(nvrtcProgram program, size_t *bytes);     // GetPTXSize, GetCUBINSize, GetProgramLogSize
typedef nvrtcResult (*PFN_nvrtcGetBytes)(nvrtcProgram program, char *bytes);      // GetPTX, GetCUBIN, GetProgramLog

// MARK: cuBLAS (libcublas.so.*)
typedef int cublasStatus_t;              // CUBLAS_STATUS_SUCCESS = 0
typedef struct cublasContext *cublasHandle_t;
enum {
    CCUDA_CUBLAS_OP_N = 0,
    CCUDA_CUBLAS_OP_T = 1,
    CCUDA_CUBLAS_DEFAULT_MATH = 0,       // float32 GEMM in float32 (no TF32)
    CCUDA_CUBLAS_PEDANTIC_MATH = 2,
    CCUDA_CUBLAS_TF32_TENSOR_OP_MATH = 3,
};

typedef cublasStatus_t (*PFN_cublasCreate_v2)(cublasHandle_t *handle);
typedef cublasStatus_t (*PFN_cublasGetVersion_v2)(cublasHandle_t handle, int *version);
typedef cublasStatus_t (*PFN_cublasSetStream_v2)(cublasHandle_t handle, CUstream stream);
typedef cublasStatus_t (*PFN_cublasSetMathMode)(cublasHandle_t handle, int mode);
typedef cublasStatus_t (*PFN_cublasSgemm_v2)(cublasHandle_t handle, int transa, int transb, int m, int n, int k,
                                             const float *alpha, const float *a, int lda, const float *b, int ldb,
                                             const float *beta, float *c, int ldc);
typedef cublasStatus_t (*PFN_cublasSgemmStridedBatched)(cublasHandle_t handle, int transa, int transb,
                                                        int m, int n, int k, const float *alpha,
                                                        const float *a, int lda, long long strideA,
                                                        const float *b, int ldb, long long strideB,
                                                        const float *beta, float *c, int ldc, long long strideC,
                                                        int batchCount);

// MARK: cuFFT (libcufft.so.*)
typedef int cufftResult;                 // CUFFT_SUCCESS = 0
typedef int cufftHandle;
enum {
    CCUDA_CUFFT_R2C = 0x2a,
    CCUDA_CUFFT_C2R = 0x2c,
    CCUDA_CUFFT_C2C = 0x29,
};

typedef cufftResult (*PFN_cufftGetVersion)(int *version);
typedef cufftResult (*PFN_cufftPlanMany)(cufftHandle *plan, int rank, int *n, int *inembed, int istride, int idist,
                                         int *onembed, int ostride, int odist, int type, int batch);
typedef cufftResult (*PFN_cufftExecR2C)(cufftHandle plan, float *input, void *output);
typedef cufftResult (*PFN_cufftSetStream)(cufftHandle plan, CUstream stream);
typedef cufftResult (*PFN_cufftDestroy)(cufftHandle plan);

// MARK: Helper (ccuda.c)
/// The path of the shared library that holds `symbol`, or NULL.
const char *ccuda_library_path(const void *symbol);

#endif

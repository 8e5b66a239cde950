/* Forwarders that load oneDNN, OpenBLAS and soxr on first use: see include/CLazyLibraries.h. */
#define _GNU_SOURCE
#include "CLazyLibraries.h"

#include <dlfcn.h>
#include <openblas-pthread/cblas.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <soxr.h>
#include <stdio.h>
#include <stdlib.h>

#define HIDDEN __attribute__((visibility("hidden")))

/* The sonames of Debian 12's libdnnl2, libopenblas0 and libsoxr0. */
enum { DNNL_LIBRARY, BLAS_LIBRARY, SOXR_LIBRARY, LIBRARIES };
static const char *const sonames[LIBRARIES] = {"libdnnl.so.2", "libopenblas.so.0", "libsoxr.so.0"};
static const char *const purposes[LIBRARIES] = {"oneDNN, for the model's convolutions and matrix products",
                                                "OpenBLAS, for the model's matrix products", "soxr, for resampling audio"};
static void *handles[LIBRARIES];
static pthread_once_t once[LIBRARIES] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};
/* Guards OpenBLAS's handle being published and `pending_blas_threads`. */
static pthread_mutex_t blas_lock = PTHREAD_MUTEX_INITIALIZER;
/* openblas_set_num_threads before OpenBLAS is loaded: applied when it is (0: none asked). */
static int pending_blas_threads;

static void *open_library(int which) {
    /* RTLD_LOCAL: the library's symbols stay out of the global scope, so nothing else binds to
       them, and its own calls to its functions never reach these forwarders. */
    void *h = dlopen(sonames[which], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "warbler: cannot load %s (%s): %s\n", sonames[which], purposes[which], dlerror());
        exit(1);
    }
    return h;
}

static void load_dnnl(void) { __atomic_store_n(&handles[DNNL_LIBRARY], open_library(DNNL_LIBRARY), __ATOMIC_RELEASE); }
static void load_soxr(void) { __atomic_store_n(&handles[SOXR_LIBRARY], open_library(SOXR_LIBRARY), __ATOMIC_RELEASE); }

static void load_blas(void) {
    void *h = open_library(BLAS_LIBRARY);
    pthread_mutex_lock(&blas_lock);
    if (pending_blas_threads > 0) {
        void (*set)(int) = (void (*)(int))dlsym(h, "openblas_set_num_threads");
        if (set) set(pending_blas_threads);
    }
    __atomic_store_n(&handles[BLAS_LIBRARY], h, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&blas_lock);
}

static void *symbol(int which, const char *name) {
    static void (*const loaders[LIBRARIES])(void) = {load_dnnl, load_blas, load_soxr};
    pthread_once(&once[which], loaders[which]);
    void *f = dlsym(handles[which], name);
    if (!f) {
        fprintf(stderr, "warbler: %s has no function %s (%s): install the version Warbler was built with\n", sonames[which], name,
                purposes[which]);
        exit(1);
    }
    return f;
}

/* One forwarder: the first call looks the function up (loading the library), later calls go
   straight to it. `params` must match the library's prototype, which the compiler checks
   against the header's declaration. */
#define FORWARD(which, ret, name, params, args)                                                                  \
    HIDDEN ret name params {                                                                                      \
        static ret(*fn) params;                                                                                   \
        ret(*f) params = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);                                                 \
        if (!f) {                                                                                                 \
            f = (ret(*) params)symbol(which, #name);                                                              \
            __atomic_store_n(&fn, f, __ATOMIC_RELEASE);                                                          \
        }                                                                                                         \
        return f args;                                                                                            \
    }
/* The same for a function that returns nothing. */
#define FORWARD_VOID(which, name, params, args)                                                                  \
    HIDDEN void name params {                                                                                     \
        static void(*fn) params;                                                                                  \
        void(*f) params = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);                                                \
        if (!f) {                                                                                                 \
            f = (void(*) params)symbol(which, #name);                                                             \
            __atomic_store_n(&fn, f, __ATOMIC_RELEASE);                                                          \
        }                                                                                                         \
        f args;                                                                                                   \
    }
#define DNNL(ret, name, params, args) FORWARD(DNNL_LIBRARY, ret, name, params, args)
#define BLAS(ret, name, params, args) FORWARD(BLAS_LIBRARY, ret, name, params, args)
#define SOXR(ret, name, params, args) FORWARD(SOXR_LIBRARY, ret, name, params, args)
#define BLAS_VOID(name, params, args) FORWARD_VOID(BLAS_LIBRARY, name, params, args)
#define SOXR_VOID(name, params, args) FORWARD_VOID(SOXR_LIBRARY, name, params, args)

typedef const dnnl_memory_desc_t *memory_desc_pointer;
typedef const dnnl_version_t *version_pointer;
typedef char *string;

DNNL(dnnl_status_t, dnnl_engine_create, (dnnl_engine_t * engine, dnnl_engine_kind_t kind, size_t index), (engine, kind, index))
DNNL(dnnl_status_t, dnnl_engine_destroy, (dnnl_engine_t engine), (engine))
DNNL(dnnl_status_t, dnnl_stream_create, (dnnl_stream_t * stream, dnnl_engine_t engine, unsigned flags), (stream, engine, flags))
DNNL(dnnl_status_t, dnnl_stream_destroy, (dnnl_stream_t stream), (stream))
DNNL(dnnl_status_t, dnnl_stream_wait, (dnnl_stream_t stream), (stream))
DNNL(dnnl_status_t, dnnl_memory_create,
     (dnnl_memory_t * memory, const dnnl_memory_desc_t *memory_desc, dnnl_engine_t engine, void *handle),
     (memory, memory_desc, engine, handle))
DNNL(dnnl_status_t, dnnl_memory_destroy, (dnnl_memory_t memory), (memory))
DNNL(dnnl_status_t, dnnl_memory_set_data_handle, (dnnl_memory_t memory, void *handle), (memory, handle))
DNNL(int, dnnl_memory_desc_equal, (const dnnl_memory_desc_t *lhs, const dnnl_memory_desc_t *rhs), (lhs, rhs))
DNNL(size_t, dnnl_memory_desc_get_size, (const dnnl_memory_desc_t *memory_desc), (memory_desc))
DNNL(dnnl_status_t, dnnl_memory_desc_init_by_strides,
     (dnnl_memory_desc_t * memory_desc, int ndims, const dnnl_dims_t dims, dnnl_data_type_t data_type, const dnnl_dims_t strides),
     (memory_desc, ndims, dims, data_type, strides))
DNNL(dnnl_status_t, dnnl_memory_desc_init_by_tag,
     (dnnl_memory_desc_t * memory_desc, int ndims, const dnnl_dims_t dims, dnnl_data_type_t data_type, dnnl_format_tag_t tag),
     (memory_desc, ndims, dims, data_type, tag))
DNNL(dnnl_status_t, dnnl_post_ops_create, (dnnl_post_ops_t * post_ops), (post_ops))
DNNL(dnnl_status_t, dnnl_post_ops_destroy, (dnnl_post_ops_t post_ops), (post_ops))
DNNL(dnnl_status_t, dnnl_post_ops_append_sum, (dnnl_post_ops_t post_ops, float scale), (post_ops, scale))
DNNL(dnnl_status_t, dnnl_primitive_attr_create, (dnnl_primitive_attr_t * attr), (attr))
DNNL(dnnl_status_t, dnnl_primitive_attr_destroy, (dnnl_primitive_attr_t attr), (attr))
DNNL(dnnl_status_t, dnnl_primitive_attr_set_output_scales, (dnnl_primitive_attr_t attr, dnnl_dim_t count, int mask, const float *scales),
     (attr, count, mask, scales))
DNNL(dnnl_status_t, dnnl_primitive_attr_set_post_ops, (dnnl_primitive_attr_t attr, const_dnnl_post_ops_t post_ops), (attr, post_ops))
DNNL(dnnl_status_t, dnnl_primitive_attr_set_scratchpad_mode, (dnnl_primitive_attr_t attr, dnnl_scratchpad_mode_t mode), (attr, mode))
DNNL(dnnl_status_t, dnnl_primitive_desc_create,
     (dnnl_primitive_desc_t * primitive_desc, const_dnnl_op_desc_t op_desc, const_dnnl_primitive_attr_t attr, dnnl_engine_t engine,
      const_dnnl_primitive_desc_t hint_forward_primitive_desc),
     (primitive_desc, op_desc, attr, engine, hint_forward_primitive_desc))
DNNL(dnnl_status_t, dnnl_primitive_desc_destroy, (dnnl_primitive_desc_t primitive_desc), (primitive_desc))
DNNL(dnnl_status_t, dnnl_primitive_desc_query, (const_dnnl_primitive_desc_t primitive_desc, dnnl_query_t what, int index, void *result),
     (primitive_desc, what, index, result))
DNNL(memory_desc_pointer, dnnl_primitive_desc_query_md, (const_dnnl_primitive_desc_t primitive_desc, dnnl_query_t what, int index),
     (primitive_desc, what, index))
DNNL(dnnl_status_t, dnnl_primitive_create, (dnnl_primitive_t * primitive, const_dnnl_primitive_desc_t primitive_desc),
     (primitive, primitive_desc))
DNNL(dnnl_status_t, dnnl_primitive_destroy, (dnnl_primitive_t primitive), (primitive))
DNNL(dnnl_status_t, dnnl_primitive_execute, (const_dnnl_primitive_t primitive, dnnl_stream_t stream, int nargs, const dnnl_exec_arg_t *args),
     (primitive, stream, nargs, args))
DNNL(dnnl_status_t, dnnl_reorder_primitive_desc_create,
     (dnnl_primitive_desc_t * reorder_primitive_desc, const dnnl_memory_desc_t *src_desc, dnnl_engine_t src_engine,
      const dnnl_memory_desc_t *dst_desc, dnnl_engine_t dst_engine, const_dnnl_primitive_attr_t attr),
     (reorder_primitive_desc, src_desc, src_engine, dst_desc, dst_engine, attr))
DNNL(dnnl_status_t, dnnl_matmul_desc_init,
     (dnnl_matmul_desc_t * matmul_desc, const dnnl_memory_desc_t *src_desc, const dnnl_memory_desc_t *weights_desc,
      const dnnl_memory_desc_t *bias_desc, const dnnl_memory_desc_t *dst_desc),
     (matmul_desc, src_desc, weights_desc, bias_desc, dst_desc))
DNNL(dnnl_status_t, dnnl_dilated_convolution_forward_desc_init,
     (dnnl_convolution_desc_t * conv_desc, dnnl_prop_kind_t prop_kind, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *src_desc,
      const dnnl_memory_desc_t *weights_desc, const dnnl_memory_desc_t *bias_desc, const dnnl_memory_desc_t *dst_desc,
      const dnnl_dims_t strides, const dnnl_dims_t dilates, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r),
     (conv_desc, prop_kind, alg_kind, src_desc, weights_desc, bias_desc, dst_desc, strides, dilates, padding_l, padding_r))
DNNL(dnnl_status_t, dnnl_dilated_convolution_backward_data_desc_init,
     (dnnl_convolution_desc_t * conv_desc, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *diff_src_desc,
      const dnnl_memory_desc_t *weights_desc, const dnnl_memory_desc_t *diff_dst_desc, const dnnl_dims_t strides,
      const dnnl_dims_t dilates, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r),
     (conv_desc, alg_kind, diff_src_desc, weights_desc, diff_dst_desc, strides, dilates, padding_l, padding_r))
DNNL(dnnl_status_t, dnnl_dilated_convolution_backward_weights_desc_init,
     (dnnl_convolution_desc_t * conv_desc, dnnl_alg_kind_t alg_kind, const dnnl_memory_desc_t *src_desc,
      const dnnl_memory_desc_t *diff_weights_desc, const dnnl_memory_desc_t *diff_bias_desc, const dnnl_memory_desc_t *diff_dst_desc,
      const dnnl_dims_t strides, const dnnl_dims_t dilates, const dnnl_dims_t padding_l, const dnnl_dims_t padding_r),
     (conv_desc, alg_kind, src_desc, diff_weights_desc, diff_bias_desc, diff_dst_desc, strides, dilates, padding_l, padding_r))
DNNL(version_pointer, dnnl_version, (void), ())

BLAS(int, openblas_get_num_threads, (void), ())
BLAS(string, openblas_get_config, (void), ())
BLAS_VOID(cblas_sgemm,
     (OPENBLAS_CONST enum CBLAS_ORDER Order, OPENBLAS_CONST enum CBLAS_TRANSPOSE TransA, OPENBLAS_CONST enum CBLAS_TRANSPOSE TransB,
      OPENBLAS_CONST blasint M, OPENBLAS_CONST blasint N, OPENBLAS_CONST blasint K, OPENBLAS_CONST float alpha, OPENBLAS_CONST float *A,
      OPENBLAS_CONST blasint lda, OPENBLAS_CONST float *B, OPENBLAS_CONST blasint ldb, OPENBLAS_CONST float beta, float *C,
      OPENBLAS_CONST blasint ldc),
     (Order, TransA, TransB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))

SOXR(soxr_t, soxr_create,
     (double input_rate, double output_rate, unsigned num_channels, soxr_error_t *error, soxr_io_spec_t const *io_spec,
      soxr_quality_spec_t const *quality_spec, soxr_runtime_spec_t const *runtime_spec),
     (input_rate, output_rate, num_channels, error, io_spec, quality_spec, runtime_spec))
SOXR(soxr_error_t, soxr_process,
     (soxr_t resampler, soxr_in_t in, size_t ilen, size_t *idone, soxr_out_t out, size_t olen, size_t *odone),
     (resampler, in, ilen, idone, out, olen, odone))
SOXR(soxr_quality_spec_t, soxr_quality_spec, (unsigned long recipe, unsigned long flags), (recipe, flags))
SOXR(soxr_runtime_spec_t, soxr_runtime_spec, (unsigned num_threads), (num_threads))
SOXR(soxr_io_spec_t, soxr_io_spec, (soxr_datatype_t itype, soxr_datatype_t otype), (itype, otype))

SOXR_VOID(soxr_delete, (soxr_t resampler), (resampler))

/* Before OpenBLAS is loaded, remember the count (applied at load); after, pass it on. Setting a
   thread count is no reason to load the library. */
HIDDEN void openblas_set_num_threads(int num_threads) {
    pthread_mutex_lock(&blas_lock);
    int loaded = handles[BLAS_LIBRARY] != NULL;
    if (!loaded) pending_blas_threads = num_threads;
    pthread_mutex_unlock(&blas_lock);
    if (!loaded) return;
    void (*set)(int) = (void (*)(int))symbol(BLAS_LIBRARY, "openblas_set_num_threads");
    set(num_threads);
}

void warbler_omp_set_num_threads(int threads) {
    static void (*fn)(int);
    void (*f)(int) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
    if (!f) {
        pthread_once(&once[DNNL_LIBRARY], load_dnnl);
        /* From the libgomp that oneDNN depends on (dlsym searches a handle's dependencies). */
        f = (void (*)(int))dlsym(handles[DNNL_LIBRARY], "omp_set_num_threads");
        if (!f) {
            fprintf(stderr, "warbler: %s loaded no OpenMP runtime (omp_set_num_threads): %s\n", sonames[DNNL_LIBRARY],
                    purposes[DNNL_LIBRARY]);
            exit(1);
        }
        __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
    }
    f(threads);
}

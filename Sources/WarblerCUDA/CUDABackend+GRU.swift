// CUDA GRU primitives: the forward is one cuBLAS GEMM and one gate kernel per step, the backward
// one gate-gradient kernel and one GEMM per step plus three GEMM/sum passes for the weight and
// bias gradients (Kernels+GRU.swift).
import CCUDA
import Foundation
import WarblerTensor

extension CUDABackend {
    public func gruForward(_ gi: Storage, weightHH: Storage, biasHH: Storage?, initialHidden: Storage, layout: GRULayout,
                           outputs: Storage, workspace: Storage?) {
        let B = layout.batch, H = layout.hidden, G = 3 * layout.hidden
        let gh = allocate(B * G)
        must {
            for i in 0..<layout.steps {
                let t = layout.time(ofStep: i)
                let prev = layout.previous(of: t)
                let hPrev = prev.map { ptr(outputs, $0 * B * H) } ?? ptr(initialHidden)
                // gh = h W_hh^T [B, 3H]; the bias is added in the gate kernel.
                try cuda.gemm(transA: false, transB: true, m: B, n: G, k: H, alpha: 1, a: hPrev, aBatchStride: 0,
                              b: ptr(weightHH), bBatchStride: 0, beta: 0, c: ptr(gh), cBatchStride: 0, batch: 1)
                try windowed.launch("gru_gates", count: B * H,
                                    [.pointer(ptr(gi, t * B * G)), .pointer(ptr(gh)), .pointer(biasHH.map { ptr($0) } ?? 0),
                                     .pointer(hPrev), .pointer(ptr(outputs, t * B * H)),
                                     .pointer(workspace.map { ptr($0, t * layout.workspacePerStep) } ?? 0),
                                     .int64(Int64(B)), .int64(Int64(H))])
            }
        }
    }

    /// Per step (latest first): the gate backward kernel, then dL/dh += dL/dgh W_hh (cuBLAS);
    /// then dW_hh = sum_t dgh_t^T h_{t-1} as two GEMMs and db_hh as a column sum, as on the CPU.
    public func gruBackward(_ gradOutputs: Storage, weightHH: Storage, initialHidden: Storage, outputs: Storage,
                            workspace: Storage, layout: GRULayout, gradInputProjections: Storage,
                            gradWeightHH: Storage?, gradBiasHH: Storage?, gradInitialHidden: Storage) {
        let B = layout.batch, H = layout.hidden, G = 3 * layout.hidden, T = layout.steps
        let dgh = allocate(T * B * G)
        let carry = gradInitialHidden
        fill(carry, with: 0)
        must {
            for i in stride(from: T - 1, through: 0, by: -1) {
                let t = layout.time(ofStep: i)
                let prev = layout.previous(of: t)
                try windowed.launch("gru_gates_backward", count: B * H,
                                    [.pointer(ptr(gradOutputs, t * B * H)), .pointer(ptr(carry)),
                                     .pointer(prev.map { ptr(outputs, $0 * B * H) } ?? ptr(initialHidden)),
                                     .pointer(ptr(workspace, t * layout.workspacePerStep)),
                                     .pointer(ptr(gradInputProjections, t * B * G)), .pointer(ptr(dgh, t * B * G)),
                                     .int64(Int64(B)), .int64(Int64(H))])
                try cuda.gemm(transA: false, transB: false, m: B, n: H, k: G, alpha: 1, a: ptr(dgh, t * B * G), aBatchStride: 0,
                              b: ptr(weightHH), bBatchStride: 0, beta: 1, c: ptr(carry), cBatchStride: 0, batch: 1)
            }
            if let gradWeightHH {
                let first = layout.time(ofStep: 0)
                if T > 1 {
                    try cuda.gemm(transA: true, transB: false, m: G, n: H, k: (T - 1) * B, alpha: 1,
                                  a: ptr(dgh, (layout.reverse ? 0 : 1) * B * G), aBatchStride: 0,
                                  b: ptr(outputs, (layout.reverse ? 1 : 0) * B * H), bBatchStride: 0,
                                  beta: 0, c: ptr(gradWeightHH), cBatchStride: 0, batch: 1)
                }
                try cuda.gemm(transA: true, transB: false, m: G, n: H, k: B, alpha: 1,
                              a: ptr(dgh, first * B * G), aBatchStride: 0, b: ptr(initialHidden), bBatchStride: 0,
                              beta: T > 1 ? 1 : 0, c: ptr(gradWeightHH), cBatchStride: 0, batch: 1)
            }
        }
        if let gradBiasHH {
            reduce(.sum, dgh, shape: [T * B, G], axes: [0], into: gradBiasHH, indices: nil)
        }
    }
}

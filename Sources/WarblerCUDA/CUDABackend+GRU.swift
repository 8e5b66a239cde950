// CUDA GRU primitives: the per-step passes are one gate kernel and one gate-gradient kernel
// (Kernels+GRU.swift); the time loop and its cuBLAS GEMMs are the shared one (GRUSteps.swift in
// WarblerTensor); the bias gradient is a column sum.
import CCUDA
import Foundation
import WarblerTensor

extension CUDABackend: GRUStepPrimitives {
    public func gruGates(
        _ gi: Storage, giOffset: Int, hiddenProjections gh: Storage, biasHH: Storage?, previous h: Storage,
        hOffset: Int, into outputs: Storage, outOffset: Int, workspace: Storage?, workOffset: Int,
        batch B: Int, hidden H: Int
    ) {
        must {
            try windowed.launch(
                "gru_gates", count: B * H,
                [
                    .pointer(ptr(gi, giOffset)), .pointer(ptr(gh)), .pointer(biasHH.map { ptr($0) } ?? 0),
                    .pointer(ptr(h, hOffset)), .pointer(ptr(outputs, outOffset)),
                    .pointer(workspace.map { ptr($0, workOffset) } ?? 0),
                    .int64(Int64(B)), .int64(Int64(H)),
                ])
        }
    }

    public func gruBiasGradient(_ gradHiddenProjections: Storage, rows: Int, gates: Int, into gradBiasHH: Storage) {
        reduce(.sum, gradHiddenProjections, shape: [rows, gates], axes: [0], into: gradBiasHH, indices: nil)
    }

    public func gruGatesBackward(
        _ gradOutputs: Storage, gOffset: Int, carry: Storage, previous h: Storage, hOffset: Int,
        workspace: Storage, workOffset: Int, gradInputProjections: Storage, dxOffset: Int,
        gradHiddenProjections: Storage, dghOffset: Int, batch B: Int, hidden H: Int
    ) {
        must {
            try windowed.launch(
                "gru_gates_backward", count: B * H,
                [
                    .pointer(ptr(gradOutputs, gOffset)), .pointer(ptr(carry)), .pointer(ptr(h, hOffset)),
                    .pointer(ptr(workspace, workOffset)), .pointer(ptr(gradInputProjections, dxOffset)),
                    .pointer(ptr(gradHiddenProjections, dghOffset)), .int64(Int64(B)), .int64(Int64(H)),
                ])
        }
    }
}

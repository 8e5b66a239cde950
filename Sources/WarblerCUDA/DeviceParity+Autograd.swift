// Tensor-level parity: a small model built from the engine's public ops (conv2d, batch norm,
// ReLU, max pooling, matmul, log-softmax, a GRU sequence) run forward and backward with
// autograd on a reference (the CPU, or a host backend) and on the device from the same values;
// the loss, the output and every gradient must agree (1e-4 + 1e-3 |ref|: many float32 sums in
// different orders). This is the check that models written against `Tensor` run on the GPU
// unchanged.
import Foundation
import WarblerTensor

extension DeviceParity {
    /// The model on `device` against the same model on the CPU, or, given `hostReference`, on
    /// that host backend (`Backends.withHostBackend`; the ReferenceBackend checks the tuned CPU).
    static func autograd(device: Device, hostReference: Backend? = nil) throws -> [ParityResult] {
        var rng = ParityRandom(seed: 23)
        let values: [(String, [Int], Float)] = [
            ("x", [2, 3, 10, 9], 1), ("conv.weight", [4, 3, 3, 3], 0.3), ("conv.bias", [4], 0.1),
            ("bn.weight", [4], 1), ("bn.bias", [4], 0.1), ("head.weight", [4 * 5 * 4, 6], 0.2),
            ("gru.weight_ih", [4, 3 * 5], 0.3), ("gru.weight_hh", [3 * 5, 5], 0.3), ("gru.bias_hh", [3 * 5], 0.1),
        ]
        let inits = values.map { (name, dims, scale) in (name, dims, rng.array(dims.reduce(1, *), -scale, scale)) }

        func run(on d: Device) throws -> [(String, [Float])] {
            let p = try inits.map { (_, dims, v) in try Tensor(v, shape: Shape(dims), device: d, requiresGrad: true) }
            let runningMean = try Tensor.zeros([4], device: d), runningVar = try Tensor.ones([4], device: d)
            // [2, 3, 10, 9] -> conv (stride 1, pad 1) [2, 4, 10, 9] -> BN -> ReLU -> pool 2 -> [2, 4, 5, 4]
            var h = try p[0].conv2d(weight: p[1], bias: p[2], padding: (1, 1))
            h = try h.batchNorm(runningMean: runningMean, runningVar: runningVar, weight: p[3], bias: p[4], training: true)
            h = try h.relu().maxPool2d(kernel: (2, 2))
            let logits = try h.reshaped(2, 80).matmul(p[5]).logSoftmax(axis: 1)  // [2, 6]
            // A GRU over the 4 pooled rows of frequency-averaged features: [T 4, B 2, X 4].
            let seq = try h.mean(axes: [3]).permuted([2, 0, 1])  // [5, 2, 4]
            let gi = try seq.reshaped(10, 4).matmul(p[6]).reshaped(5, 2, 15)
            let h0 = try Tensor.zeros([2, 5], device: d)
            let (outputs, _) = try Tensor.gruSequence(inputProjections: gi, weightHH: p[7], biasHH: p[8], initialHidden: h0)
            let loss = try (try logits.sum()) * 0.5 + (try outputs.square().sum())
            try loss.backward()
            return [
                ("loss", loss.toArray()), ("logits", logits.toArray()), ("gru outputs", outputs.toArray()),
                ("running var", runningVar.toArray()),
            ]
                + zip(inits, p).map { ("d " + $0.0.0, $0.1.grad?.toArray() ?? []) }
        }
        let cpu = try hostReference.map { b in try Backends.withHostBackend(b) { try run(on: .cpu) } } ?? run(on: .cpu)
        let gpu = try run(on: device)
        return zip(cpu, gpu).map { c, g in
            ParityResult.compare("autograd model: \(c.0)", device: device, expected: c.1, actual: g.1, atol: 1e-4, rtol: 1e-3)
        }
    }
}

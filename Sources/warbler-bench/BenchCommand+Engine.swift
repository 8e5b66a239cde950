// `warbler-bench engine`: in-process timings of the tensor engine's heavy ops, for
// bench/engine.py to compare with PyTorch on the same shapes in the same run: a list of
// convolutions (the ones a ResNeSt-50 runs on the SED input, read from a JSON file the script
// writes from timm), a bidirectional GRU, and a conv-BN-ReLU block forward + backward.
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerIO
import WarblerNN
import WarblerTensor

extension BenchCommand {
    struct EngineBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "engine", abstract: "Time convolutions, the GRU and a conv-BN-ReLU block on the CPU.")

        @Option(
            help:
                "JSON list of convolutions: {\"x\": [N,C,H,W], \"w\": [O,C/g,kH,kW], \"stride\": [sH,sW], \"padding\": [pH,pW], \"dilation\": [dH,dW], \"groups\": g}."
        )
        var convs: String?
        @Flag(help: "Also time each convolution's forward + backward (input and weight gradients).")
        var backward = false
        @Option(help: "Bidirectional GRU as INPUT,HIDDEN,STEPS,BATCH (repeatable).")
        var gru: [String] = []
        @Option(help: "Conv(3x3)-BN-ReLU block forward + backward on input N,C,H,W (repeatable).")
        var block: [String] = []
        @Option(help: "Convolution path: automatic, oneDNN, oneDNNPlain or im2col.")
        var convPath: String = "automatic"
        @Option(help: "Timed repetitions.")
        var repeats: Int = 7
        @Option(help: "Untimed runs before the timed ones (the first calls of a process pay for thread start-up and JIT).")
        var warmup: Int = 3

        func validate() throws {
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, not \(repeats).") }
            guard ConvolutionPath(rawValue: convPath) != nil else {
                throw ValidationError("--conv-path must be one of \(ConvolutionPath.allCases.map(\.rawValue).joined(separator: ", ")), not \(convPath).")
            }
        }

        func run() throws {
            var generator = SeededGenerator(seed: 1)
            try CPUBackend.withConvolutionPath(ConvolutionPath(rawValue: convPath)!) {
                if let convs { try timeConvolutions(path: convs, generator: &generator) }
                for spec in gru { try timeGRU(spec, generator: &generator) }
                for spec in block { try timeBlock(spec, generator: &generator) }
            }
        }

        /// Uniform values in [-1, 1) for a tensor of `shape`.
        static func random(_ shape: [Int], requiresGrad: Bool = false, generator: inout SeededGenerator) throws -> Tensor {
            let n = shape.reduce(1, *)
            let values = (0..<n).map { _ in Float.random(in: -1..<1, using: &generator) }
            return try Tensor(values, shape: Shape(shape), requiresGrad: requiresGrad)
        }

        static func integers(_ spec: String, count: Int, option: String) throws -> [Int] {
            let parts = spec.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == count, parts.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("\(option) needs \(count) positive integers separated by commas, not '\(spec)'.")
            }
            return parts
        }

        struct ConvCase: Decodable {
            let x: [Int], w: [Int], stride: [Int], padding: [Int], dilation: [Int], groups: Int
        }

        func timeConvolutions(path: String, generator: inout SeededGenerator) throws {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw ValidationError("\(path): cannot read the convolution list: \(FileSystemErrors.cause(of: error) ?? String(describing: error)).")
            }
            let cases = try JSONDecoder().decode([ConvCase].self, from: data)
            for (i, c) in cases.enumerated() {
                let x = try Self.random(c.x, requiresGrad: backward, generator: &generator)
                let w = try Self.random(c.w, requiresGrad: backward, generator: &generator)
                let conv = {
                    try x.conv2d(
                        weight: w, stride: (c.stride[0], c.stride[1]), padding: (c.padding[0], c.padding[1]),
                        dilation: (c.dilation[0], c.dilation[1]), groups: c.groups)
                }
                let forward = try BenchCommand.median(repeats: repeats, warmup: warmup) { _ = try GradMode.withoutGradients(conv) }
                var row: [String: Any] = ["stage": "conv", "index": i, "forward_ms": forward.median]
                if backward {
                    var gradient: Tensor?
                    let t = try BenchCommand.median(repeats: repeats, warmup: warmup) {
                        x.zeroGrad()
                        w.zeroGrad()
                        let y = try conv()
                        if gradient == nil { gradient = try Tensor.ones(y.shape) }
                        try y.backward(gradient: gradient)
                    }
                    row["forward_backward_ms"] = t.median
                }
                BenchCommand.emit(row)
            }
        }

        func timeGRU(_ spec: String, generator: inout SeededGenerator) throws {
            let p = try Self.integers(spec, count: 4, option: "--gru")
            let (input, hidden, steps, batch) = (p[0], p[1], p[2], p[3])
            let gru = try GRU(inputSize: input, hiddenSize: hidden, bidirectional: true, batchFirst: true, generator: &generator)
            let x = try Self.random([batch, steps, input], requiresGrad: true, generator: &generator)
            let forward = try BenchCommand.median(repeats: repeats, warmup: warmup) {
                _ = try GradMode.withoutGradients { try gru(x) }
            }
            let training = try BenchCommand.median(repeats: repeats, warmup: warmup) {
                x.zeroGrad()
                for t in gru.parameterTensors() { t.zeroGrad() }
                try gru(x).output.sum().backward()
            }
            BenchCommand.emit(["stage": "gru", "spec": spec, "forward_ms": forward.median, "forward_backward_ms": training.median])
        }

        func timeBlock(_ spec: String, generator: inout SeededGenerator) throws {
            let p = try Self.integers(spec, count: 4, option: "--block")
            let c = p[1]
            let x = try Self.random(p, requiresGrad: true, generator: &generator)
            let w = try Self.random([c, c, 3, 3], requiresGrad: true, generator: &generator)
            let gamma = try Tensor.ones([c], requiresGrad: true)
            let beta = try Tensor.zeros([c], requiresGrad: true)
            let mean = try Tensor.zeros([c]), variance = try Tensor.ones([c])
            let t = try BenchCommand.median(repeats: repeats, warmup: warmup) {
                for t in [x, w, gamma, beta] { t.zeroGrad() }
                let y = try x.conv2d(weight: w, padding: (1, 1))
                    .batchNorm(runningMean: mean, runningVar: variance, weight: gamma, bias: beta, training: true, relu: true)
                try y.sum().backward()
            }
            BenchCommand.emit(["stage": "block", "spec": spec, "forward_backward_ms": t.median])
        }
    }
}

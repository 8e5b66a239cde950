// Checking a checkpoint's config before any model is built from it: the config in a file's
// metadata is data like any other, and a hostile or corrupted one (layers [1,1,1,10^7], classes
// 10^9, a 2^40 channel width) would otherwise allocate gigabytes, run for minutes or abort in the
// allocator before the strict key-by-key load could notice that the tensors do not fit. Two
// checks, both cheap: every size lies within generous limits (no product can overflow), and the
// weights of every convolution, GRU layer and head layer the config would build are present in
// the file with exactly the shapes the config implies. With the latter the model built can be
// no larger than the file's own tensors (plus its batch-norm vectors).
import Foundation

extension SEDConfig {
    /// Upper limits for a config read from a file. Far beyond any real model (resnest269e has
    /// 48 blocks in a stage and 2048 planes; BirdNET's largest label set is about 6,500).
    public enum Limits {
        public static let classes = 100_000
        public static let gruHidden = 16_384
        public static let gruLayers = 16
        public static let stages = 8
        public static let blocksPerStage = 256
        public static let channels = 16_384
        public static let stemWidth = 4_096
        public static let baseWidth = 4_096
        public static let cardinality = 256
        public static let radix = 16
        public static let inChannels = 64
    }

    /// Rejects sizes beyond `Limits`, naming the field. Run before anything is allocated.
    public func validateLimits() throws {
        func check(_ name: String, _ value: Int, _ limit: Int) throws {
            guard value >= 0 && value <= limit else {
                throw ModelError("\(name) \(value) is outside 0...\(limit)")
            }
        }
        try check("classes", classes, Limits.classes)
        try check("gruHidden", gruHidden, Limits.gruHidden)
        try check("gruLayers", gruLayers, Limits.gruLayers)
        let b = backbone
        guard b.layers.count <= Limits.stages, b.channels.count <= Limits.stages else {
            throw ModelError("backbone has \(max(b.layers.count, b.channels.count)) stages (at most \(Limits.stages))")
        }
        for (i, n) in b.layers.enumerated() { try check("backbone.layers[\(i)]", n, Limits.blocksPerStage) }
        for (i, n) in b.channels.enumerated() { try check("backbone.channels[\(i)]", n, Limits.channels) }
        try check("backbone.stemWidth", b.stemWidth, Limits.stemWidth)
        try check("backbone.baseWidth", b.baseWidth, Limits.baseWidth)
        try check("backbone.cardinality", b.cardinality, Limits.cardinality)
        try check("backbone.radix", b.radix, Limits.radix)
        try check("backbone.inChannels", b.inChannels, Limits.inChannels)
        try validate()
    }

    /// The weight shapes this config gives its convolutions, GRU and head, by PyTorch key
    /// (batch-norm vectors and biases follow from them and are left to the strict load).
    /// Call `validateLimits()` first: the products are only safe within the limits.
    public func expectedWeightShapes() -> [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        let b = backbone
        let s = b.stemWidth
        shapes["backbone.conv1.0.weight"] = [s, b.inChannels, 3, 3]
        shapes["backbone.conv1.3.weight"] = [s, s, 3, 3]
        shapes["backbone.conv1.6.weight"] = [2 * s, s, 3, 3]
        var inputChannels = 2 * s
        for (stage, (planes, blocks)) in zip(b.channels, b.layers).enumerated() {
            let stride = stage == 0 ? 1 : 2
            let prefix = "backbone.layer\(stage + 1)."
            if stride != 1 || inputChannels != planes * 4 {
                shapes[prefix + "0.downsample.1.weight"] = [planes * 4, inputChannels, 1, 1]
            }
            let width = Int(Double(planes) * (Double(b.baseWidth) / 64)) * b.cardinality
            let groups = b.cardinality * b.radix
            let attention = SplitAttention.makeDivisible(Double(width * b.radix) * 0.25, divisor: 8, minimum: 32)
            for block in 0..<blocks {
                let p = prefix + "\(block)."
                shapes[p + "conv1.weight"] = [width, inputChannels, 1, 1]
                shapes[p + "conv2.conv.weight"] = [width * b.radix, width / max(groups, 1), 3, 3]
                shapes[p + "conv2.fc1.weight"] = [attention, width / b.cardinality, 1, 1]
                shapes[p + "conv2.fc2.weight"] = [width * b.radix, attention / b.cardinality, 1, 1]
                shapes[p + "conv3.weight"] = [planes * 4, width, 1, 1]
                inputChannels = planes * 4
            }
        }
        if gruLayers > 0 {
            for layer in 0..<gruLayers {
                let input = layer == 0 ? b.outputChannels : 2 * gruHidden
                for suffix in ["_l\(layer)", "_l\(layer)_reverse"] {
                    shapes["gru.weight_ih" + suffix] = [3 * gruHidden, input]
                    shapes["gru.weight_hh" + suffix] = [3 * gruHidden, gruHidden]
                }
            }
        }
        shapes["head.att.weight"] = [classes, headInputChannels, 1]
        shapes["head.cla.weight"] = [classes, headInputChannels, 1]
        return shapes
    }

    /// Checks this config (read from `path`) against the tensor shapes in the file's header,
    /// before any model is built: within the limits, and every weight it implies present with
    /// its shape. Throws one error naming the file and the first disagreement.
    public func check(againstShapes shapes: [String: [Int]], path: String) throws {
        do { try validateLimits() } catch let e as ModelError {
            throw ModelError("\(path): the config in its metadata is not a model Warbler can build (\(e.description))")
        }
        for (key, expected) in expectedWeightShapes().sorted(by: { $0.key < $1.key }) {
            guard let actual = shapes[key] else {
                throw ModelError("\(path): its config (\(arch)) needs the tensor \(key) \(expected), which the file does not hold")
            }
            guard actual == expected else {
                throw ModelError("\(path): its config (\(arch)) gives \(key) the shape \(expected), the file holds \(actual)")
            }
        }
    }
}

// ResNeStConfig: the shape of a ResNeSt backbone as a value. The named variants are the
// arguments of timm's resnest14d / resnest26d / resnest50d / resnest101e (timm/models/resnest.py):
// a ResNet with the deep stem (3x3 convs stem-stem-2*stem), average-pool down-sampling in the
// shortcuts, and ResNeSt bottlenecks with radix-2 split attention and avd (a 3x3 average pool
// after the split-attention conv of strided blocks). Small custom configs (few channels) are
// what the replay tests use; `warbler-small` is Warbler's own small default.
import Foundation

public struct ResNeStConfig: Codable, Equatable, Sendable {
    /// Blocks per stage (layer1 ... layer4).
    public var layers: [Int]
    /// Bottleneck "planes" per stage; a stage outputs 4 * planes channels. timm: (64, 128, 256, 512).
    public var channels: [Int] = [64, 128, 256, 512]
    /// Width of the deep stem's first two 3x3 convs; the third outputs 2 * stemWidth.
    public var stemWidth: Int = 32
    /// Bottleneck width factor: group width = planes * baseWidth / 64 * cardinality.
    public var baseWidth: Int = 64
    public var cardinality: Int = 1
    /// Split-attention radix (splits per group); 1 uses a sigmoid gate instead of rSoftMax.
    public var radix: Int = 2
    /// Average-pool down-sampling inside strided blocks (avd).
    public var avd: Bool = true
    /// Pool before (true) or after (false, timm's resnest*) the split-attention conv.
    public var avdFirst: Bool = false
    /// Channels of the input image (1 for a log-mel spectrogram).
    public var inChannels: Int = 1

    public init(
        layers: [Int], channels: [Int] = [64, 128, 256, 512], stemWidth: Int = 32, baseWidth: Int = 64,
        cardinality: Int = 1, radix: Int = 2, avd: Bool = true, avdFirst: Bool = false, inChannels: Int = 1
    ) {
        self.layers = layers
        self.channels = channels
        self.stemWidth = stemWidth
        self.baseWidth = baseWidth
        self.cardinality = cardinality
        self.radix = radix
        self.avd = avd
        self.avdFirst = avdFirst
        self.inChannels = inChannels
    }

    enum CodingKeys: String, CodingKey {
        case layers, channels, stemWidth, baseWidth, cardinality, radix, avd, avdFirst, inChannels
    }

    /// Decodes leniently: only `layers` is required; the other fields default as timm's resnest*.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        layers = try c.decode([Int].self, forKey: .layers)
        channels = try c.decodeIfPresent([Int].self, forKey: .channels) ?? [64, 128, 256, 512]
        stemWidth = try c.decodeIfPresent(Int.self, forKey: .stemWidth) ?? 32
        baseWidth = try c.decodeIfPresent(Int.self, forKey: .baseWidth) ?? 64
        cardinality = try c.decodeIfPresent(Int.self, forKey: .cardinality) ?? 1
        radix = try c.decodeIfPresent(Int.self, forKey: .radix) ?? 2
        avd = try c.decodeIfPresent(Bool.self, forKey: .avd) ?? true
        avdFirst = try c.decodeIfPresent(Bool.self, forKey: .avdFirst) ?? false
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? 1
    }

    /// Channels of the final feature map (timm's num_features).
    public var outputChannels: Int { 4 * (channels.last ?? 0) }

    /// The architectures known by name, as timm registers them.
    public static let named: [String: ResNeStConfig] = [
        "resnest14d": ResNeStConfig(layers: [1, 1, 1, 1]),
        "resnest26d": ResNeStConfig(layers: [2, 2, 2, 2]),
        "resnest50d": ResNeStConfig(layers: [3, 4, 6, 3]),
        "resnest101e": ResNeStConfig(layers: [3, 4, 23, 3], stemWidth: 64),
        // Not timm models: resnest14d's shape at half its width (about 1/4 of its compute), the
        // default of `warbler train`, which trains on a few minutes of recordings in about ten
        // minutes on two CPU cores; and at a quarter of its width (about 1/16 of its compute).
        "warbler-base": ResNeStConfig(layers: [1, 1, 1, 1], channels: [32, 64, 128, 256], stemWidth: 16),
        "warbler-small": ResNeStConfig(layers: [1, 1, 1, 1], channels: [16, 32, 64, 128], stemWidth: 16),
    ]

    /// A named architecture with `inChannels` input channels; nil for an unknown name.
    public static func named(_ name: String, inChannels: Int = 1) -> ResNeStConfig? {
        guard var c = named[name] else { return nil }
        c.inChannels = inChannels
        return c
    }

    /// Rejects configs timm could not build, naming the field.
    public func validate() throws {
        func fail(_ why: String) -> ModelError { ModelError("ResNeSt config: " + why) }
        guard layers.count == channels.count, !layers.isEmpty else {
            throw fail("layers \(layers) and channels \(channels) must be non-empty and of equal length")
        }
        guard layers.allSatisfy({ $0 > 0 }), channels.allSatisfy({ $0 > 0 }) else { throw fail("layers and channels must be positive") }
        guard stemWidth > 0, baseWidth > 0, cardinality > 0, radix > 0, inChannels > 0 else {
            throw fail("stemWidth, baseWidth, cardinality, radix and inChannels must be positive")
        }
    }
}

/// A model that cannot be built or loaded, with the reason in one sentence.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

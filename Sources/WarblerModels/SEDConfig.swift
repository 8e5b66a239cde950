// SEDConfig: everything needed to rebuild a sound-event-detection model, stored as JSON in the
// checkpoint's safetensors metadata (key "config"), so a checkpoint alone rebuilds its model.
import Foundation

public struct SEDConfig: Codable, Equatable, Sendable {
    /// How the backbone's feature map [B, C, T', F'] is reduced over frequency.
    public enum FrequencyPooling: String, Codable, Sendable, CaseIterable {
        /// mean over F' plus max over F' (the seed's and PANNs-style SED models' "RoI" pooling).
        case meanMax = "mean+max"
        case mean
        case max
    }

    /// How the attention logits are bounded before the softmax over time.
    public enum AttentionActivation: String, Codable, Sendable, CaseIterable {
        /// tanh(att(x)) (the reference layout).
        case tanh
        /// clamp(att(x), -10, 10) (PANNs' AttBlock).
        case clamp
    }

    /// The backbone's name ("resnest50d", ...) or "custom" for a hand-made `backbone`.
    public var arch: String
    public var backbone: ResNeStConfig
    /// Number of classes K.
    public var classes: Int
    /// GRU hidden size H per direction.
    public var gruHidden: Int
    /// Stacked bidirectional GRU layers; 0 turns the GRU off (the head then reads the pooled
    /// backbone features directly).
    public var gruLayers: Int
    /// Dropout probability on the pooled features before the GRU (training only).
    public var dropout: Float
    public var frequencyPooling: FrequencyPooling
    public var attentionActivation: AttentionActivation

    public init(
        arch: String, backbone: ResNeStConfig, classes: Int, gruHidden: Int = 256, gruLayers: Int = 1,
        dropout: Float = 0.2, frequencyPooling: FrequencyPooling = .meanMax,
        attentionActivation: AttentionActivation = .tanh
    ) {
        self.arch = arch
        self.backbone = backbone
        self.classes = classes
        self.gruHidden = gruHidden
        self.gruLayers = gruLayers
        self.dropout = dropout
        self.frequencyPooling = frequencyPooling
        self.attentionActivation = attentionActivation
    }

    /// A config for a named backbone (see `ResNeStConfig.named`); throws for an unknown name.
    public init(
        arch: String, classes: Int, gruHidden: Int = 256, gruLayers: Int = 1, dropout: Float = 0.2,
        inChannels: Int = 1
    ) throws {
        guard let backbone = ResNeStConfig.named(arch, inChannels: inChannels) else {
            let known = ResNeStConfig.named.keys.sorted().joined(separator: ", ")
            throw ModelError("unknown architecture \"\(arch)\" (known: \(known))")
        }
        self.init(arch: arch, backbone: backbone, classes: classes, gruHidden: gruHidden, gruLayers: gruLayers, dropout: dropout)
    }

    enum CodingKeys: String, CodingKey {
        case arch, backbone, classes, gruHidden, gruLayers, dropout, frequencyPooling, attentionActivation
    }

    /// Decodes a config leniently, so a hand-written one (e.g. by a PyTorch user exporting a
    /// checkpoint) may give only `arch`, `classes` and `gruHidden`: a missing `backbone` is the
    /// named architecture's (1 input channel), and missing fields take the defaults of
    /// `init(arch:backbone:...)` (1 GRU layer, dropout 0.2, mean+max pooling, tanh attention).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        arch = try c.decode(String.self, forKey: .arch)
        if let b = try c.decodeIfPresent(ResNeStConfig.self, forKey: .backbone) {
            backbone = b
        } else if let named = ResNeStConfig.named(arch) {
            backbone = named
        } else {
            let known = ResNeStConfig.named.keys.sorted().joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                forKey: .backbone, in: c,
                debugDescription: "no \"backbone\" given and \"\(arch)\" is not a known architecture (\(known))")
        }
        classes = try c.decode(Int.self, forKey: .classes)
        gruHidden = try c.decodeIfPresent(Int.self, forKey: .gruHidden) ?? 256
        gruLayers = try c.decodeIfPresent(Int.self, forKey: .gruLayers) ?? 1
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? 0.2
        frequencyPooling = try c.decodeIfPresent(FrequencyPooling.self, forKey: .frequencyPooling) ?? .meanMax
        attentionActivation = try c.decodeIfPresent(AttentionActivation.self, forKey: .attentionActivation) ?? .tanh
    }

    /// Channels the head reads: 2H with the GRU, the backbone's width without it.
    public var headInputChannels: Int { gruLayers > 0 ? 2 * gruHidden : backbone.outputChannels }

    public func validate() throws {
        try backbone.validate()
        guard classes > 0 else { throw ModelError("SED config: classes must be positive, got \(classes)") }
        guard gruLayers >= 0, gruLayers == 0 || gruHidden > 0 else {
            throw ModelError("SED config: gruLayers \(gruLayers) must be >= 0 and gruHidden \(gruHidden) positive when the GRU is on")
        }
        guard dropout >= 0 && dropout < 1 else { throw ModelError("SED config: dropout \(dropout) is not in [0, 1)") }
        // A config read from a file is untrusted: bound the sizes so that products such as
        // headInputChannels (2 * gruHidden) cannot overflow (Fuzz/FuzzConfig trapped there).
        guard classes <= 100_000, gruHidden <= 16_384, gruLayers <= 16, backbone.channels.allSatisfy({ $0 <= 16_384 }) else {
            throw ModelError(
                "SED config: a size is beyond any real model (classes \(classes) <= 100000, gruHidden \(gruHidden) and channels \(backbone.channels) <= 16384, gruLayers \(gruLayers) <= 16)"
            )
        }
    }
}

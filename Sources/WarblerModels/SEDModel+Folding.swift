// Batch-norm folding for inference: every convolution-BatchNorm2d pair of the ResNeSt backbone
// (stem convs, bottleneck conv1/bn1, split-attention conv/bn0 and fc1/bn1, conv3/bn3, shortcut
// conv/BN) becomes one convolution with a bias (see BatchNorm2d+Folding.swift in WarblerNN).
import WarblerNN
import WarblerTensor

extension SEDModel {
    /// Whether `foldBatchNorm()` has run (the model is then for inference only).
    public var isFolded: Bool { backbone.bn1.isFolded }

    /// Folds every batch norm of the backbone into its convolution and puts the model in
    /// evaluation mode. The outputs equal the unfolded model's up to float32 rounding; the model
    /// can no longer train or be saved. Calling it twice is an error.
    public func foldBatchNorm() throws {
        guard !isFolded else { throw ModelError("the model's batch norms are already folded") }
        eval()
        let stem = backbone.conv1
        for (c, b) in [(0, 1), (3, 4)] {
            guard let conv = stem[c] as? Conv2d, let bn = stem[b] as? BatchNorm2d else {
                throw ModelError("unexpected stem layout for batch-norm folding")
            }
            try conv.fold(bn)
        }
        guard let last = stem[6] as? Conv2d else { throw ModelError("unexpected stem layout for batch-norm folding") }
        try last.fold(backbone.bn1)
        for stage in backbone.stages {
            for case let block as ResNeStBottleneck in stage.layers {
                try block.conv1.fold(block.bn1)
                try block.conv2.conv.fold(block.conv2.bn0)
                try block.conv2.fc1.fold(block.conv2.bn1)
                try block.conv3.fold(block.bn3)
                if let down = block.downsample, let conv = down[1] as? Conv2d, let bn = down[2] as? BatchNorm2d {
                    try conv.fold(bn)
                }
            }
        }
    }
}

// Module: dotted PyTorch keys through nested modules and lists (found by reflection), buffers,
// the training flag, state dicts and the errors of loading a state dict that does not fit, and
// the check that names a module or tensor an override leaves unregistered.
import Foundation
import WarblerNN
import WarblerTensor
import XCTest

/// A module with a buffer, standing in for BatchNorm's running statistics.
private final class Scale: Module {
    let weight: Tensor
    @Buffer var runningMean: Tensor
    init(_ n: Int) throws {
        weight = try Tensor.ones([n], requiresGrad: true)
        runningMean = try Tensor.zeros([n])
    }
}

/// A small tree: stem (Linear), layer1 (a ModuleList of blocks with a Linear and a Scale),
/// rnn (GRU), head (Linear sharing nothing).
private final class Tiny: Module {
    let stem: Linear
    let layer1: ModuleList
    let rnn: GRU
    let drop: Dropout
    init(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        stem = try Linear(inputFeatures: 3, outputFeatures: 4, generator: &rng)
        layer1 = ModuleList([
            Block(try Linear(inputFeatures: 4, outputFeatures: 4, generator: &rng), try Scale(4)),
            Block(try Linear(inputFeatures: 4, outputFeatures: 4, bias: false, generator: &rng), try Scale(4)),
        ])
        rnn = try GRU(inputSize: 4, hiddenSize: 2, generator: &rng)
        drop = try Dropout(probability: 0.1)
    }

    final class Block: Module {
        let fc: Linear
        let bn: Scale
        init(_ fc: Linear, _ bn: Scale) { self.fc = fc; self.bn = bn }
    }
}

/// Declares its children by hand (as Sequential and ResNeSt do) and forgets one module and
/// one tensor: the kind of mistake `unregisteredMembers()` exists to catch.
private final class Forgetful: Module {
    let kept: Linear
    let forgotten: Dropout
    let optionalHead: Linear?
    let scale: Tensor
    init(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        kept = try Linear(inputFeatures: 2, outputFeatures: 2, generator: &rng)
        forgotten = try Dropout(probability: 0.1)
        optionalHead = try Linear(inputFeatures: 2, outputFeatures: 1, generator: &rng)
        scale = try Tensor.ones([2], requiresGrad: true)
    }
    override var children: [(String, Module)] { [("kept", kept), ("head", optionalHead!)] }
    override var ownParameters: [(String, Tensor)] { [] }
}

/// Properties of every kind reflection registers, with camelCase names.
private final class Kinds: Module {
    let inputScale: Tensor
    let noBias: Tensor?
    let taps: [Tensor]
    @Buffer var stepCount: Tensor
    let blocks: [Linear]
    let maybeBlock: Linear?
    let absentBlock: Linear?
    let width = 3
    init(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        inputScale = try Tensor.ones([1], requiresGrad: true)
        noBias = nil
        taps = [try Tensor.ones([2], requiresGrad: true), try Tensor.ones([3], requiresGrad: true)]
        stepCount = try Tensor.zeros([])
        blocks = [
            try Linear(inputFeatures: 1, outputFeatures: 1, bias: false, generator: &rng),
            try Linear(inputFeatures: 1, outputFeatures: 1, bias: false, generator: &rng),
        ]
        maybeBlock = try Linear(inputFeatures: 1, outputFeatures: 1, bias: false, generator: &rng)
        absentBlock = nil
    }
}

final class ModuleTests: XCTestCase {
    func testKeysFollowPyTorchNaming() throws {
        let m = try Tiny(seed: 1)
        XCTAssertEqual(
            m.parameters().map(\.0),
            [
                "stem.weight", "stem.bias",
                "layer1.0.fc.weight", "layer1.0.fc.bias", "layer1.0.bn.weight",
                "layer1.1.fc.weight", "layer1.1.bn.weight",
                "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
            ])
        XCTAssertEqual(m.buffers().map(\.0), ["layer1.0.bn.running_mean", "layer1.1.bn.running_mean"])
        XCTAssertEqual(Set(m.stateDict().keys), Set(m.parameters().map(\.0) + m.buffers().map(\.0)))
        XCTAssertEqual(
            m.modules().map(\.0),
            [
                "", "stem", "layer1", "layer1.0", "layer1.0.fc", "layer1.0.bn",
                "layer1.1", "layer1.1.fc", "layer1.1.bn", "rnn", "drop",
            ])
        XCTAssertEqual(m.parameterTensors().count, 11)
    }

    func testReflectionFindsEveryKindOfMemberInDeclarationOrder() throws {
        let k = try Kinds(seed: 4)
        XCTAssertEqual(
            k.parameters().map(\.0),
            [
                "input_scale", "taps.0", "taps.1", "blocks.0.weight", "blocks.1.weight",
                "maybe_block.weight",
            ])
        XCTAssertEqual(k.buffers().map(\.0), ["step_count"])
        XCTAssertEqual(k.children.map(\.0), ["blocks.0", "blocks.1", "maybe_block"])
        XCTAssertTrue(k.ownParameters[0].1 === k.inputScale)
        XCTAssertEqual(k.unregisteredMembers(), [])
    }

    func testAModuleOrTensorLeftOutOfAnOverrideIsNamed() throws {
        let m = try Forgetful(seed: 3)
        XCTAssertEqual(m.unregisteredMembers(), ["forgotten", "scale"])
        // (Walking it would stop a debug build at the assert in `modules()`.)
        XCTAssertEqual(try Tiny(seed: 1).modules().flatMap { $0.1.unregisteredMembers() }, [])
    }

    /// Conv2d gains a bias when a batch norm is folded into it: the cached members follow.
    func testReassignedTensorPropertyIsSeen() throws {
        var rng = SeededGenerator(seed: 6)
        let conv = try Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 1, bias: false, generator: &rng)
        XCTAssertEqual(conv.parameters().map(\.0), ["weight"])
        try conv.fold(try BatchNorm2d(channels: 3))
        XCTAssertEqual(conv.parameters().map(\.0), ["weight", "bias"])
        XCTAssertTrue(conv.parameters()[1].1 === conv.bias)
    }

    func testTrainAndEvalReachEveryModule() throws {
        let m = try Tiny(seed: 1)
        m.eval()
        XCTAssertTrue(m.modules().allSatisfy { !$0.1.isTraining })
        m.train()
        XCTAssertTrue(m.modules().allSatisfy { $0.1.isTraining })
    }

    /// Loading copies into the existing tensors (an optimizer holding them keeps working).
    func testStateDictRoundTripCopiesIntoTheSameTensors() throws {
        let a = try Tiny(seed: 1), b = try Tiny(seed: 2)
        a.layer1[0].children[1].1.ownBuffers[0].1.update { $0[2] = 7 }
        let before = b.parameterTensors()
        XCTAssertNotEqual(a.stem.weight.toArray(), b.stem.weight.toArray())
        try b.load(stateDict: a.stateDict())
        for ((k, x), (_, y)) in zip(a.stateDict().sorted { $0.key < $1.key }, b.stateDict().sorted { $0.key < $1.key }) {
            XCTAssertEqual(x.toArray(), y.toArray(), k)
        }
        XCTAssertEqual(b.buffers()[0].1.toArray(), [0, 0, 7, 0])
        XCTAssertTrue(zip(before, b.parameterTensors()).allSatisfy { $0 === $1 })
        XCTAssertTrue(b.stem.weight.requiresGrad)
    }

    func testBadStateDictIsReportedWholeAndChangesNothing() throws {
        let a = try Tiny(seed: 1), b = try Tiny(seed: 2)
        var sd = a.stateDict()
        sd["stem.bias"] = nil
        sd["layer1.0.fc.weight"] = try Tensor.zeros([5, 4])
        sd["head.weight"] = try Tensor.zeros([1])
        let original = b.stem.weight.toArray()
        XCTAssertThrowsError(try b.load(stateDict: sd)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("1 missing key (stem.bias)"), s)
            XCTAssertTrue(s.contains("1 unexpected key (head.weight)"), s)
            XCTAssertTrue(s.contains("layer1.0.fc.weight has shape [5, 4] in the state dict but [4, 4] in the model"), s)
            XCTAssertTrue(s.hasPrefix("load(stateDict:) into Tiny"), s)
        }
        XCTAssertEqual(b.stem.weight.toArray(), original)
        // Not strict: missing and unexpected keys are returned, but shapes must still fit.
        XCTAssertThrowsError(try b.load(stateDict: sd, strict: false))
        sd["layer1.0.fc.weight"] = nil
        let skipped = try b.load(stateDict: sd, strict: false)
        XCTAssertEqual(skipped, StateDictKeys(missing: ["stem.bias", "layer1.0.fc.weight"], unexpected: ["head.weight"]))
        XCTAssertEqual(b.stem.weight.toArray(), a.stem.weight.toArray())
    }

    func testSharedParameterIsListedOnce() throws {
        var rng = SeededGenerator(seed: 5)
        let fc = try Linear(inputFeatures: 2, outputFeatures: 2, generator: &rng)
        let list = ModuleList([fc, fc])
        XCTAssertEqual(list.parameters().map(\.0), ["0.weight", "0.bias"])
        // state_dict lists every name, as PyTorch's does.
        XCTAssertEqual(Set(list.stateDict().keys), ["0.weight", "0.bias", "1.weight", "1.bias"])
        XCTAssertEqual(list.modules().count, 2)
        let tied = try Linear(weight: fc.weight, bias: nil)
        let pair = ModuleList([fc, tied])
        XCTAssertEqual(pair.parameters().map(\.0), ["0.weight", "0.bias"])
        XCTAssertEqual(Set(pair.stateDict().keys), ["0.weight", "0.bias", "1.weight"])
    }

    func testDropoutModule() throws {
        let d = try Dropout(probability: 0.5, seed: 9)
        let x = try Tensor.ones([1000])
        let y = try d(x).toArray()
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == 2 })
        XCTAssertEqual(Float(y.filter { $0 == 0 }.count) / 1000, 0.5, accuracy: 0.06)
        d.eval()
        XCTAssertEqual(try d(x).toArray(), x.toArray())
        XCTAssertThrowsError(try Dropout(probability: 1))
    }
}

// Moving a whole module (every parameter and buffer) to a device in place, so models, their
// optimizers and checkpoints keep the same tensors: `try model.move(to: .cuda(0))`.
import WarblerTensor

extension Module {
    public func move(to device: Device) throws {
        for (_, t) in parameters() + buffers() { try t.move(to: device) }
    }
}

// The fixtures of tools/fixtures/models.py as tensors (loading and the shared tolerance check
// live in WarblerTestSupport/TensorFixtures.swift).
import WarblerIO
import WarblerTensor
import WarblerTestSupport

enum ModelFixtures {
    static let fixtures = TensorFixtures(folder: "models", script: "models.py")
    static func array(_ relative: String) throws -> NPYArray { try fixtures.array(relative) }
    static func tensor(_ relative: String, requiresGrad: Bool = false) throws -> Tensor {
        try fixtures.tensor(relative, requiresGrad: requiresGrad)
    }
    static func json(_ relative: String) throws -> [String: Any] { try fixtures.json(relative) }
}

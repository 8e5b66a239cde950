// Element types of tensors: float32 only (bfloat16 paths convert inside the kernels that use
// it, --bf16, and keep float32 tensors).
public enum DType: String, Codable, Sendable, CaseIterable {
    case float32

    public var byteCount: Int { 4 }
}

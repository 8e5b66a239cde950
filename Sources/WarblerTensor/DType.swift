// Element types. Float32 is what the CPU computes in; the 16-bit types are storage formats
// designed in for the GPU backend (bf16 autocast) and converted on the way in and out.
public enum DType: String, Codable, Sendable, CaseIterable {
    case float32, bfloat16, float16

    public var byteCount: Int { self == .float32 ? 4 : 2 }
}

// libFuzzer target: NPY.parse on arbitrary bytes, then the element conversions the callers use.
// Any input must either throw FileError or give an array whose byte count matches its shape.
import Foundation
import FuzzSupport
import WarblerIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = fuzzData(bytes, count)
    guard let array = try? NPY.parse(data) else { return 0 }
    precondition(array.bytes.count == array.count * array.type.byteCount, "NPY: the body does not match the shape \(array.shape)")
    let f = array.floats()
    let d = array.doubles()
    precondition(f.count == array.count && d.count == array.count, "NPY: converted element counts differ from the shape")
    return 0
}

@main
enum FuzzNPYMain {
    static func main() { runFuzzer(fuzzNPY) }
}

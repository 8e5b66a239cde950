// safetensors: a file written by the Python `safetensors` library (F32, F16 with subnormals,
// infinities and NaN, BF16, F64, I64, a scalar, an empty tensor, metadata holding a JSON
// config) read exactly; Swift-written files read back bit for bit; and every kind of damage
// reported as one sentence naming the file and the tensor.
import Foundation
import WarblerIO
import WarblerNN
import WarblerTensor
import WarblerTestSupport
import XCTest

/// The config the fixture stores as JSON in the metadata.
private struct TinyConfig: Codable, Equatable {
    var name: String
    var classes: Int
    var melBins: Int
    var dropout: Double
    enum CodingKeys: String, CodingKey { case name, classes, melBins = "mel_bins", dropout }
}

final class SafeTensorsTests: TemporaryDirectoryTestCase {
    override class var directoryPrefix: String { "warbler-safetensors" }

    /// Bitwise equality, NaNs of any payload counting as equal.
    func assertIdentical(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        for (x, y) in zip(a, b) where !(x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN)) {
            return XCTFail("\(what): \(x) != \(y)", file: file, line: line)
        }
    }

    func testReadsTheReferenceLibrarysFile() throws {
        let file = try SafeTensors.read(Fixtures.path("nn/safetensors/reference.safetensors"))
        let expect = try NN.json("safetensors/expect.json")
        let dtypes = expect["dtypes"] as! [String: String]
        XCTAssertEqual(Set(file.tensors.keys), Set(dtypes.keys))
        let names: [String: SafeTensorsDType] = [
            "torch.float32": .f32, "torch.float16": .f16, "torch.bfloat16": .bf16,
            "torch.float64": .f64, "torch.int64": .i64,
        ]
        for (name, t) in file.tensors {
            let ref = try NN.array("safetensors/expect.\(name).npy")
            XCTAssertEqual(t.shape.dims, ref.shape, name)
            assertIdentical(t.toArray(), ref.floats(), name)
            XCTAssertEqual(file.dtypes[name], names[dtypes[name]!], name)
        }
        let half = file.tensors["half.weight"]!.toArray()
        XCTAssertEqual(half[1].sign, .minus)  // -0 kept
        XCTAssertEqual(half[6], 0x1p-24)  // smallest subnormal
        XCTAssertEqual(half[8], .infinity)
        XCTAssertTrue(half[10].isNaN)
        XCTAssertEqual(try file.tensors["bn.num_batches_tracked"]!.item(), 1234567)
        XCTAssertEqual(file.tensors["scalar"]!.shape, [])
        XCTAssertEqual(file.metadata["format"], "pt")
        let config = try file.config(TinyConfig.self)
        XCTAssertEqual(config, TinyConfig(name: "tiny-sed", classes: 5, melBins: 128, dropout: 0.25))
    }

    func testRoundTripIsExactAndAtomic() throws {
        var rng = SeededGenerator(seed: 8)
        let model = try GRU(inputSize: 3, hiddenSize: 4, layers: 2, bidirectional: true, generator: &rng)
        var tensors = model.stateDict()
        tensors["odd"] = try Tensor([-0.0, .nan, .infinity, 1e-40, 3], shape: [5])
        tensors["scalar"] = try Tensor(scalar: 2)
        tensors["empty"] = try Tensor.zeros([0, 2])
        let config = TinyConfig(name: "quote \" and \\ and ünïcode", classes: 3, melBins: 64, dropout: 0.5)
        let path = dir + "/model.safetensors"
        try SafeTensors.write(tensors, config: config, metadata: ["note": "hi"], to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["model.safetensors"])

        let back = try SafeTensors.read(path)
        XCTAssertEqual(Set(back.tensors.keys), Set(tensors.keys))
        for (name, t) in tensors {
            XCTAssertEqual(back.tensors[name]!.shape, t.shape, name)
            assertIdentical(back.tensors[name]!.toArray(), t.toArray(), name)
            XCTAssertEqual(back.dtypes[name], .f32)
        }
        XCTAssertEqual(try back.config(TinyConfig.self), config)
        XCTAssertThrowsError(try back.config(TinyConfig.self, key: "note")) { e in
            XCTAssertTrue("\(e)".hasPrefix(path + ": its metadata \"note\" is not a valid TinyConfig"), "\(e)")
        }
        XCTAssertThrowsError(try back.config(TinyConfig.self, key: "absent")) { e in
            XCTAssertTrue("\(e)".contains("has no \"absent\" entry in its metadata (it has: config, format, note)"), "\(e)")
        }
        XCTAssertEqual(back.metadata["note"], "hi")
        XCTAssertEqual(back.metadata["format"], "pt")
        // Header length is a multiple of 8 so the data stays aligned; the bytes equal `serialized`.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } % 8, 0)
        XCTAssertEqual(bytes, try SafeTensors.serialized(tensors, metadata: back.metadata))

        let fresh = try GRU(inputSize: 3, hiddenSize: 4, layers: 2, bidirectional: true, generator: &rng)
        try fresh.load(stateDict: back.tensors, strict: false)
        XCTAssertEqual(fresh.parameters()[5].1.toArray(), model.parameters()[5].1.toArray())
    }

    /// A file from a header string and data bytes.
    func craft(_ header: String, data: [UInt8] = [], claimedLength: UInt64? = nil) -> Data {
        var d = Data()
        withUnsafeBytes(of: (claimedLength ?? UInt64(header.utf8.count)).littleEndian) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(header.utf8))
        d.append(contentsOf: data)
        return d
    }

    func testDamageIsReportedClearly() throws {
        let good = #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#
        let cases: [(String, Data, String)] = [
            ("short", Data([1, 2, 3]), "shorter than the 8-byte header length"),
            ("truncated header", craft(good, claimedLength: 500), "is truncated: the header needs 500 bytes"),
            ("huge header", craft(good, claimedLength: 1 << 40), "header length field says"),
            ("not JSON", craft("{not json", data: [0]), "bad header: it is not a JSON object"),
            ("truncated data", craft(good, data: [0, 0, 0]), "tensor \"w\" has data_offsets [0, 8] outside the 3-byte data section"),
            (
                "unknown dtype", craft(#"{"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}"#, data: [0, 0]),
                "tensor \"w\" has dtype F8_E4M3, which Warbler cannot read"
            ),
            (
                "size mismatch", craft(#"{"w": {"dtype": "F16", "shape": [3], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
                "tensor \"w\": shape [3] of F16 needs 6 bytes but data_offsets [0, 4] hold 4"
            ),
            (
                "reversed offsets", craft(#"{"w": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}}"#, data: [0, 0, 0, 0]),
                "tensor \"w\" has data_offsets [4, 0]"
            ),
            ("missing fields", craft(#"{"w": {"dtype": "F32", "shape": [1]}}"#), "tensor \"w\" needs a string dtype"),
            ("bad metadata", craft(#"{"__metadata__": {"a": 1}}"#), "\"__metadata__\" must map strings to strings"),
        ]
        for (what, bytes, expected) in cases {
            let path = dir + "/\(what).safetensors"
            try bytes.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try SafeTensors.read(path), what) { e in
                let s = "\(e)"
                XCTAssertTrue(s.hasPrefix(path + ": "), "\(what): \(s)")
                XCTAssertTrue(s.contains(expected), "\(what): \(s)")
            }
        }
        XCTAssertThrowsError(try SafeTensors.read(dir + "/absent.safetensors")) { e in
            XCTAssertTrue("\(e)".contains("absent.safetensors: no such file or folder"), "\(e)")
        }
        XCTAssertThrowsError(try SafeTensors.write(["__metadata__": try Tensor.zeros([1])], to: dir + "/x.safetensors"))
        // A good crafted file parses.
        XCTAssertEqual(try SafeTensors.parse(craft(good, data: [0, 0, 128, 63, 0, 0, 0, 64])).tensors["w"]?.toArray(), [1, 2])
    }
}

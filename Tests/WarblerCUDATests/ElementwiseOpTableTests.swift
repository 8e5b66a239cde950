// The CUDA op table (ElementwiseOpTable.swift) against the kernel source it generates: every code
// has exactly one case in its kernel's switch, with that op's statement, and every UnaryOp,
// BinaryOp and ReduceOp maps to its own code. Pure Swift: no GPU or NVRTC needed.
import Foundation
import XCTest
@testable import WarblerCUDA
import WarblerTensor

final class ElementwiseOpTableTests: XCTestCase {
    /// The text of kernel `name` in the elementwise module, up to the next kernel.
    private func kernel(_ name: String) throws -> String {
        let code = CUDAKernelSource.elementwise.code
        let start = try XCTUnwrap(code.range(of: "void \(name)("), "no kernel \(name)")
        let rest = code[start.upperBound...]
        let end = rest.range(of: "extern \"C\"")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    private func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    func testEveryUnaryCodeHasOneKernelCase() throws {
        let body = try kernel("unary_op")
        for op in UnaryKernelOp.allCases {
            XCTAssertEqual(occurrences(of: "case \(op.rawValue): ", in: body), 1, "unary_op has no single case for \(op)")
            XCTAssertTrue(body.contains("case \(op.rawValue): \(op.cuda) break;"), "unary_op's case \(op.rawValue) is not \(op)")
        }
        XCTAssertEqual(occurrences(of: "case ", in: body), UnaryKernelOp.allCases.count, "unary_op has a case outside the table")
    }

    func testEveryBinaryCodeHasOneKernelCase() throws {
        let body = try kernel("binary_op")
        for op in BinaryKernelOp.allCases {
            XCTAssertEqual(occurrences(of: "case \(op.rawValue): ", in: body), 1, "binary_op has no single case for \(op)")
            XCTAssertTrue(body.contains("case \(op.rawValue): \(op.cuda) break;"), "binary_op's case \(op.rawValue) is not \(op)")
        }
        XCTAssertEqual(occurrences(of: "case ", in: body), BinaryKernelOp.allCases.count, "binary_op has a case outside the table")
    }

    func testReduceCodesAreTheKernelsDefines() {
        let code = CUDAKernelSource.elementwise.code
        XCTAssertTrue(code.contains("#define WB_REDUCE_SUM \(ReduceKernelOp(.sum).rawValue)\n"))
        XCTAssertTrue(code.contains("#define WB_REDUCE_MAX \(ReduceKernelOp(.max).rawValue)\n"))
        XCTAssertNotEqual(ReduceKernelOp(.sum), ReduceKernelOp(.max))
    }

    /// Each op of the protocol has its own code (one of every UnaryOp case is listed here).
    func testEveryOpHasItsOwnCode() {
        let unary: [UnaryOp] = [
            .neg, .exp, .log, .sqrt, .abs, .relu, .sigmoid, .tanh, .square, .scale(2), .addScalar(3),
            .clamp(-1, 1), .pow(2), .positiveMask,
        ]
        let codes = unary.map { UnaryKernelOp.arguments(of: $0).op }
        XCTAssertEqual(Set(codes), Set(UnaryKernelOp.allCases))
        XCTAssertEqual(codes.count, UnaryKernelOp.allCases.count)
        let binary: [BinaryOp] = [.add, .sub, .mul, .div, .maximum, .minimum, .equalMask]
        XCTAssertEqual(Set(binary.map(BinaryKernelOp.init)), Set(BinaryKernelOp.allCases))
        XCTAssertEqual(binary.count, BinaryKernelOp.allCases.count)
    }

    func testScalarArgumentsOfUnaryOps() {
        XCTAssertTrue(UnaryKernelOp.arguments(of: .scale(2.5)) == (.scale, 2.5, 0, 0))
        XCTAssertTrue(UnaryKernelOp.arguments(of: .clamp(nil, 4)) == (.clamp, 0, 4, 2))
        XCTAssertTrue(UnaryKernelOp.arguments(of: .clamp(-3, nil)) == (.clamp, -3, 0, 1))
        XCTAssertTrue(UnaryKernelOp.arguments(of: .clamp(-3, 4)) == (.clamp, -3, 4, 3))
        XCTAssertTrue(UnaryKernelOp.arguments(of: .pow(0.5)) == (.pow, 0.5, 0, 0))
    }
}

/// Every kernel the Swift side launches is defined in one of the generated module sources (the
/// window module is assembled from three files' parts).
final class KernelModuleSourceTests: XCTestCase {
    func testEveryLaunchedKernelIsDefined() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/WarblerCUDA")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
        let sources = KernelCompileCheck.sources.map(\.code).joined(separator: "\n")
        var launched = Set<String>()
        // `launch("name"`, the name perhaps on the next line (as swift-format may wrap it).
        let call = try NSRegularExpression(pattern: #"launch\(\s*"([A-Za-z0-9_]+)""#)
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for match in call.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                launched.insert((text as NSString).substring(with: match.range(at: 1)))
            }
        }
        XCTAssertTrue(
            launched.isSuperset(of: [
                "unary_op", "binary_op", "im2col", "max_pool2d", "channel_moments", "gru_gates",
                "gru_gates_backward",
            ]), "\(launched.sorted())")
        for name in launched.sorted() {
            XCTAssertTrue(sources.contains("__global__ void \(name)("), "kernel \(name) is launched but not defined")
        }
    }
}

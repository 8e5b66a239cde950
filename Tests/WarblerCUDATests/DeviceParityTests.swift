// Device parity on every available CUDA device: the GPU front-end and every backend primitive
// against the CPU (DeviceParity in WarblerCUDA) and against the ReferenceBackend (BackendParity).
// On a machine without a GPU these tests are skipped with the sentence saying why CUDA is
// unavailable: reported, not failed, not silently passed.
import XCTest
@testable import WarblerCUDA
import WarblerFeatures
import WarblerTensor
import WarblerTestSupport

final class DeviceParityTests: XCTestCase {
    func testEveryDeviceMatchesTheCPU() throws {
        let (devices, unavailable) = DeviceParity.cudaDevices()
        if let unavailable { throw XCTSkip(unavailable) }
        for device in devices {
            let results = try DeviceParity.run(device: device)
            XCTAssertGreaterThan(results.count, 50, "every primitive should have a case")
            XCTAssertTrue(results.allSatisfy { $0.device == device }, "every case ran on \(device)")
            for r in results { XCTAssertTrue(r.passed, r.description) }
        }
    }

    /// Every backend primitive on every CUDA device against the plain ReferenceBackend (the CPU
    /// runs the same cases in WarblerTensorTests' ReferenceParityTests).
    func testEveryDeviceMatchesTheReference() throws {
        let (devices, unavailable) = DeviceParity.cudaDevices()
        if let unavailable { throw XCTSkip(unavailable) }
        CUDABackend.register()
        for device in devices {
            let backend = try Backends.backend(for: device)
            XCTAssertEqual(backend.device, device)
            var cases = BackendParity(reference: ReferenceBackend(), candidate: backend)
            let results = cases.all()
            XCTAssertGreaterThan(results.count, 100, "every primitive should have cases")
            for r in results { XCTAssertTrue(r.passed, r.description) }
        }
    }

    /// The PyTorch op fixtures (forward and gradients) with every tensor on each CUDA device.
    func testEveryOpMatchesPyTorchOnEveryDevice() throws {
        let (devices, unavailable) = DeviceParity.cudaDevices()
        if let unavailable { throw XCTSkip(unavailable) }
        CUDABackend.register()
        for device in devices { XCTAssertGreaterThan(try OpFixtures.check(on: device), 70) }
    }

    /// The tensor-level parity model (ops and autograd) on the tuned CPU backend against the same
    /// model on the ReferenceBackend: the model's shapes, the comparison and the CPU's results are
    /// checked even where no GPU is.
    func testAutogradParityModelMatchesTheReferenceOnTheCPU() throws {
        let results = try DeviceParity.autograd(device: .cpu, hostReference: ReferenceBackend())
        XCTAssertEqual(results.count, 13)
        for r in results {
            XCTAssertTrue(r.passed, r.description)
            XCTAssertGreaterThan(r.elements, 0, r.name)
        }
        // Two different implementations: some result differs in its last bits (a comparison of
        // the CPU with itself would be exact everywhere).
        XCTAssertTrue(results.contains { $0.maxAbsoluteError > 0 }, "the reference run must not be the CPU backend itself")
    }

    /// Without CUDA, asking for a CUDA backend is one clear error, and the CPU keeps working.
    func testUnavailableCUDAIsOneSentenceAndTheCPUWorks() throws {
        CUDABackend.register()
        if case .failure(let why) = CUDALibraries.shared {
            XCTAssertThrowsError(try Backends.backend(for: .cuda(0))) { error in
                XCTAssertTrue("\(error)".contains("CUDA is unavailable"), "\(error)")
            }
            XCTAssertTrue(why.description.hasPrefix("CUDA is unavailable: "))
            XCTAssertTrue(why.description.hasSuffix("."), why.description)
            XCTAssertThrowsError(try CUDAFrontEnd())
        } else {
            XCTAssertNoThrow(try Backends.backend(for: .cuda(0)))
        }
        let t = try Tensor([1, 2, 3], shape: [3])
        XCTAssertEqual(t.toArray(), [1, 2, 3])
        XCTAssertEqual(try FrontEnd()([Float](repeating: 0.1, count: 3200)).frameCount, 11)
    }

    /// Library selection: the newest version wins, companions and look-alikes are not confused.
    func testLocatorPicksTheNewestVersion() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("warbler-locator-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = root + "/a", b = root + "/b/nvidia/cu13/lib"
        for d in [a, b] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        for f in [a + "/libcublas.so.12", a + "/libcublasLt.so.14", b + "/libcublas.so.13.1.0", b + "/libcublas.so", a + "/libcublas.so.13"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: f, contents: Data()))
        }
        let locator = CUDALibraryLocator(folders: [a, b])
        XCTAssertEqual(locator.candidates("libcublas").map(\.path), [b + "/libcublas.so.13.1.0", a + "/libcublas.so.13", a + "/libcublas.so.12"])
        XCTAssertEqual(locator.candidates("libcublasLt").map(\.version), [[14]])
        XCTAssertEqual(locator.candidates("libcufft"), [])
    }

    /// The kernel-cache key changes with any part (source, architecture, NVRTC version).
    func testKernelCacheKeyDependsOnEveryPart() {
        let base = CUDAKernelCacheInfo.key("src", "sm_90", "13.0")
        XCTAssertEqual(base.count, 32)
        XCTAssertEqual(base, CUDAKernelCacheInfo.key("src", "sm_90", "13.0"))
        XCTAssertNotEqual(base, CUDAKernelCacheInfo.key("src ", "sm_90", "13.0"))
        XCTAssertNotEqual(base, CUDAKernelCacheInfo.key("src", "sm_80", "13.0"))
        XCTAssertNotEqual(base, CUDAKernelCacheInfo.key("src", "sm_90", "13.1"))
        XCTAssertNotEqual(CUDAKernelCacheInfo.key("ab", "c"), CUDAKernelCacheInfo.key("a", "bc"))
    }
}

/// Kernel sources compile with NVRTC (no GPU needed) wherever an NVRTC library is installed.
final class KernelCompileTests: XCTestCase {
    func testEveryKernelModuleCompilesForHopperAndAmpere() throws {
        for arch in ["sm_90", "sm_80"] {
            let modules: [(name: String, bytes: Int)]
            do { modules = try KernelCompileCheck.compileAll(architecture: arch) } catch let why as CUDAUnavailable {
                throw XCTSkip(why.description)
            }
            XCTAssertEqual(modules.count, 4)
            for m in modules { XCTAssertGreaterThan(m.bytes, 1000, "\(m.name) for \(arch)") }
        }
    }

    func testCuBLASAndCuFFTExportWhatWarblerCalls() throws {
        let resolved = try KernelCompileCheck.resolveLibraries()
        if resolved.isEmpty { throw XCTSkip("CUDA is unavailable: neither libcublas nor libcufft was found to check.") }
        // resolveLibraries throws when a symbol Warbler calls is missing; what it resolved must
        // be the libraries asked for, as files.
        for path in resolved {
            let name = (path as NSString).lastPathComponent
            XCTAssertTrue(name.hasPrefix("libcublas") || name.hasPrefix("libcufft"), path)
            XCTAssertTrue(FileManager.default.fileExists(atPath: path), path)
        }
    }
}

final class LocatorOverrideTests: XCTestCase {
    /// $WARBLER_CUDA_PATH replaces the standard folders.
    func testOverrideReplacesTheStandardFolders() {
        setenv("WARBLER_CUDA_PATH", "/a/lib:/b/lib", 1)
        defer { unsetenv("WARBLER_CUDA_PATH") }
        XCTAssertEqual(CUDALibraryLocator.standard().folders, ["/a/lib", "/b/lib"])
    }
}

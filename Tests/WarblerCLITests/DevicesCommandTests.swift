// `warbler devices` and `--device`: exit 0 with the CPU line and either the CUDA devices or the
// one sentence why CUDA is unavailable; a bad --device is rejected before any work; on a machine
// without CUDA, --device cuda fails with that sentence and writes nothing.
import Foundation
import XCTest

final class DevicesCommandTests: CLITestCase {
    var cudaAvailable: Bool { (try? CLI.run(["devices"]))?.stdout.contains("CUDA is unavailable") == false }

    func testDevicesListsTheCPUAndCUDAOrWhyNot() throws {
        for arguments in [["devices"], ["devices", "--check"]] {
            let r = try CLI.run(arguments)
            XCTAssertEqual(r.status, 0, r.stderr)
            let lines = r.stdout.split(separator: "\n").map(String.init)
            XCTAssertTrue(lines.first?.hasPrefix("cpu: ") == true, r.stdout)
            XCTAssertTrue(lines.first?.contains("BLAS: ") == true, r.stdout)
            let unavailable = lines.filter { $0.hasPrefix("CUDA is unavailable: ") }
            let devices = lines.filter { $0.hasPrefix("cuda:0: ") }
            XCTAssertEqual(unavailable.count + devices.count, 1, r.stdout)
            if let why = unavailable.first { XCTAssertTrue(why.hasSuffix("."), why) }
        }
    }

    func testDeviceOptionIsValidatedAndCUDAFailsClearlyWithoutAGPU() throws {
        let wav = dir + "/a.wav", npy = dir + "/a.npy"
        XCTAssertEqual(try CLI.run(["synth", "example", "--out", wav, "--seconds", "1"]).status, 0)
        let bad = try CLI.run(["spectrogram", wav, "--out", npy, "--device", "gpu"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--device must be cpu, cuda or cuda:N, not gpu"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: npy))
        let gpuBF16 = try CLI.run(["detect", "--checkpoint", dir + "/none.safetensors", wav, "--out", dir + "/d", "--bf16", "--device", "cuda"])
        XCTAssertNotEqual(gpuBF16.status, 0)
        XCTAssertTrue(gpuBF16.stderr.contains("--bf16 is for the CPU"), gpuBF16.stderr)
        XCTAssertEqual(try CLI.run(["spectrogram", wav, "--out", npy, "--device", "cpu", "--quiet"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: npy))
        guard !cudaAvailable else { return }
        try FileManager.default.removeItem(atPath: npy)
        let gpu = try CLI.run(["spectrogram", wav, "--out", npy, "--device", "cuda", "--quiet"])
        XCTAssertEqual(gpu.status, 1)
        XCTAssertTrue(gpu.stderr.contains("--device cuda: CUDA is unavailable: "), gpu.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: npy))
    }

    /// `warbler train --device cuda` on a machine without CUDA stops with one sentence naming
    /// the device and why, before any step, and writes no checkpoint; a bad name is refused.
    func testTrainOnCUDAFailsClearlyWithoutAGPU() throws {
        let data = dir + "/data", run = dir + "/run"
        XCTAssertEqual(try CLI.run(["synth", "dataset", "--out", data, "--species", "2", "--clips", "3", "--seconds", "5"]).status, 0)
        let common = [
            "train", "--manifest", data + "/train.csv", "--audio-root", data + "/train_audio", "--out", run,
            "--epochs", "1", "--batch-size", "2", "--examples-per-epoch", "2",
        ]
        let bad = try CLI.run(common + ["--device", "tpu"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--device must be cpu, cuda or cuda:N, not tpu"), bad.stderr)
        guard !cudaAvailable else { return }
        let gpu = try CLI.run(common + ["--device", "cuda"])
        XCTAssertEqual(gpu.status, 1)
        XCTAssertTrue(gpu.stderr.contains("cuda:0 is not available: CUDA is unavailable: "), gpu.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run + "/best.safetensors"))
    }
}

// oneDNN, OpenBLAS and soxr are loaded on first use (Sources/CLazyLibraries): a spectrogram of
// a file already at 32 kHz loads none of them, nor libgomp; resampling loads soxr; the first
// oneDNN call loads libgomp, which then reads the GOMP_SPINCOUNT=3000 that ThreadPolicy set at
// start, unless the user chose their own.
import Foundation
import XCTest

final class LazyLibrariesTests: CLITestCase {
    /// The libraries the dynamic loader opened, by soname (LD_DEBUG=files names each on stderr).
    func loadedLibraries(_ r: CLIResult) -> Set<String> {
        var names = Set<String>()
        for line in r.stderr.split(separator: "\n") {
            guard let range = line.range(of: "file=") else { continue }
            let name = line[range.upperBound...].prefix { $0 != " " && $0 != "[" && $0 != ";" }
            names.insert(URL(fileURLWithPath: String(name)).lastPathComponent)
        }
        return names
    }

    func testLibrariesLoadOnlyWhenAWorkNeedsThem() throws {
        let native = dir + "/native.wav", other = dir + "/other.wav"
        XCTAssertEqual(try CLI.run(["synth", "example", "--out", native, "--seconds", "2", "--sample-rate", "32000"]).status, 0)
        XCTAssertEqual(try CLI.run(["synth", "example", "--out", other, "--seconds", "2", "--sample-rate", "44100"]).status, 0)
        let deferred = ["libdnnl.so.2", "libopenblas.so.0", "libsoxr.so.0", "libgomp.so.1"]

        let plain = try CLI.run(["spectrogram", native, "--out", dir + "/a.npy", "--quiet"], environment: ["LD_DEBUG": "files"])
        XCTAssertEqual(plain.status, 0)
        let plainLoaded = loadedLibraries(plain)
        XCTAssertTrue(plainLoaded.contains("libsndfile.so.1"), "LD_DEBUG=files lists what is loaded: \(plainLoaded.sorted())")
        for name in deferred { XCTAssertFalse(plainLoaded.contains(name), "a 32 kHz spectrogram loaded \(name)") }

        let resampled = try CLI.run(["spectrogram", other, "--out", dir + "/b.npy", "--quiet"], environment: ["LD_DEBUG": "files"])
        XCTAssertEqual(resampled.status, 0)
        let resampledLoaded = loadedLibraries(resampled)
        XCTAssertTrue(resampledLoaded.contains("libsoxr.so.0"), "resampling loads soxr: \(resampledLoaded.sorted())")
        XCTAssertFalse(resampledLoaded.contains("libdnnl.so.2"))
        XCTAssertFalse(resampledLoaded.contains("libopenblas.so.0"))

        // `devices` asks both for their versions, so both load.
        let devices = try CLI.run(["devices"], environment: ["LD_DEBUG": "files"])
        XCTAssertEqual(devices.status, 0, devices.stderr)
        let devicesLoaded = loadedLibraries(devices)
        for name in ["libdnnl.so.2", "libopenblas.so.0", "libgomp.so.1"] {
            XCTAssertTrue(devicesLoaded.contains(name), "devices did not load \(name): \(devicesLoaded.sorted())")
        }
        XCTAssertTrue(devices.stdout.contains("oneDNN "), devices.stdout)
    }

    /// libgomp prints the settings it read when OMP_DISPLAY_ENV=verbose.
    func testOpenMPSpinIsShortUnlessTheUserChose() throws {
        let ours = try CLI.run(["devices"], environment: ["OMP_DISPLAY_ENV": "verbose"], unset: ["GOMP_SPINCOUNT", "OMP_WAIT_POLICY"])
        XCTAssertEqual(ours.status, 0, ours.stderr)
        XCTAssertTrue(ours.stderr.contains("GOMP_SPINCOUNT = '3000'"), ours.stderr)
        let theirs = try CLI.run(
            ["devices"], environment: ["OMP_DISPLAY_ENV": "verbose", "GOMP_SPINCOUNT": "77"], unset: ["OMP_WAIT_POLICY"])
        XCTAssertEqual(theirs.status, 0, theirs.stderr)
        XCTAssertTrue(theirs.stderr.contains("GOMP_SPINCOUNT = '77'"), theirs.stderr)
    }
}

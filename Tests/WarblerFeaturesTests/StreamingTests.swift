// The streaming and batched front-ends equal the whole-signal computation bit for bit.
import Foundation
import WarblerAudio
import WarblerFeatures
import XCTest

final class StreamingTests: XCTestCase {
    func configs() -> [(String, FrontEndConfig)] {
        var seed = FrontEndConfig()
        var constant = FrontEndConfig(); constant.padMode = .constant
        var uncentred = FrontEndConfig(); uncentred.center = false
        var odd = FrontEndConfig(); odd.sampleRate = 16_000; odd.nFFT = 401; odd.hopLength = 97; odd.nMels = 40; odd.fMax = 8000
        var linear = FrontEndConfig(); linear.decibels = false; linear.power = 1
        seed.nMels = 128
        return [("seed", seed), ("constant", constant), ("uncentred", uncentred), ("odd", odd), ("linear", linear)]
    }

    func testStreamEqualsWholeSignalForAnyChunking() throws {
        let signal = ExampleRecording.generate(seconds: 3.3, sampleRate: 32_000, seed: 11)
        for (name, c) in configs() {
            let fe = try FrontEnd(config: c)
            let whole = try fe(signal)
            for chunk in [1, 100, 319, 320, 1024, 4801, 100_000] {
                let stream = LogMelStream(frontEnd: fe)
                var values: [Float] = []
                var start = 0
                while start < signal.count {
                    let end = min(signal.count, start + chunk)
                    values += stream.append(Array(signal[start..<end])).values
                    start = end
                }
                values += try stream.finish().values
                XCTAssertEqual(stream.framesEmitted, whole.frameCount, "\(name) chunk \(chunk): frame count")
                XCTAssertEqual(values, whole.values, "\(name) chunk \(chunk): values")
            }
        }
    }

    /// The `into` form refills one caller's spectrogram and gives the same frames.
    func testStreamIntoReusedSpectrogramEqualsWholeSignal() throws {
        let signal = ExampleRecording.generate(seconds: 2.1, sampleRate: 32_000, seed: 3)
        for (name, c) in configs() {
            let fe = try FrontEnd(config: c)
            let whole = try fe(signal)
            // Pieces that gather (smaller than the minimum's worth) and pieces read in place.
            for (chunk, minimum) in [(1, 1), (320, 1), (7777, 1), (100_000, 1), (1, 300), (7777, 1024), (65_536, 1024), (4801, 8), (30_000, 64), (65_536, 40)] {
                let stream = LogMelStream(frontEnd: fe, minimumFrames: minimum)
                var out = Spectrogram(frameCount: 3, binCount: 1)
                var values: [Float] = [], frames = 0
                var start = 0
                while start < signal.count {
                    let end = min(signal.count, start + chunk)
                    signal[start..<end].withUnsafeBufferPointer { stream.append($0, into: &out) }
                    XCTAssertEqual(out.values.count, out.frameCount * out.binCount, "\(name) chunk \(chunk)")
                    // Fewer frames only from a piece that alone holds a quarter of the minimum's worth.
                    let largePiece = end - start >= minimum / 4 * c.hopLength
                    XCTAssertTrue(out.frameCount == 0 || out.frameCount >= minimum || largePiece, "\(name): \(out.frameCount) frames held back to \(minimum)")
                    values += out.values
                    frames += out.frameCount
                    start = end
                }
                try stream.finish(into: &out)
                values += out.values
                frames += out.frameCount
                XCTAssertEqual(frames, whole.frameCount, "\(name) chunk \(chunk): frame count")
                XCTAssertEqual(values, whole.values, "\(name) chunk \(chunk): values")
            }
        }
    }

    /// 16-bit integers appended with their scale give the frames of the scaled floats, bit for
    /// bit, whether read in place (pieces that complete frames) or kept (gathered, the tail).
    func testPCM16PiecesEqualScaledFloats() throws {
        let scale: Float = 1.0 / 32768
        let floats = ExampleRecording.generate(seconds: 2.1, sampleRate: 32_000, seed: 9)
        let integers = floats.map { Int16(max(-32768, min(32767, ($0 * 32768).rounded()))) }
        let signal = integers.map { Float($0) * scale }
        for (name, c) in configs() {
            let fe = try FrontEnd(config: c)
            let whole = try fe(signal)
            for (chunk, minimum) in [(1, 1), (4801, 8), (30_000, 64), (65_536, 1024), (7777, 300)] {
                let stream = LogMelStream(frontEnd: fe, minimumFrames: minimum)
                XCTAssertTrue(stream.readsPCM16InPlace)
                var out = Spectrogram(frameCount: 0, binCount: 1)
                var values: [Float] = []
                var start = 0
                while start < integers.count {
                    let end = min(integers.count, start + chunk)
                    // Alternate the two kinds of piece: the held tail is floats either way.
                    if (start / chunk) % 3 == 2 {
                        signal[start..<end].withUnsafeBufferPointer { stream.append($0, into: &out) }
                    } else {
                        integers[start..<end].withUnsafeBufferPointer { stream.append(pcm16: $0, scale: scale, into: &out) }
                    }
                    values += out.values
                    start = end
                }
                try stream.finish(into: &out)
                values += out.values
                XCTAssertEqual(values.map(\.bitPattern), whole.values.map(\.bitPattern), "\(name) chunk \(chunk), minimum \(minimum)")
            }
        }
    }

    /// Reflect padding of signals shorter than the padding mirrors repeatedly, as numpy does.
    func testShortSignals() throws {
        let fe = try FrontEnd(config: FrontEndConfig())
        for n in [2, 3, 100, 511, 512, 513, 1023, 1025] {
            let s = (0..<n).map { Float(sin(Double($0) * 0.37)) }
            let whole = try fe(s)
            XCTAssertEqual(whole.frameCount, 1 + n / 320, "n=\(n)")
            let stream = LogMelStream(frontEnd: fe)
            var values = stream.append(s).values
            values += try stream.finish().values
            XCTAssertEqual(values, whole.values, "n=\(n)")
        }
        XCTAssertThrowsError(try fe([Float]()))
        XCTAssertThrowsError(try fe([0.5]))  // reflect needs 2 samples
    }

    /// Both batch strategies (clips over workers, and frames over workers for few clips)
    /// equal single-clip results, top_db included.
    func testBatchEqualsSingleClips() throws {
        var c = FrontEndConfig(); c.topDB = 50
        let fe = try FrontEnd(config: c, threads: 2)
        for count in [1, 2, 7] {
            let clips = (0..<count).map { ExampleRecording.generate(seconds: 1 + Double($0) * 0.37, sampleRate: 32_000, seed: UInt64($0)) }
            let batch = try fe(batch: clips)
            XCTAssertEqual(batch.count, count)
            for (i, clip) in clips.enumerated() { XCTAssertEqual(batch[i], try fe(clip), "\(count) clips, clip \(i)") }
        }
    }

    /// One thread and many give identical results (each frame is computed the same way).
    func testThreadCountDoesNotChangeResults() throws {
        let signal = ExampleRecording.generate(seconds: 5, sampleRate: 32_000, seed: 5)
        let one = try FrontEnd(config: FrontEndConfig(), threads: 1)
        let four = try FrontEnd(config: FrontEndConfig(), threads: 4)
        XCTAssertEqual(try one(signal), try four(signal))
    }

    func testTopDBClipsBelowTheMaximum() throws {
        var c = FrontEndConfig(); c.topDB = 30
        let s = try FrontEnd(config: c)(ExampleRecording.generate(seconds: 2, sampleRate: 32_000))
        let mx = s.values.max()!
        XCTAssertEqual(s.values.min()!, mx - 30, accuracy: 1e-4)
    }
}

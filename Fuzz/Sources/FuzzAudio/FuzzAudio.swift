// libFuzzer target: arbitrary bytes as an audio file (libsndfile guesses the format: WAV, FLAC,
// OGG, MP3, AIFF, ...) decoded, downmixed and resampled to 32 kHz in chunks, as detection and
// training read recordings. The input is at most -max_len bytes, so a well-behaved decoder
// never needs more than a bounded amount of output; a lying header (a 1 Hz rate, a huge frame
// count) must be refused or decoded in bounded memory, not exhaust it.
import Foundation
import FuzzSupport
import WarblerAudio

/// Output samples read per input before the target stops (two minutes at 32 kHz).
let outputCap = 32_000 * 120

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAudio(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = fuzzData(bytes, count)
    let path = FuzzScratch.write(data, name: "input.audio")
    guard let stream = try? AudioStream(path: path, config: AudioConfig(sampleRate: 32_000, quality: .high), chunkSize: 32_000) else {
        return 0
    }
    precondition(stream.info.channels > 0 && stream.info.sampleRate > 0, "audio: opened with \(stream.info.channels) channels at \(stream.info.sampleRate) Hz")
    var total = 0
    while total < outputCap {
        guard let chunk = try? stream.nextChunk() else { break }
        precondition(chunk.count <= 32_000, "audio: a chunk of \(chunk.count) samples exceeds the chunk size")
        total += chunk.count
    }
    return 0
}

@main
enum FuzzAudioMain {
    static func main() { runFuzzer(fuzzAudio) }
}

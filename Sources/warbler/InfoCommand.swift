// `warbler info FILE...`: format, rate, channels, duration and frames of each file.
import ArgumentParser
import Foundation
import WarblerCommandLine
import WarblerAudio

struct InfoCommand: WarblerCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print format, rate, channels, duration and frames of audio files.",
        discussion: """
            Each file is decoded to the end, so the duration and frames are what the file really \
            holds (an MP3's header only estimates them, a damaged file's header may claim more); \
            a file that cannot be decoded to its end is reported as an error.
            """)

    @Argument(help: "Audio files.")
    var files: [String]

    @Flag(help: "One JSON object per line instead of text.")
    var json: Bool = false

    func execute() throws {
        var failed = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for path in files {
            do {
                let info = try AudioFileInfo.verified(path: path)
                if json {
                    struct Row: Encodable {
                        let path, format, encoding: String
                        let sampleRate, channels, frames: Int
                        let duration: Double
                        let framesEstimated: Bool
                        let headerFrames: Int?
                    }
                    let row = Row(
                        path: info.path, format: info.format, encoding: info.encoding, sampleRate: info.sampleRate,
                        channels: info.channels, frames: info.frames, duration: info.duration,
                        framesEstimated: info.frameCountIsEstimate, headerFrames: info.headerFrames)
                    print(String(decoding: try encoder.encode(row), as: UTF8.self))
                } else {
                    let approx = info.frameCountIsEstimate ? "~" : ""
                    print(
                        """
                        \(info.path)
                          format:   \(info.format), \(info.encoding)
                          rate:     \(info.sampleRate) Hz
                          channels: \(info.channels)
                          duration: \(approx)\(formatDuration(info.duration)) (\(approx)\(String(format: "%.3f", info.duration)) s)
                          frames:   \(approx)\(info.frames)
                        """)
                    if let stated = info.headerFrames {
                        let note = stated > info.frames ? "; the file may be truncated" : ""
                        print(
                            "  note:     the header states \(stated) frames (\(String(format: "%.3f", Double(stated) / Double(info.sampleRate))) s); \(info.frames) were decoded\(note)"
                        )
                    }
                }
            } catch {
                failed += 1
                printError(describe(error))
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}

/// h:mm:ss.s for long durations, s.ss for short ones.
func formatDuration(_ seconds: Double) -> String {
    if seconds < 60 { return String(format: "%.2f s", seconds) }
    let total = Int(seconds)
    let h = total / 3600, m = (total % 3600) / 60
    let s = seconds - Double(h * 3600 + m * 60)
    return h > 0 ? String(format: "%d:%02d:%04.1f", h, m, s) : String(format: "%d:%04.1f", m, s)
}

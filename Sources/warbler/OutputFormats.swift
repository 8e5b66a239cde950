// The `--format` of detect and merge: a comma-separated list of `OutputFormat`s, taken as given
// while parsing and read by `OutputFormat.list` in the commands' `validate()`, so an unknown
// name is Warbler's usage error (64) naming it and the known ones.
import ArgumentParser
import WarblerCommandLine
import WarblerDetect

struct OutputFormats: ExpressibleByArgument {
    let text: String

    init(_ formats: [OutputFormat]) { text = formats.map(\.rawValue).joined(separator: ",") }
    init?(argument: String) { text = argument }

    var defaultValueDescription: String { text }

    /// The formats, in order, each once.
    func list() throws -> [OutputFormat] { try OutputFormat.list(text) }

    /// The same, or the usage error.
    func validated() throws -> [OutputFormat] {
        do { return try list() } catch { throw ValidationError(describe(error)) }
    }

    /// What detect and merge write without --format.
    static let standard = OutputFormats([.cornell, .csv, .raven, .audacity, .json])
}

// The recordings one detect process works on: all inputs (files and folders on the command
// line, or a --files-from list), their recording ids computed over ALL of them (so ids equal
// those of a single run), and then, with a shard, the part of them that is this shard's, with
// each recording's index in the whole input list (merge puts the rows back in that order).
// What merge needs to name the inputs no shard finished goes into run.json as `shard`.
import Foundation

/// What a sharded run's run.json says about its part of the inputs.
public struct ShardRecord: Codable, Sendable, Equatable {
    public var index: Int
    public var count: Int
    /// Where the shard came from (--shard, SLURM_ARRAY_TASK_ID=..., ...).
    public var source: String
    /// How many recordings all shards together have.
    public var totalInputs: Int
    /// The inputs as given, made absolute: the --files-from list, or the files and folders.
    public var filesFrom: String?
    public var inputs: [String]?
    public init(index: Int, count: Int, source: String, totalInputs: Int, filesFrom: String?, inputs: [String]?) {
        (self.index, self.count, self.source, self.totalInputs, self.filesFrom, self.inputs) = (index, count, source, totalInputs, filesFrom, inputs)
    }
}

public struct InputSelection: Sendable {
    /// This process's files, ids and their indexes in the whole input list, in input order.
    public var files: [String]
    public var ids: [String]
    public var indexes: [Int]
    public var totalInputs: Int
    /// The folder the ids are relative to (AudioInputs.commonFolder of all inputs).
    public var inputRoot: String
    public var shard: Shard?
    /// Where the shard came from, for the log and run.json.
    public var shardSource: String?
    public var record: ShardRecord?

    /// The first log line of a sharded run: which shard of how many, and how many files.
    public var logLine: String? {
        guard let shard else { return nil }
        return "shard \(shard) (\(shardSource ?? "--shard")): \(files.count) of \(totalInputs) recording\(totalInputs == 1 ? "" : "s")"
    }

    /// All inputs (`inputs`, or the `filesFrom` list read against `cwd`), then `shard`'s part.
    public static func make(
        inputs: [String], filesFrom: String?, shard: Shard?, shardSource: String? = nil,
        cwd: String = FileManager.default.currentDirectoryPath
    ) throws -> InputSelection {
        var selection: InputSelection
        if let filesFrom {
            let paths = try FileList.read(filesFrom, cwd: cwd)
            selection = select(standardizedPaths: paths, shard: shard)
        } else {
            // The same listing and ids as a run without shards, then the shard's part.
            let all = try AudioInputs.expand(inputs)
            let ids = AudioInputs.recordingIDs(all)
            var s = InputSelection(files: [], ids: [], indexes: [], totalInputs: all.count, inputRoot: AudioInputs.commonFolder(all), shard: shard)
            for i in all.indices where shard?.contains(ids[i]) ?? true {
                s.files.append(all[i]); s.ids.append(ids[i]); s.indexes.append(i)
            }
            selection = s
        }
        if let shard {
            selection.shardSource = shardSource ?? "--shard"
            selection.record = ShardRecord(
                index: shard.index, count: shard.count, source: selection.shardSource!, totalInputs: selection.totalInputs,
                filesFrom: filesFrom.map { FileList.standardize(Array($0.utf8), cwd: Array(cwd.utf8)) },
                inputs: filesFrom == nil ? inputs.map { AudioInputs.absolute($0) } : nil)
        }
        return selection
    }

    /// Ids and shard of absolute, standardised, distinct paths (FileList.read), without a
    /// Foundation call or an id string per path: equal to AudioInputs.recordingIDs for them.
    public static func select(standardizedPaths paths: [String], shard: Shard?) -> InputSelection {
        let root = commonFolder(paths)
        let skip = root == "/" ? 1 : root.utf8.count + 1
        // Per path: where its id's stem ends (the extension dropped) and the stem's hash.
        var stemHash = [UInt64](repeating: 0, count: paths.count)
        var stemEnd = [Int32](repeating: 0, count: paths.count)
        for (i, p) in paths.enumerated() {
            var u = p
            u.withUTF8 { b in
                let end = stemEndOffset(b, from: skip)
                stemEnd[i] = Int32(end)
                stemHash[i] = fnv1a(b, skip, end)
            }
        }
        // Stems that more than one file has ("a.wav", "a.flac"): those files keep the extension.
        // Found by hash first (a sort of 8-byte values), then confirmed on the strings.
        let sorted = stemHash.sorted()
        var repeated = Set<UInt64>()
        for i in sorted.indices.dropFirst() where sorted[i] == sorted[i - 1] { repeated.insert(sorted[i]) }
        var stemCount: [String: Int] = [:]
        if !repeated.isEmpty {
            for i in paths.indices where repeated.contains(stemHash[i]) { stemCount[stem(paths[i], skip, Int(stemEnd[i])), default: 0] += 1 }
        }
        var s = InputSelection(files: [], ids: [], indexes: [], totalInputs: paths.count, inputRoot: root, shard: shard)
        for (i, p) in paths.enumerated() {
            var keepsExtension = false
            if repeated.contains(stemHash[i]), (stemCount[stem(p, skip, Int(stemEnd[i]))] ?? 0) > 1 { keepsExtension = true }
            var u = p
            let end = keepsExtension ? p.utf8.count : Int(stemEnd[i])
            let h = u.withUTF8 { fnv1a($0, skip, end) }
            guard shard.map({ Int(h % UInt64($0.count)) == $0.index }) ?? true else { continue }
            s.files.append(p)
            s.ids.append(stem(p, skip, end))
            s.indexes.append(i)
        }
        return s
    }

    /// The bytes [from, end) of `p` as a string.
    static func stem(_ p: String, _ from: Int, _ end: Int) -> String {
        let u = p.utf8
        return String(p[u.index(u.startIndex, offsetBy: from)..<u.index(u.startIndex, offsetBy: end)])
    }

    static func fnv1a(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = from
        while i < end { h = (h ^ UInt64(b[i])) &* 0x100_0000_01b3; i += 1 }
        return h
    }

    /// Where NSString.deletingPathExtension would cut the last component of `b`: before its last
    /// "." unless that is its first character ("x/.hidden" keeps it; "odd." loses the dot).
    static func stemEndOffset(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        var i = b.count - 1
        while i > from && b[i] != 0x2F {
            if b[i] == 0x2E { return b[i - 1] == 0x2F ? b.count : i }
            i -= 1
        }
        return b.count
    }

    /// AudioInputs.commonFolder for absolute standardised paths, on bytes.
    public static func commonFolder(_ paths: [String]) -> String {
        var common: [UInt8]? = nil  // "" is the root
        for p in paths {
            var u = p
            u.withUTF8 { b in
                var slash = b.count - 1
                while slash > 0 && b[slash] != 0x2F { slash -= 1 }
                let folder = UnsafeBufferPointer(rebasing: b[0..<slash])
                guard let c = common else { common = Array(folder); return }
                var n = 0
                while n < c.count && n < folder.count && c[n] == folder[n] { n += 1 }
                if n == c.count && (n == folder.count || folder[n] == 0x2F) { return }
                if n == folder.count && c[n] == 0x2F { common = Array(folder); return }
                var k = n - 1
                while k > 0 && c[k] != 0x2F { k -= 1 }
                common = Array(c[0..<max(k, 0)])
            }
        }
        guard let c = common, !c.isEmpty else { return "/" }
        return String(decoding: c, as: UTF8.self)
    }
}

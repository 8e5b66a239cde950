// Detection results as a SQLite database (GRDB), for monitoring projects that run detection
// on thousands of files and query them later:
//   recordings(id, recording, path, duration)
//   classes(id, label, threshold)
//   windows(recording_id, start, end, class_id, score)        one row per window and class
//   events(recording_id, class_id, onset, offset, confidence)
//   run(key, value)                                            provenance (version, command, checkpoint and its SHA-256, settings)
// e.g. SELECT r.path, e.onset FROM events e JOIN recordings r ON r.id = e.recording_id
//      JOIN classes c ON c.id = e.class_id WHERE c.label = 'syn03' AND e.confidence > 0.8;
// The database is built under a temporary name and renamed into place when complete.
import Foundation
import GRDB

public enum SQLiteResults {
    public static func write(_ results: [RecordingResult], policy: LabelPolicy, to path: String, run: RunRecord? = nil) throws {
        let tmp = path + ".tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: tmp)
        do {
            let queue = try DatabaseQueue(path: tmp)
            try queue.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE recordings (id INTEGER PRIMARY KEY, recording TEXT NOT NULL UNIQUE, path TEXT NOT NULL, duration REAL NOT NULL);
                        CREATE TABLE classes (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE, threshold REAL NOT NULL);
                        CREATE TABLE windows (recording_id INTEGER NOT NULL REFERENCES recordings(id), start REAL NOT NULL, "end" REAL NOT NULL,
                                              class_id INTEGER NOT NULL REFERENCES classes(id), score REAL NOT NULL);
                        CREATE TABLE events (recording_id INTEGER NOT NULL REFERENCES recordings(id), class_id INTEGER NOT NULL REFERENCES classes(id),
                                             onset REAL NOT NULL, offset REAL NOT NULL, confidence REAL NOT NULL);
                        CREATE INDEX events_by_class ON events(class_id, confidence);
                        CREATE INDEX windows_by_recording ON windows(recording_id, start);
                        CREATE TABLE run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                        """)
                if let run {
                    let e = JSONEncoder()
                    e.outputFormatting = [.sortedKeys]
                    let settings = String(decoding: try e.encode(run.settings), as: UTF8.self)
                    for (key, value) in run.provenance + [("settings", settings), ("input root", run.inputRoot)] {
                        try db.execute(sql: "INSERT INTO run (key, value) VALUES (?, ?)", arguments: [key, value])
                    }
                }
                for (k, label) in policy.classes.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO classes (id, label, threshold) VALUES (?, ?, ?)",
                        arguments: [k + 1, label, Double(policy.thresholds[k])])
                }
                let classID = Dictionary(uniqueKeysWithValues: policy.classes.enumerated().map { ($1, $0 + 1) })
                for (i, r) in results.enumerated() {
                    try db.execute(
                        sql: "INSERT INTO recordings (id, recording, path, duration) VALUES (?, ?, ?, ?)",
                        arguments: [i + 1, r.recording, r.path, r.duration])
                    let window = try db.makeStatement(sql: "INSERT INTO windows VALUES (?, ?, ?, ?, ?)")
                    for w in r.windows {
                        for (k, s) in w.scores.enumerated() {
                            try window.execute(arguments: [i + 1, w.start, w.end, k + 1, Double(s)])
                        }
                    }
                    for e in r.events {
                        guard let c = classID[e.label] else { continue }
                        try db.execute(
                            sql: "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
                            arguments: [i + 1, c, e.onset, e.offset, Double(e.confidence)])
                    }
                }
            }
            try queue.close()
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw DetectError("\(path): cannot write the results database (\(error))")
        }
        if rename(tmp, path) != 0 {
            try? FileManager.default.removeItem(atPath: tmp)
            throw DetectError("\(path): cannot move the finished database into place (\(String(cString: strerror(errno))))")
        }
    }
}

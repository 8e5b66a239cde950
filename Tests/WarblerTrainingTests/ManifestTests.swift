// Manifests: the BirdCLEF, Cornell and folder-per-species layouts, the class list, and the
// errors and skips of bad input.
import Foundation
import WarblerIO
import WarblerAudio
import XCTest
@testable import WarblerTraining

final class ManifestTests: XCTestCase {
    func testBirdCLEFManifestFromSyntheticSet() throws {
        let dir = try Scratch.folder("birdclef")
        try TinyDataset.write(to: dir)
        let m = try Manifest.birdCLEF(csv: dir + "/train.csv", audioRoot: dir + "/train_audio")
        XCTAssertEqual(m.entries.count, 12)
        XCTAssertEqual(m.classes.count, 3)
        XCTAssertEqual(m.classes.labels, m.classes.labels.sorted())
        XCTAssertTrue(m.skipped.isEmpty)
        XCTAssertTrue(m.entries.allSatisfy { FileManager.default.fileExists(atPath: $0.path) && $0.path.hasPrefix(dir + "/train_audio/") })
        // The synthetic set gives some clips a secondary species; they reach the label vector.
        let withSecondary = m.entries.filter { !$0.secondaryLabels.isEmpty }
        XCTAssertFalse(withSecondary.isEmpty)
        let e = withSecondary[0]
        let v = m.labelVector(e, secondaryValue: 0.5)
        XCTAssertEqual(v[m.classes.index(of: e.primaryLabel)!], 1)
        XCTAssertEqual(v[m.classes.index(of: e.secondaryLabels[0])!], 0.5)
        XCTAssertEqual(v.reduce(0, +), 1.5)
    }

    func testPythonListParsing() throws {
        XCTAssertEqual(try Manifest.parsePythonList("[]"), [])
        XCTAssertEqual(try Manifest.parsePythonList(""), [])
        XCTAssertEqual(try Manifest.parsePythonList("['amerob']"), ["amerob"])
        XCTAssertEqual(try Manifest.parsePythonList("['a', 'b',\"c's\"]"), ["a", "b", "c's"])
        XCTAssertThrowsError(try Manifest.parsePythonList("a, b"))
        XCTAssertThrowsError(try Manifest.parsePythonList("['a' 'b']"))
        XCTAssertThrowsError(try Manifest.parsePythonList("['a]"))
    }

    /// Writes a CSV and two small WAV files; returns (dir, audio root).
    private func handMade(_ name: String, header: String, rows: [String], files: [String]) throws -> (String, String) {
        let dir = try Scratch.folder(name)
        let root = dir + "/audio"
        for f in files {
            let path = root + "/" + f
            try FileManager.default.createDirectory(atPath: PathText.parent(path), withIntermediateDirectories: true)
            try AudioWriter.write(Signals.tone(1000, count: 8000), sampleRate: 32_000, to: path)
        }
        try ([header] + rows).joined(separator: "\n").write(toFile: dir + "/train.csv", atomically: true, encoding: .utf8)
        return (dir, root)
    }

    func testMissingFileIsSkippedOnceWithItsCause() throws {
        let (dir, root) = try handMade(
            "missing", header: "primary_label,secondary_labels,filename,rating",
            rows: ["a,[],a/1.wav,4", "a,\"['b']\",a/2.wav,3", "b,[],b/1.wav,5"],
            files: ["a/1.wav", "b/1.wav"])
        let m = try Manifest.birdCLEF(csv: dir + "/train.csv", audioRoot: root)
        XCTAssertEqual(m.entries.map(\.path), [root + "/a/1.wav", root + "/b/1.wav"])
        XCTAssertEqual(m.skipped, [SkippedFile(path: root + "/a/2.wav", cause: "the file does not exist")])
    }

    func testUnknownSecondaryLabelStopsWithOneSentence() throws {
        let (dir, root) = try handMade(
            "unknown", header: "primary_label,secondary_labels,filename",
            rows: ["a,\"['zzz']\",a/1.wav", "b,[],b/1.wav"], files: ["a/1.wav", "b/1.wav"])
        XCTAssertThrowsError(try Manifest.birdCLEF(csv: dir + "/train.csv", audioRoot: root)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("'zzz'") && text.contains("not one of the 2 classes"), text)
        }
        let m = try Manifest.birdCLEF(csv: dir + "/train.csv", audioRoot: root, ignoreUnknownSecondaryLabels: true)
        XCTAssertEqual(m.entries[0].secondaryLabels, [])
    }

    func testEmptyClassAndBadCSVStop() throws {
        // Every file of class b is missing: b is left empty.
        let (dir, root) = try handMade(
            "empty", header: "primary_label,secondary_labels,filename",
            rows: ["a,[],a/1.wav", "b,[],b/1.wav"], files: ["a/1.wav"])
        XCTAssertThrowsError(try Manifest.birdCLEF(csv: dir + "/train.csv", audioRoot: root)) { e in
            XCTAssertTrue("\(e)".contains("the class 'b' has no usable recording"), "\(e)")
        }
        // A class list given from a checkpoint that names a class without files.
        XCTAssertThrowsError(try Manifest.birdCLEF(csv: dir + "/train.csv", audioRoot: root, classes: ClassList(["a", "b", "c"])))
        // A missing column.
        let (dir2, root2) = try handMade("nocol", header: "label,filename", rows: ["a,a/1.wav"], files: ["a/1.wav"])
        XCTAssertThrowsError(try Manifest.birdCLEF(csv: dir2 + "/train.csv", audioRoot: root2)) { e in
            XCTAssertTrue("\(e)".contains("has no 'primary_label' column"), "\(e)")
        }
    }

    func testCornellManifest() throws {
        let (dir, root) = try handMade(
            "cornell", header: "rating,ebird_code,channels,filename,duration",
            rows: [
                "4.5,aldfly,1 (mono),XC134874.ogg,25", "3,ameavo,2 (stereo),XC133080.wav,9",
                "4,aldfly,1 (mono),XC135454.wav,3",
            ],
            files: ["aldfly/XC134874.ogg", "ameavo/XC133080.wav", "aldfly/XC135454.wav"])
        let m = try Manifest.cornell(csv: dir + "/train.csv", audioRoot: root)
        XCTAssertEqual(m.classes.labels, ["aldfly", "ameavo"])
        XCTAssertEqual(m.entries.map(\.path), [root + "/aldfly/XC134874.ogg", root + "/ameavo/XC133080.wav", root + "/aldfly/XC135454.wav"])
        XCTAssertEqual(m.entries.map(\.primaryLabel), ["aldfly", "ameavo", "aldfly"])
    }

    func testFolderPerSpecies() throws {
        let (dir, root) = try handMade(
            "folders", header: "x", rows: [],
            files: ["wren/1.wav", "wren/2.WAV", "robin/a.wav"])
        try "not audio".write(toFile: root + "/wren/notes.txt", atomically: true, encoding: .utf8)
        let m = try Manifest.folders(root: root)
        XCTAssertEqual(m.classes.labels, ["robin", "wren"])
        XCTAssertEqual(m.entries.map(\.path), [root + "/robin/a.wav", root + "/wren/1.wav", root + "/wren/2.WAV"])
        try FileManager.default.createDirectory(atPath: root + "/owl", withIntermediateDirectories: true)
        XCTAssertThrowsError(try Manifest.folders(root: root)) { e in
            XCTAssertTrue("\(e)".contains("the class 'owl' has no audio files"), "\(e)")
        }
        XCTAssertThrowsError(try Manifest.folders(root: dir + "/nowhere"))
    }

    func testClassListIsSortedStableAndCodable() throws {
        let a = ClassList(["wren", "amerob", "Zebra", "amerob", "éider"])
        XCTAssertEqual(a.labels, ["Zebra", "amerob", "wren", "éider"])
        XCTAssertEqual(a, ClassList(a.labels.reversed()))
        XCTAssertEqual(a.index(of: "wren"), 2)
        XCTAssertNil(a.index(of: "owl"))
        let data = try JSONEncoder().encode(a)
        XCTAssertEqual(String(data: data, encoding: .utf8), #"{"labels":["Zebra","amerob","wren","éider"]}"#)
        XCTAssertEqual(try JSONDecoder().decode(ClassList.self, from: data), a)
        XCTAssertThrowsError(try JSONDecoder().decode(ClassList.self, from: Data(#"{"labels":["b","a"]}"#.utf8)))
    }
}

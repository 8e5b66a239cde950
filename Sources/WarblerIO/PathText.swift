// Path arithmetic on strings that is safe for every input. Foundation's
// NSString.deletingLastPathComponent traps (illegal instruction) on one-character paths such
// as "o", "." or "o/" in this toolchain, so `--out .` crashed; use `PathText.parent` instead.
import Foundation

public enum PathText {
    /// The folder part of `path`: "a/b" -> "a", "/a" -> "/", "a" -> "", "a/b/" -> "a", "/" -> "/".
    public static func parent(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        if slash == p.startIndex { return "/" }
        var head = p[..<slash]
        while head.count > 1 && head.hasSuffix("/") { head = head.dropLast() }
        return String(head)
    }
}

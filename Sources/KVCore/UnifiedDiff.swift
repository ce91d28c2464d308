/// Line-based unified diffs of text values, as `diff -u` prints them.
public enum UnifiedDiff {
    /// Above this many cells the LCS table costs too much memory; the differing middle is then shown
    /// as all old lines removed and all new lines added: still a correct diff, just not a minimal one.
    static let maximumTableCells = 4_000_000

    struct Line: Equatable {
        let text: Substring
        let terminated: Bool
    }

    enum Operation: Equatable {
        case keep, delete, insert
    }

    /// The hunks turning `old` into `new` (empty when equal), under `--- oldLabel` / `+++ newLabel`.
    /// `\ No newline at end of file` is printed only when the two texts differ in their final newline:
    /// most values are one-line scalars without one, and marking each would be noise.
    public static func render(old: String, new: String, oldLabel: String, newLabel: String, context: Int = 3) -> String {
        let oldLines = lines(old), newLines = lines(new)
        let markEnds = !old.isEmpty && !new.isEmpty && old.hasSuffix("\n") != new.hasSuffix("\n")
        let script = editScript(oldLines, newLines)
        guard script.contains(where: { $0 != .keep }) else { return "" }

        // Positions in old and new before each operation, for hunk headers.
        var oldAt = [Int](), newAt = [Int]()
        var o = 0, n = 0
        for operation in script {
            oldAt.append(o)
            newAt.append(n)
            if operation != .insert { o += 1 }
            if operation != .delete { n += 1 }
        }

        var text = "--- \(oldLabel)\n+++ \(newLabel)\n"
        for range in hunks(script, context: context) {
            let slice = script[range]
            let oldCount = slice.filter { $0 != .insert }.count, newCount = slice.filter { $0 != .delete }.count
            text += "@@ -\(header(oldAt[range.lowerBound], oldCount)) +\(header(newAt[range.lowerBound], newCount)) @@\n"
            for index in range {
                let (sign, line): (String, Line) = switch script[index] {
                case .keep: (" ", oldLines[oldAt[index]])
                case .delete: ("-", oldLines[oldAt[index]])
                case .insert: ("+", newLines[newAt[index]])
                }
                text += sign + line.text + "\n"
                if markEnds && !line.terminated { text += "\\ No newline at end of file\n" }
            }
        }
        return text
    }

    static func lines(_ text: String) -> [Line] {
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false)
        if parts.last == "" { parts.removeLast() }
        return parts.enumerated().map { Line(text: $1, terminated: $0 < parts.count - 1 || text.hasSuffix("\n")) }
    }

    /// A shortest edit script from the longest common subsequence, after trimming the common prefix and suffix.
    static func editScript(_ old: [Line], _ new: [Line]) -> [Operation] {
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
              old[old.count - 1 - suffix] == new[new.count - 1 - suffix] { suffix += 1 }
        let a = Array(old[prefix..<(old.count - suffix)]), b = Array(new[prefix..<(new.count - suffix)])

        var middle: [Operation] = []
        if a.count * b.count > maximumTableCells || a.isEmpty || b.isEmpty {
            middle = Array(repeating: .delete, count: a.count) + Array(repeating: .insert, count: b.count)
        } else {
            // lengths[i][j]: LCS length of a[i...] and b[j...], flattened.
            let width = b.count + 1
            var lengths = [Int32](repeating: 0, count: (a.count + 1) * width)
            for i in stride(from: a.count - 1, through: 0, by: -1) {
                for j in stride(from: b.count - 1, through: 0, by: -1) {
                    lengths[i * width + j] = a[i] == b[j]
                        ? lengths[(i + 1) * width + j + 1] + 1
                        : max(lengths[(i + 1) * width + j], lengths[i * width + j + 1])
                }
            }
            var i = 0, j = 0
            while i < a.count || j < b.count {
                if i < a.count, j < b.count, a[i] == b[j] {
                    middle.append(.keep); i += 1; j += 1
                } else if j == b.count || (i < a.count && lengths[(i + 1) * width + j] >= lengths[i * width + j + 1]) {
                    middle.append(.delete); i += 1
                } else {
                    middle.append(.insert); j += 1
                }
            }
        }
        return Array(repeating: .keep, count: prefix) + middle + Array(repeating: .keep, count: suffix)
    }

    /// Ranges of the script to print: each change with `context` kept lines around it, merging
    /// hunks whose context would touch.
    static func hunks(_ script: [Operation], context: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        for index in script.indices where script[index] != .keep {
            let range = max(0, index - context)..<min(script.count, index + context + 1)
            if let last = ranges.last, range.lowerBound <= last.upperBound {
                ranges[ranges.count - 1] = last.lowerBound..<range.upperBound
            } else {
                ranges.append(range)
            }
        }
        return ranges
    }

    /// `start,count` as diff writes it: 1-based, `,count` omitted for one line, start 0-based for none.
    private static func header(_ before: Int, _ count: Int) -> String {
        switch count {
        case 0: "\(before),0"
        case 1: "\(before + 1)"
        default: "\(before + 1),\(count)"
        }
    }
}

import JSONSchema
import Yams

/// What `kvctl import` writes for keys that already exist in a store: manifests in the repository's
/// layout (`ROOT/<key folder>.yaml`) and the files their `file:` entries read
/// (`ROOT/<key folder>/<name>.<ext>`), so that loading them gives back every value's exact bytes.
public struct ImportLayout: Sendable {
    /// Inline values longer than this go to a file: a manifest is read by people.
    public static let inlineLimit = 120

    public struct Written: Sendable, Hashable {
        public let path: String
        public let bytes: [UInt8]
    }

    /// Manifests first, then value files, each sorted by path.
    public let manifests: [Written]
    public let files: [Written]

    /// `depth` groups keys by their first `depth` segments instead of their whole folder; `taken` says
    /// whether a repository path already exists (case-insensitively reserved paths are never reused).
    /// `header` becomes the manifests' first comment line.
    public init(_ entries: [(key: String, value: [UInt8])], root: String, depth: Int? = nil, header: String,
                taken: (String) -> Bool = { _ in false }) {
        var groups: [String: [(key: String, value: [UInt8])]] = [:]
        for entry in entries {
            var folder = entry.key.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            if let depth { folder = folder.prefix(depth) }
            groups[folder.joined(separator: "/"), default: []].append(entry)
        }
        var reserved = Set<String>()
        func claim(_ path: String) -> String {
            let (stem, suffix) = Self.splitExtension(path)
            var candidate = path, attempt = 1
            while reserved.contains(candidate.lowercased()) || taken(candidate) {
                attempt += 1
                candidate = "\(stem)-\(attempt)\(suffix)"
            }
            reserved.insert(candidate.lowercased())
            return candidate
        }
        var manifests: [Written] = [], files: [Written] = []
        let folders = groups.keys.sorted { $0.precedesInByteOrder($1) }
        // Manifest paths are claimed before any value file, so a group's name never yields to a file's.
        let manifestPaths = Dictionary(uniqueKeysWithValues: folders.map { folder in
            (folder, claim(root + "/" + (folder.isEmpty ? "top-level" : Self.pathName(folder)) + ".yaml"))
        })
        for folder in folders {
            let manifestPath = manifestPaths[folder]!
            let base = String(manifestPath.dropLast(".yaml".count))
            let manifestFolder = manifestPath.split(separator: "/").dropLast().joined(separator: "/")
            let folderDepth = folder.isEmpty ? 0 : folder.split(separator: "/", omittingEmptySubsequences: false).count
            var text = "# \(header)\nconfig:\n"
            for entry in groups[folder]!.sorted(by: { $0.key.precedesInByteOrder($1.key) }) {
                text += "  - key: \(YAMLScalar.quoted(entry.key))\n"
                if let inline = Self.inlineText(entry.value) {
                    text += "    value: \(YAMLScalar.quoted(inline))\n"
                    continue
                }
                let relative = entry.key.split(separator: "/", omittingEmptySubsequences: false).dropFirst(folderDepth)
                let path = claim(base + "/" + Self.pathName(relative.joined(separator: "/"), extension: Self.fileExtension(for: entry.value)))
                files.append(Written(path: path, bytes: entry.value))
                text += "    file: \(YAMLScalar.quoted(String(path.dropFirst(manifestFolder.count + 1))))\n"
            }
            manifests.append(Written(path: manifestPath, bytes: Array(text.utf8)))
        }
        self.manifests = manifests
        self.files = files.sorted { $0.path < $1.path }
    }

    /// The value as it can stand inline: short, one line, printable UTF-8, and not a JSON document.
    static func inlineText(_ value: [UInt8]) -> String? {
        guard value.count <= inlineLimit, let text = ValueText.text(of: value) else { return nil }
        guard text.unicodeScalars.allSatisfy(YAMLScalar.isPrintable), !text.contains("\n"), !text.contains("\r") else { return nil }
        if let first = text.first, first == "{" || first == "[", (try? JSONParser.parse(value)) != nil { return nil }
        return text
    }

    /// The extension the content suggests, or nil when the key's own name already says what it is.
    static func fileExtension(for value: [UInt8]) -> String {
        guard let text = ValueText.text(of: value) ?? (value.contains(0) ? nil : String(validating: value, as: UTF8.self)) else { return "bin" }
        let body = text.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        if body.first == "{" || body.first == "[", (try? JSONParser.parse(value)) != nil { return "json" }
        if body.hasPrefix("-----BEGIN ") { return "pem" }
        if text.contains("{{") && text.contains("}}") { return "ctmpl" }
        if let word = Self.firstWord(of: text), ["input", "filter", "output"].contains(word) { return "conf" }
        if case .success(let composed) = YAMLDocument.compose(value, file: ""), composed.repeats.isEmpty {
            switch composed.root {
            case .mapping?, .sequence?: return "notkv.yaml" // never read as a manifest, as the sample's owners.notkv.yaml
            default: break
            }
        }
        return "txt"
    }

    /// `input {` and friends after blank lines and comments: what opens a Logstash pipeline.
    private static func firstWord(of text: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{FEFF}" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let word = trimmed.prefix { $0.isLetter }
            return trimmed.dropFirst(word.count).drop { $0 == " " || $0 == "\t" }.first == "{" ? String(word) : nil
        }
        return nil
    }

    /// A key (or part of one) as a relative path: characters file systems and shells mind become `_`, a
    /// leading dot too (no hidden files, no `.git`), and each segment stays within 100 bytes. When the last
    /// segment does not end in `.extension` already, the extension is appended.
    static func pathName(_ key: String, extension ext: String? = nil) -> String {
        var segments = key.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            var name = String(segment.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-+@=".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "_"
            })
            if name.hasPrefix(".") || name.isEmpty { name = "_" + name }
            return String(name.prefix(100))
        }
        if let ext, var last = segments.popLast() {
            let plain = ext.split(separator: ".").last.map(String.init) ?? ext
            if last.lowercased().hasSuffix("." + ext) { // already named for its content
            } else if last.lowercased().hasSuffix("." + plain) {
                last = String(last.dropLast(plain.count + 1)) + "." + ext
            } else if ext == "txt" || ext == "bin", last.contains(".") {
                // `nginx.conf` holding plain text keeps its name; only a name with no extension gets one.
            } else {
                last += "." + ext
            }
            segments.append(last)
        }
        return segments.joined(separator: "/")
    }

    private static func splitExtension(_ path: String) -> (String, String) {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        guard let dot = path[slash...].firstIndex(of: "."), dot != slash else { return (path, "") }
        return (String(path[..<dot]), String(path[dot...]))
    }
}

/// YAML scalars that the manifest loader reads back as exactly the same text.
public enum YAMLScalar {
    /// Plain when the text cannot mean anything else to YAML (kvctl keeps a plain scalar's source text, so
    /// `1.10`, `0700` and `yes` stay plain); single-quoted when it is printable; double-quoted otherwise.
    public static func quoted(_ text: String) -> String {
        if isPlain(text) { return text }
        if !text.contains("\t"), !text.contains("\n"), text.unicodeScalars.allSatisfy(isPrintable) {
            return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\t": quoted += "\\t"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case _ where isPrintable(scalar): quoted.unicodeScalars.append(scalar)
            default: quoted += "\\U" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 8)
            }
        }
        return quoted + "\""
    }

    /// YAML 1.2's printable set (§5.1) less the byte order mark, which a reader may drop.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: scalar.value != 0xFEFF
        default: false
        }
    }

    private static func isPlain(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, !["~", "null", "Null", "NULL"].contains(text) else { return false }
        let allowed = text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._/+-=@:".unicodeScalars.contains(scalar))
        }
        let opening = first.properties.isAlphabetic || ("0"..."9").contains(first) || first == "_" || first == "/" || first == "."
        return allowed && opening && !text.hasSuffix(":") && !text.contains(": ")
    }
}

import Foundation

/// Minimal RFC 3986 URI reference: just enough to resolve `$id` and `$ref` against base URIs.
struct URIReference: Sendable, Hashable, CustomStringConvertible {
    var scheme: String?
    var authority: String?
    var path: String
    var query: String?
    var fragment: String?

    init(_ string: String) {
        var rest = Substring(string)
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        if let colon = rest.firstIndex(of: ":"), let first = rest.first, first.isASCII, first.isLetter,
            rest[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }),
            !rest[..<colon].contains("/")
        {
            scheme = rest[..<colon].lowercased()
            rest = rest[rest.index(after: colon)...]
        }
        if rest.hasPrefix("//") {
            let afterSlashes = rest.dropFirst(2)
            let end = afterSlashes.firstIndex(of: "/") ?? afterSlashes.endIndex
            authority = String(afterSlashes[..<end])
            rest = afterSlashes[end...]
        }
        path = String(rest)
    }

    var description: String {
        var s = ""
        if let scheme { s += scheme + ":" }
        if let authority { s += "//" + authority }
        s += path
        if let query { s += "?" + query }
        if let fragment { s += "#" + fragment }
        return s
    }

    var withoutFragment: URIReference {
        var copy = self
        copy.fragment = nil
        return copy
    }

    /// RFC 3986 section 5.2.2.
    func resolved(against base: URIReference) -> URIReference {
        var t = URIReference("")
        if scheme != nil {
            t = self
            t.path = Self.removeDotSegments(path)
            return t
        }
        t.scheme = base.scheme
        t.fragment = fragment
        if authority != nil {
            t.authority = authority
            t.path = Self.removeDotSegments(path)
            t.query = query
            return t
        }
        t.authority = base.authority
        if path.isEmpty {
            t.path = base.path
            t.query = query ?? base.query
        } else {
            if path.hasPrefix("/") {
                t.path = Self.removeDotSegments(path)
            } else {
                let merged: String
                if base.authority != nil && base.path.isEmpty {
                    merged = "/" + path
                } else if let slash = base.path.lastIndex(of: "/") {
                    merged = base.path[...slash] + path
                } else {
                    merged = path
                }
                t.path = Self.removeDotSegments(merged)
            }
            t.query = query
        }
        return t
    }

    static func removeDotSegments(_ path: String) -> String {
        guard path.contains(".") else { return path }
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (i, segment) in segments.enumerated() {
            let isLast = i == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                if output.count > 1 || (output.count == 1 && !output[0].isEmpty) { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        var result = output.joined(separator: "/")
        if path.hasPrefix("/") && !result.hasPrefix("/") { result = "/" + result }
        return result
    }
}

enum URIResolution {
    /// Resolves `reference` against `base`; both are strings as they appear in schemas.
    static func resolve(_ reference: String, against base: String) -> String {
        URIReference(reference).resolved(against: URIReference(base)).description
    }

    /// Splits an absolute URI into its fragment-free part and the percent-decoded fragment.
    static func split(_ uri: String) -> (base: String, fragment: String) {
        let ref = URIReference(uri)
        let fragment = ref.fragment.map { $0.removingPercentEncoding ?? $0 } ?? ""
        return (ref.withoutFragment.description, fragment)
    }

    /// Encodes a JSON Pointer for use as a URI fragment.
    static func fragment(forPointer pointer: String) -> String {
        pointer.addingPercentEncoding(withAllowedCharacters: fragmentAllowed) ?? pointer
    }

    private static let fragmentAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~!$&'()*+,;=:@/?")
        return set
    }()
}

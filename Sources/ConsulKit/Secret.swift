/// A token or password. Printing, interpolating, dumping or mirroring it shows `<redacted>`; only the
/// transport reads `revealed`, to put it in a header.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let revealed: String

    public init(_ value: String) {
        revealed = value
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

extension String {
    /// Server texts are echoed in errors; this keeps a secret out of them even if a proxy reflected it.
    func redacting(_ secrets: [Secret]) -> String {
        secrets.filter { !$0.revealed.isEmpty }.reduce(self) { text, secret in
            text.replacingOccurrences(of: secret.revealed, with: "<redacted>")
        }
    }
}

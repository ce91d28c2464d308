/// Whether a value is shown as text in a diff or summarised by size and hash.
public enum ValueText {
    /// Longer values are summarised: a diff of a huge blob helps nobody reviewing a release.
    public static let maximumSize = 64 * 1024

    /// The value as text when it is valid UTF-8 without NUL bytes (git's binary test) and at most `maximumSize`.
    public static func text(of bytes: [UInt8]) -> String? {
        guard bytes.count <= maximumSize, !bytes.contains(0) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.utf8.elementsEqual(bytes) ? text : nil
    }

    /// `1234 bytes, sha256 9f86d081…`: enough to tell two values apart and to check one.
    public static func summary(of bytes: [UInt8]) -> String {
        "\(TreeDiff.count(bytes.count, "byte")), sha256 \(SHA256.hex(bytes))"
    }
}

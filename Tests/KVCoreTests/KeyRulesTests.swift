import KVCore
import Testing

/// Refused keys are those Consul's HTTP API cannot round-trip: Go's net/http cleans request paths with
/// `//`, `.` or `..` segments (golang/go src/net/http/server.go, cleanPath) and a leading or trailing
/// `/` is folded into the `/v1/kv/` route; control characters are refused in keys (README, Manifests).
@Suite struct KeyRulesCheck {
    @Test(arguments: ["a", "config/app/port", "a/.../b", ".hidden/x", "a/b.c/..d", "ключ/значение", "a b/c"])
    func acceptable(_ key: String) {
        #expect(KeyRules.problem(with: key) == nil)
    }

    @Test(arguments: [
        ("", "the key is empty"), ("/a", "the key starts with '/'"), ("a/", "the key ends with '/'"),
        ("a//b", "the key has an empty segment ('//')"), ("./a", "the key has a '.' segment"),
        ("a/..", "the key has a '..' segment"), ("a/../b", "the key has a '..' segment"),
        ("a\u{7}b", "the key contains the control character U+0007"), ("a/\u{85}", "the key contains the control character U+0085"),
        ("a\u{7F}", "the key contains the control character U+007F"),
    ])
    func refused(_ key: String, _ problem: String) {
        #expect(KeyRules.problem(with: key) == problem)
    }
}

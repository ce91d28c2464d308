import Foundation

/// The `kvctl` executable built beside the test bundle (override with KVCTL_BIN).
public func kvctlBinary() -> String {
    if let explicit = ProcessInfo.processInfo.environment["KVCTL_BIN"] { return explicit }
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var folder = testBinary.deletingLastPathComponent()
    // The test binary sits inside `kvctlPackageTests.xctest/` on some platforms.
    while folder.path != "/" {
        let candidate = folder.appendingPathComponent("kvctl")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        folder = folder.deletingLastPathComponent()
    }
    return "kvctl"
}

/// Runs kvctl with `arguments` in `directory`.
public func kvctl(_ arguments: [String], in directory: URL, environment: [String: String]? = nil,
                  timeout: Double = defaultProcessTimeout) throws -> ProcessResult {
    try run(kvctlBinary(), arguments, in: directory, environment: environment, timeout: timeout)
}

// libFuzzer entry: the plain manifest scanner, checked against the Yams path it stands in for: when
// the scanner answers, its answer must be the one Yams gives (PlainManifestScanner's contract).
// Replayed by FuzzRegressionTests as a manifest.
@testable import KVCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let fast = Manifest.parseFast(bytes, path: "kv/fuzz.yaml") else { return 0 }
    let slow = Manifest.parseWithYams(bytes, path: "kv/fuzz.yaml")
    precondition(fast == slow, "PlainManifestScanner and Yams disagree:\n\(fast)\n\(slow)")
    return 0
}

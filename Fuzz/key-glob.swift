// libFuzzer entry: key globs. The first line is the glob, the rest the key it is matched against.
// Replayed by FuzzRegressionTests as a `rules:` glob in kvctl.yaml and a key in a manifest.
import KVCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let newline = bytes.firstIndex(of: 0x0A) ?? size
    let glob = KeyGlob(String(decoding: bytes[..<newline], as: UTF8.self))
    let key = String(decoding: bytes[min(newline + 1, size)...], as: UTF8.self)
    _ = glob.matches(key)
    return 0
}

// libFuzzer entry: the YAML path through Yams: a manifest that the plain scanner hands to Yams, and
// kvctl.yaml settings. Replayed by FuzzRegressionTests as a manifest and as kvctl.yaml.
@testable import KVCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = Manifest.parseWithYams(bytes, path: "kv/fuzz.yaml")
    _ = KVConfig.parse(bytes)
    return 0
}

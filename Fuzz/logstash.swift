// libFuzzer entry: the Logstash config parser and the plugin walk the pipeline checks make.
// Replayed by FuzzRegressionTests as a `.conf` file value.
import LogstashConfig

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    if let config = try? LogstashParser.parse(utf8: bytes) {
        _ = config.pluginIDs()
        _ = config.pluginCounts()
    }
    return 0
}

// libFuzzer entry: the JSON parser, with and without source positions (what every JSON value,
// dashboard and schema goes through). Replayed by FuzzRegressionTests as a `type: json` file value.
import JSONSchema

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let document = try? JSONParser.parse(bytes, options: .init(recordPositions: true)) {
        _ = document.positions?.location(of: "")
    }
    _ = try? JSONParser.parse(bytes)
    return 0
}

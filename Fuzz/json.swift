// libFuzzer entry: the JSON parser, with and without source positions (what every JSON value,
// dashboard and schema goes through), and the element-at-a-time read of an array (Consul listings),
// which must accept exactly what the whole parse accepts and yield the same elements. Replayed by
// FuzzRegressionTests as a `type: json` file value.
import JSONSchema

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let document = try? JSONParser.parse(bytes, options: .init(recordPositions: true)) {
        _ = document.positions?.location(of: "")
    }
    let whole = try? JSONParser.parse(bytes).value
    var elements: [JSONValue] = []
    let streamed = try? JSONParser.forEachElement(ofArray: bytes) { elements.append($0); return true }
    precondition((streamed == true) == (whole?.arrayValue != nil), "forEachElement and parse disagree on acceptance")
    if streamed == true { precondition(whole?.arrayValue == elements, "forEachElement and parse disagree on the elements") }
    return 0
}

// libFuzzer entry: JSON Schema compile and validate. The first line is the schema, the rest the
// instance. Replayed by FuzzRegressionTests as a schema file and a value that names it.
import JSONSchema

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let newline = bytes.firstIndex(of: 0x0A) ?? size
    guard let schema = try? JSONParser.parse(Array(bytes[..<newline])).value,
          let instance = try? JSONParser.parse(Array(bytes[min(newline + 1, size)...])).value,
          let compiled = try? SchemaRegistry().compile(schema) else { return 0 }
    _ = compiled.validate(instance)
    return 0
}

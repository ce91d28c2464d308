// libFuzzer entry: the consul-template lexer, parser and renderer (both placeholder settings, as the
// Logstash-template check renders) against a few keys. Replayed by FuzzRegressionTests as a `.ctmpl`
// file value whose output is Logstash.
import ConsulTemplate

let lookup = DictionaryKeyLookup([
    "logstash/settings/host": "es.internal:9200", "logstash/settings/index": "logs-%{+YYYY.MM.dd}",
    "logstash/settings/workers": "4", "logstash/settings/enabled": "true",
])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let template = try? TemplateParser().parse(text) else { return 0 }
    for truthy in [true, false] {
        _ = try? template.render(using: lookup, options: RenderOptions(placeholdersAreTruthy: truthy))
    }
    return 0
}

import ConsulTemplate
import KVCore

extension VersionUnderTest {
    /// What each template of the version reads from this datacenter's KV, for a publish to write in
    /// one transaction. Templates are never reused from the memo, so every one is among `items`.
    /// consul-template lists `ls`/`tree` prefixes raw, trimming the prefix from each key only
    /// afterwards (hashicorp/consul-template, dependency/kv_list.go `Fetch`), so the prefix is kept raw.
    public var templateReadSets: [TemplateReadSet] {
        items.compactMap { item -> TemplateReadSet? in
            guard case .success(let parsed)? = item.template else { return nil }
            var keys: [String] = [], prefixes: [String] = []
            for reference in parsed.keyReferences where reference.datacenter == nil {
                guard let key = reference.key else { continue }
                if reference.isPrefix { prefixes.append(key) } else { keys.append(key) }
            }
            guard !keys.isEmpty || !prefixes.isEmpty else { return nil }
            return TemplateReadSet(template: item.key, keys: keys, prefixes: prefixes)
        }
    }
}

import Foundation
import JSONSchema

/// The `consul kv export` / `consul kv import` format: `[{"key", "flags", "value": base64}]` sorted by
/// key, written in the field order and tab indentation `consul kv export` uses.
public enum ConsulExport {
    public static func json(_ tree: KVTree) -> String {
        json(tree.entries.map { ($0.key, 0, $0.value) })
    }

    /// Entries as a store holds them, with their flags, in the order given.
    public static func json(_ entries: [(key: String, flags: UInt64, value: [UInt8])]) -> String {
        guard !entries.isEmpty else { return "[]" }
        let items = entries.map { entry in
            "\t{\n\t\t\"key\": \(jsonQuoted(entry.key)),\n\t\t\"flags\": \(entry.flags),\n\t\t\"value\": \"\(Data(entry.value).base64EncodedString())\"\n\t}"
        }
        return "[\n" + items.joined(separator: ",\n") + "\n]"
    }
}

/// A parsed manifest kept between runs, keyed by its path and blob id: an unchanged manifest is
/// neither read nor parsed again.
extension Manifest {
    static func memoKey(path: String, id: String) -> String {
        "manifest\u{0}\(path)\u{0}\(id)"
    }

    var record: [UInt8] {
        var writer = RecordWriter()
        writer.write(isManifest)
        writer.write(diagnostics)
        writer.write(entries) { writer, entry in
            writer.write(entry.key)
            writer.write(entry.location)
            switch entry.payload {
            case .value(let bytes, let at):
                writer.write(false)
                writer.write(bytes)
                writer.write(at)
            case .file(let reference, let at):
                writer.write(true)
                writer.write(reference)
                writer.write(at)
            }
            for field in [entry.options.schema, entry.options.type, entry.options.allowSecret] {
                writer.write(field != nil)
                if let field {
                    writer.write(field.value)
                    writer.write(field.location)
                }
            }
            writer.write(entry.options.sentinel)
        }
        return writer.bytes
    }

    init?(record: [UInt8], path: String) {
        var reader = RecordReader(record)
        guard let isManifest = reader.bool(), let diagnostics = reader.diagnostics() else { return nil }
        let entries = reader.list { reader -> ManifestEntry? in
            guard let key = reader.string(), let location = reader.location(), let isFile = reader.bool() else { return nil }
            let payload: ManifestEntry.Payload
            if isFile {
                guard let reference = reader.string(), let at = reader.location() else { return nil }
                payload = .file(reference, at: at)
            } else {
                guard let bytes = reader.raw(), let at = reader.location() else { return nil }
                payload = .value(bytes, at: at)
            }
            var fields: [Located<String>?] = []
            for _ in 0..<3 {
                guard let present = reader.bool() else { return nil }
                guard present else { fields.append(nil); continue }
                guard let value = reader.string(), let at = reader.location() else { return nil }
                fields.append(Located(value, at: at))
            }
            guard let sentinel = reader.bool() else { return nil }
            return ManifestEntry(key: key, location: location, payload: payload,
                                 options: EntryOptions(schema: fields[0], type: fields[1], allowSecret: fields[2], sentinel: sentinel))
        }
        guard let entries, reader.isAtEnd else { return nil }
        self.init(path: path, isManifest: isManifest, entries: entries, diagnostics: diagnostics)
    }
}

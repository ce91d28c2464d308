import JSONSchema

/// `/v1/kv/<key>`: GET (plain, `recurse`, `keys` + `separator`, `raw`), PUT (`flags`, `cas`, `acquire`,
/// `release`) and DELETE (`recurse`, `cas`).
extension DoubleRouter {
    func kv(_ request: DoubleRequest, key: String, state: inout DoubleState, now: ContinuousClock.Instant) -> DoubleResponse {
        if options.validatesKeysAs1_21_5, !key.isEmpty, !Self.passes1_21_5KeyCheck(key) {
            return .text(500, "invalid key name, keys should respect the \"\(Self.keyPattern1_21_5)\" format")
        }
        return switch request.method {
        case "GET": read(request, key: key, state: state)
        case "PUT": put(request, key: key, state: &state, now: now)
        case "DELETE": delete(request, key: key, state: &state, now: now)
        default: .text(405, "method \(request.method) not allowed")
        }
    }

    private func read(_ request: DoubleRequest, key: String, state: DoubleState) -> DoubleResponse {
        // agent/http.go `parseWait`: a malformed blocking parameter is the client's error.
        if let index = request.query["index"], UInt64(index) == nil { return .text(400, "Invalid index") }
        if let wait = request.query["wait"], GoDuration.parse(wait) == nil { return .text(400, "Invalid wait time") }
        let scope = Self.scope(of: request)
        let all = state.entries(under: key, in: scope)
        let visible = all.filter(readable)
        // Keys the token may not read are left out of a listing, silently but for this header.
        let filtered = visible.count < all.count && carriesToken(request)
        if request.query["keys"] != nil {
            let separator = request.query["separator"] ?? ""
            var names: [String] = []
            for entry in visible {
                var name = entry.key
                if !separator.isEmpty, let range = name.dropFirst(key.count).range(of: separator) {
                    name = String(name[..<range.upperBound])
                }
                if names.last != name { names.append(name) }
            }
            // Written by hand, as listings are: JSONEncoder took 40 ms for 10,000 names.
            let response = names.isEmpty ? DoubleResponse.notFound : .json(text: "[" + names.map(jsonQuoted).joined(separator: ",") + "]")
            return response.withConsulIndex(state.listIndex(under: key, in: scope)).filteredByACLs(filtered)
        }
        if request.query["recurse"] != nil {
            let response = visible.isEmpty ? DoubleResponse.notFound : DoubleResponse.json(text: EntryJSON.list(visible))
            return response.withConsulIndex(state.listIndex(under: key, in: scope)).filteredByACLs(filtered)
        }
        if let denial = readDenial(key) { return .text(403, denial) }
        guard let entry = state.entry(key, in: scope) else { return DoubleResponse.notFound.withConsulIndex(state.keyIndex(key, in: scope)) }
        if request.query["raw"] != nil {
            return DoubleResponse(status: 200, headers: [("Content-Type", "application/octet-stream")], body: entry.value)
                .withConsulIndex(entry.modifyIndex)
        }
        return .json(text: EntryJSON.list([entry])).withConsulIndex(entry.modifyIndex)
    }

    private func put(_ request: DoubleRequest, key: String, state: inout DoubleState, now: ContinuousClock.Instant) -> DoubleResponse {
        guard !key.isEmpty else { return .text(400, "Missing key name") }
        guard request.body.count <= options.maxValueSize else {
            return .text(413, Self.tooLarge(request.body.count, limit: options.maxValueSize, setting: "kv_max_value_size"))
        }
        if let denial = writeDenial(key) { return .text(403, denial) }
        // Flags is 0 unless `?flags=` says otherwise: a plain PUT resets them (hashicorp/consul
        // agent/kvs_endpoint.go, KVSPut starts from `Flags: 0`).
        var op = KVOperation(verb: .set, key: key, value: request.body, scope: Self.scope(of: request))
        if let flags = request.query["flags"] {
            guard let value = UInt64(flags) else { return .text(400, "Invalid flags: \(flags)") }
            op.flags = value
        }
        if let session = request.query["acquire"] {
            op.verb = .lock
            op.session = session
        } else if let session = request.query["release"] {
            op.verb = .unlock
            op.session = session
        } else if let cas = request.query["cas"] {
            guard let index = UInt64(cas) else { return .text(400, "Invalid cas index: \(cas)") }
            op.verb = .cas
            op.index = index
        }
        return write(op, state: &state, now: now)
    }

    private func delete(_ request: DoubleRequest, key: String, state: inout DoubleState, now: ContinuousClock.Instant) -> DoubleResponse {
        var op = KVOperation(verb: .delete, key: key, scope: Self.scope(of: request))
        if request.query["recurse"] != nil {
            op.verb = .deleteTree
        } else if let cas = request.query["cas"] {
            guard let index = UInt64(cas) else { return .text(400, "Invalid cas index: \(cas)") }
            op.verb = .deleteCAS
            op.index = index
        }
        guard !key.isEmpty || op.verb == .deleteTree else { return .text(400, "Missing key name") }
        if let denial = writeDenial(key, tree: op.verb == .deleteTree) { return .text(403, denial) }
        return write(op, state: &state, now: now)
    }

    /// A failed condition answers `false`; a request that cannot be served (an unknown session) answers 500.
    private func write(_ op: KVOperation, state: inout DoubleState, now: ContinuousClock.Instant) -> DoubleResponse {
        do {
            _ = try state.write { (state, index) throws(OperationFailure) in try state.apply(op, at: index, now: now) }
            return .bool(true)
        } catch {
            return error.kind == .conditionFailed ? .bool(false) : .text(500, error.message)
        }
    }

    /// The KV endpoint's namespace and partition, from `?ns=` and `?partition=` (Enterprise).
    private static func scope(of request: DoubleRequest) -> KVScope {
        KVScope(partition: request.query["partition"], namespace: request.query["ns"])
    }

    /// The pattern as Consul 1.21.5's message quotes it (Go's `%q`, so the backslash doubled).
    static let keyPattern1_21_5 = "^[a-zA-Z0-9,_./\\\\-?&=]+$"

    /// `^[a-zA-Z0-9,_./\-?&=]+$`, the pattern Consul 1.21.5 applied to every `/v1/kv/` key.
    private static func passes1_21_5KeyCheck(_ key: String) -> Bool {
        key.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ",_./-?&=".unicodeScalars.contains(scalar))
        }
    }

    static func tooLarge(_ size: Int, limit: Int, setting: String) -> String {
        "Request body(\(size) bytes) too large, max size: \(limit) bytes. "
            + "See https://www.consul.io/docs/agent/options.html#\(setting)."
    }
}

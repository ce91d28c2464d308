import Foundation

/// `PUT /v1/txn`, checked in the order Consul's handler checks: body size, JSON, operation count, value
/// sizes, rights; then every operation runs on a copy of the state, kept only if none failed.
extension DoubleRouter {
    func transaction(_ request: DoubleRequest, state: inout DoubleState, now: ContinuousClock.Instant) -> DoubleResponse {
        guard request.method == "PUT" else { return .text(405, "method \(request.method) not allowed") }
        guard request.body.count <= options.maxTransactionBodySize else {
            return .text(413, Self.tooLarge(request.body.count, limit: options.maxTransactionBodySize, setting: "txn_max_req_len"))
        }
        let parsed: [TxnOperationJSON]
        do {
            parsed = try JSONDecoder().decode([TxnOperationJSON].self, from: Data(request.body))
        } catch {
            return .text(400, "Failed to parse body: \(error)")
        }
        guard parsed.count <= options.maxTransactionOperations else {
            return .text(413, "Transaction contains too many operations (\(parsed.count) > \(options.maxTransactionOperations))")
        }
        var operations: [KVOperation] = []
        var failures: [TxnResponseJSON.Failure] = []
        for (position, element) in parsed.enumerated() {
            guard let kv = element.KV else {
                return .text(400, "Failed to parse body: the Consul double supports only KV operations")
            }
            var value: [UInt8] = []
            if let text = kv.Value {
                guard let data = Data(base64Encoded: text) else { return .text(400, "Failed to parse body: illegal base64 data") }
                value = Array(data)
            }
            guard value.count <= options.maxValueSize else {
                return .text(413, "Value for key \"\(kv.Key)\" is too large (\(value.count) > \(options.maxValueSize) bytes)")
            }
            guard let verb = KVOperation.Verb(rawValue: kv.Verb) else {
                failures.append(.init(OpIndex: position, What: "unknown KV verb \"\(kv.Verb)\""))
                continue
            }
            // A missing right is a rolled-back operation (409), not a 403: Consul's ACL check runs per
            // operation inside the transaction (hashicorp/consul agent/consul/txn_endpoint.go, preCheck).
            if let denial = verb.writes ? writeDenial(kv.Key, tree: verb == .deleteTree) : readDenial(kv.Key) {
                failures.append(.init(OpIndex: position, What: denial))
            }
            operations.append(
                KVOperation(verb: verb, key: kv.Key, value: value, flags: kv.Flags ?? 0, index: kv.Index ?? 0, session: kv.Session,
                            scope: KVScope(partition: kv.Partition, namespace: kv.Namespace)))
        }
        guard failures.isEmpty else { return .json(text: TxnResponseJSON(errors: failures).text, status: 409) }
        let writes = operations.contains { $0.verb.writes }
        // A transaction without writes is served like a read: no raft entry, the index header set.
        var target = state
        let outcome = writes ? Self.run(operations, on: &state, now: now) : Self.run(operations, on: &target, now: now)
        switch outcome {
        case .success(let results):
            let response = DoubleResponse.json(text: TxnResponseJSON(results: results).text)
            return writes ? response : response.withConsulIndex(state.index)
        case .failure(let failed):
            return .json(text: TxnResponseJSON(errors: failed.failures).text, status: 409)
        }
    }

    private struct Rollback: Error { var failures: [TxnResponseJSON.Failure] }

    private static func run(
        _ operations: [KVOperation], on state: inout DoubleState, now: ContinuousClock.Instant
    ) -> Result<[TxnResponseJSON.Result], Rollback> {
        Result { () throws(Rollback) in
            try state.write { (state, index) throws(Rollback) in
                var results: [TxnResponseJSON.Result] = []
                var failures: [TxnResponseJSON.Failure] = []
                // Like Consul, every operation is tried so that all failures are reported.
                for (position, op) in operations.enumerated() {
                    do throws(OperationFailure) {
                        let entries = try state.apply(op, at: index, now: now)
                        // hashicorp/consul agent/consul/state/txn.go: get and get-or-empty keep the value, as
                        // get-tree's listing does; every other verb's result has it blanked.
                        let withValue = op.verb == .get || op.verb == .getOrEmpty || op.verb == .getTree
                        results += entries.map { .init(KV: EntryJSON(entry: $0, includeValue: withValue)) }
                    } catch {
                        failures.append(.init(OpIndex: position, What: error.message))
                    }
                }
                guard failures.isEmpty else { throw Rollback(failures: failures) }
                return results
            }
        }
    }
}

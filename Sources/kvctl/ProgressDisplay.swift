import Foundation
import Publishing

/// Apply progress on stderr: one rewritten line on a terminal (transactions done of total, keys per
/// second), plain lines at every tenth of the way in a pipe. A single transaction shows nothing.
struct ProgressDisplay {
    let terminal: Bool

    func show(_ progress: ApplyProgress) {
        let total = progress.totalTransactions
        guard total > 1 else { return }
        let rate = Int(progress.operationsPerSecond.rounded())
        let line = "applied \(progress.transactions)/\(total) transactions, \(progress.operations)/\(progress.totalOperations) operations, \(rate) keys/s"
        if terminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)\(progress.transactions == total ? "\n" : "")".utf8))
        } else if progress.transactions == total || progress.transactions % max(1, total / 10) == 0 {
            writeError("kvctl: " + line)
        }
    }
}

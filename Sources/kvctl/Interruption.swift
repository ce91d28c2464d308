#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

/// Ctrl-C during an apply. The first one asks the publish to stop after the transaction in flight, so
/// the journal says exactly how far it got and the lock is released; a second one ends kvctl at once
/// (the journal still allows recovery, and the lock lapses with its session).
final class Interruption: @unchecked Sendable {
    private let state = NSLock()
    private var signals = 0
    private let source: DispatchSourceSignal

    /// Takes SIGINT over until `remove()`.
    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in self?.received() }
        source.resume()
    }

    var requested: Bool { state.withLock { signals > 0 } }

    func remove() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }

    private func received() {
        let count = state.withLock {
            signals += 1
            return signals
        }
        guard count == 1 else {
            signal(SIGINT, SIG_DFL)
            raise(SIGINT)
            return
        }
        writeError("kvctl: interrupted: stopping after the current transaction (Ctrl-C again to quit at once)")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Workflows

/// SIGINTs received since an `Interruption` was installed: all a signal handler may touch.
private let interrupts = Atomic<Int>(0)
private let interruptedMessage: StaticString = "kvctl: interrupted: stopping after the current transaction (Ctrl-C again to quit at once)\n"

/// Ctrl-C during an apply. The first one asks the publish to stop after the transaction in flight, so
/// the journal says exactly how far it got and the lock is released; a second one ends kvctl at once
/// (the journal still allows recovery, and the lock lapses with its session). A plain signal handler,
/// not a DispatchSource: on Linux a dispatch signal source reads a signalfd, which sees the signal only
/// when every thread blocks it, and an ignored SIGINT delivered to another thread is simply lost.
struct Interruption: ApplyStop {
    /// Takes SIGINT over until `remove()`.
    init() {
        interrupts.store(0, ordering: .sequentiallyConsistent)
        signal(SIGINT) { _ in
            // Only async-signal-safe calls here: an atomic add, write(2), signal(2), raise(3).
            guard interrupts.add(1, ordering: .sequentiallyConsistent).newValue == 1 else {
                signal(SIGINT, SIG_DFL)
                raise(SIGINT)
                return
            }
            interruptedMessage.withUTF8Buffer { _ = write(2, $0.baseAddress, $0.count) }
        }
    }

    var requested: Bool { interrupts.load(ordering: .sequentiallyConsistent) > 0 }

    func end() {
        signal(SIGINT, SIG_DFL)
    }
}

import Foundation
import KVCore

/// Runs `body` on a thread with the stack validation parses and renders items on
/// (`ConcurrentWorkers.stackSize`): a recursion deeper than the limits allow crashes the test process.
public func onWorkerSizedStack<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        box.value = body()
        done.signal()
    }
    thread.stackSize = ConcurrentWorkers.stackSize
    thread.start()
    done.wait()
    return box.value!
}

/// Written by the worker thread before it signals, read after the wait.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

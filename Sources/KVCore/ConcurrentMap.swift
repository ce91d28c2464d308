import Dispatch

extension Array where Element: Sendable {
    /// `map` spread over the machine's cores; the order of results matches the input.
    public func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        guard count > 1 else { return map(transform) }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            nonisolated(unsafe) let output = buffer
            DispatchQueue.concurrentPerform(iterations: count) { index in
                (output.baseAddress! + index).initialize(to: transform(self[index]))
            }
            initialized = count
        }
    }
}

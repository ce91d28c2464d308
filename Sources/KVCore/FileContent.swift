import Synchronization

/// A file value's bytes, read on first use: validation reuses what it cached for values it never
/// opens, and `ls` never opens any.
public final class FileContent: Sendable {
    /// The git blob id when the revision has one: equal ids mean equal bytes, without reading either.
    public let id: String?
    private let state: Mutex<State>
    private let measure: (@Sendable () throws -> Int)?

    private enum State {
        case unread(@Sendable () throws -> [UInt8])
        case read([UInt8])
    }

    /// `size` tells the length without reading the bytes, when the store can (git object headers).
    public init(id: String?, size: (@Sendable () throws -> Int)? = nil, read: @escaping @Sendable () throws -> [UInt8]) {
        self.id = id
        measure = size
        state = Mutex(.unread(read))
    }

    public init(bytes: [UInt8]) {
        id = nil
        measure = nil
        state = Mutex(.read(bytes))
    }

    /// The length in bytes, from the object header when the bytes were not read yet.
    public var count: Int {
        let unread = state.withLock { if case .unread = $0 { true } else { false } }
        if unread, let measure, let size = try? measure() { return size }
        return bytes.count
    }

    /// The bytes. The snapshot found the file when the tree was loaded, so a read failing now means
    /// the repository changed or broke underneath kvctl: there is no sensible value to go on with.
    public var bytes: [UInt8] {
        state.withLock { state in
            switch state {
            case .read(let bytes): return bytes
            case .unread(let read):
                do {
                    let bytes = try read()
                    state = .read(bytes)
                    return bytes
                } catch {
                    fatalError("kvctl: cannot read a value that was there a moment ago: \(error)")
                }
            }
        }
    }
}

/// One key as the double stores it, with Consul's index bookkeeping.
public struct DoubleEntry: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]
    public var flags: UInt64
    public var createIndex: UInt64
    public var modifyIndex: UInt64
    public var lockIndex: UInt64
    /// The session holding the key's lock, if any.
    public var session: String?

    public init(
        key: String, value: [UInt8], flags: UInt64 = 0,
        createIndex: UInt64 = 0, modifyIndex: UInt64 = 0, lockIndex: UInt64 = 0, session: String? = nil
    ) {
        self.key = key
        self.value = value
        self.flags = flags
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
        self.lockIndex = lockIndex
        self.session = session
    }
}

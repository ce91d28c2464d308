#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP port that refuses every connection for as long as this value lives: a socket bound
/// to it but never listening, so no other process can take the port meanwhile (unlike a port that was
/// free a moment ago, or a fixed one such as 9).
public final class RefusingPort: @unchecked Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FixtureError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw FixtureError("bind 127.0.0.1:0: \(errno)")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// `127.0.0.1:PORT`, as CONSUL_HTTP_ADDR takes it.
    public var address: String { "127.0.0.1:\(port)" }

    deinit { close(descriptor) }
}
